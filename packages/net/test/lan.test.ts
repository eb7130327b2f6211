/**
 * LAN discovery by multicast, with no DHT and no static peers: on loopback
 * (multicast pinned to 127.0.0.1), and between network namespaces joined by a
 * bridge that the test creates and removes (skipped where `ip netns` is not
 * permitted). Nodes of another cluster on the same group are ignored.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { formatJoinString, newClusterSecret } from '../src/index.js'
import { converged, freeUdpPort, makeNode, tmpdir, waitFor, write, FAST } from './helpers.js'
import { spawnNode, type ChildNode } from './child.js'

const GROUP = '239.255.70.78'

t.test('loopback multicast: three nodes find each other and converge; another cluster is ignored', async (t) => {
  const port = await freeUdpPort()
  const lan = { interface: '127.0.0.1', group: GROUP, port }
  const join = formatJoinString(newClusterSecret())
  const started = Date.now()
  const nodes = [await makeNode(t, { join, lan }), await makeNode(t, { join, lan }), await makeNode(t, { join, lan })]
  const other = await makeNode(t, { join: formatJoinString(newClusterSecret()), lan })
  for (const [i, n] of nodes.entries()) await write(n, 'lan' + i)
  const ms = await waitFor('all three converged', () => converged(nodes))
  t.comment(`LAN discovery + replication: converged ${ms} ms after the writes, ${Date.now() - started} ms after the first start`)
  // logs spread transitively, so convergence can come before the last direct connection is admitted;
  // count distinct peers: hyperswarm may briefly hold a duplicate connection to one peer
  const admittedPeers = (n: typeof nodes[number]): number =>
    new Set(n.net.status().peers.filter(p => p.state === 'admitted').map(p => p.swarmKey)).size
  await waitFor('a full mesh', () => nodes.every(n => admittedPeers(n) === 2))
  for (const n of nodes) {
    const s = n.net.status()
    t.equal(admittedPeers(n), 2, 'admitted to both others')
    t.ok(s.peers.every(p => p.discovery === 'lan' || p.discovery === 'incoming'))
    // the last node up may not have heard an announcement yet: the others found it by its own
    t.ok((s.discovery.lan?.announcementsSent ?? 0) > 0, 'announced itself on the LAN')
    t.equal(s.discovery.dht, null, 'no DHT involved')
  }
  t.ok(nodes.some(n => (n.net.status().discovery.lan?.announcementsReceived ?? 0) > 0), 'announcements were heard')
  t.equal(other.net.peers().length, 0, 'the other cluster\'s node never connected')
  t.ok((other.net.status().discovery.lan?.announcementsReceived ?? 1) === 0, 'and counted no announcement of ours')
})

function sh (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

function netnsPermitted (): string | null {
  const probe = `fedprobe-${process.pid}-${randomBytes(3).toString('hex')}`
  try {
    sh('netns', 'add', probe)
    sh('netns', 'del', probe)
    return null
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message
  }
}

const denied = netnsPermitted()
const skip = denied === null ? false : `ip netns is not permitted here (${denied}): LAN discovery between namespaces not tested`

t.test('network namespaces joined by a bridge: multicast discovery across a real (virtual) LAN', { skip }, async (t) => {
  const tag = `fed${process.pid % 10000}${randomBytes(2).toString('hex')}`
  const br = `${tag}-br`
  const ns = [`${tag}-1`, `${tag}-2`, `${tag}-3`]
  // teardown first: whatever part of the setup succeeded is removed
  t.teardown(() => { for (const n of [br, ...ns]) { try { sh('netns', 'del', n) } catch {} } })
  sh('netns', 'add', br)
  sh('-n', br, 'link', 'add', 'br0', 'type', 'bridge')
  sh('-n', br, 'link', 'set', 'br0', 'up')
  ns.forEach((n, i) => {
    sh('netns', 'add', n)
    sh('-n', br, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', n)
    sh('-n', br, 'link', 'set', `v${i}`, 'master', 'br0')
    sh('-n', br, 'link', 'set', `v${i}`, 'up')
    sh('-n', n, 'addr', 'add', `10.213.0.${i + 1}/24`, 'dev', 'lan0')
    sh('-n', n, 'link', 'set', 'lan0', 'up')
    sh('-n', n, 'link', 'set', 'lo', 'up')
  })

  const join = formatJoinString(newClusterSecret())
  const tunables = { ...FAST, lanIntervalMs: 500 }
  const started = Date.now()
  const children: ChildNode[] = []
  for (const [i, n] of ns.entries()) {
    const ip = `10.213.0.${i + 1}`
    // the node binds 0.0.0.0 inside its namespace: the announced address is its LAN interface's
    children.push(await spawnNode(t, { dir: await tmpdir(t), join, name: 'ns' + i, host: '0.0.0.0', port: 49737, lan: { interface: ip }, tunables }, ['ip', 'netns', 'exec', n]))
  }
  for (const [i, c] of children.entries()) await c.ask({ cmd: 'write', id: 'ns' + i }, 'wrote')
  type Status = { viewHash: string, users: number, status: { peers: Array<{ discovery: string, state: string, remoteAddress: string }> } }
  let last: Status[] = []
  const ms = await waitFor('three namespaces converged', () => {
    Promise.all(children.map(c => c.ask({ cmd: 'status' }, 'status'))).then(r => { last = r as unknown as Status[] }, () => {})
    return last.length === 3 && last.every(s => s.users === 3) && new Set(last.map(s => s.viewHash)).size === 1
  }, 30_000, 200).catch((err: Error) => { t.comment(JSON.stringify(last.map(s => [s.users, s.viewHash, s.status.peers]))); throw err })
  t.comment(`namespaces: converged ${ms} ms after the writes, ${Date.now() - started} ms after the first spawn`)
  let dialedFromLan = 0
  for (const s of last) {
    const admitted = s.status.peers.filter(p => p.state === 'admitted')
    t.equal(admitted.length, 2)
    t.ok(admitted.every(p => p.remoteAddress.startsWith('10.213.0.')), 'over the bridge: ' + admitted.map(p => p.remoteAddress).join(', '))
    t.ok(admitted.every(p => p.discovery === 'lan' || p.discovery === 'incoming'))
    dialedFromLan += admitted.filter(p => p.discovery === 'lan').length
  }
  t.ok(dialedFromLan >= 3, 'each of the three links was dialled after a LAN announcement')
  for (const c of children) await c.stop()
})
