/**
 * LAN discovery end to end, with no DHT and no static peers: real node
 * processes started with `--lan <address>` find each other by multicast and
 * converge. On loopback (multicast pinned to 127.0.0.1: nothing leaves the
 * host), and between network namespaces on a virtual bridge that the test
 * creates and removes (skipped, with the reason, where `ip netns` is not
 * permitted). Never multicast on a real interface.
 */
import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, waitConverged, type ClusterNode, type ClusterView } from '../helpers/cluster.js'
import { NetLab, netnsDenied, NetnsNode } from './netns.js'

function checkLan (t: Test, views: ClusterView[], peersEach: number, addressPrefix: string): void {
  for (const v of views) {
    const admitted = v.peers.filter((p) => p.state === 'admitted')
    t.equal(new Set(admitted.map((p) => p.swarmKey)).size, peersEach, `${v.node.name} is connected to the ${peersEach} others`)
    t.ok(admitted.every((p) => p.discovery === 'lan' || p.discovery === 'incoming'), `${v.node.name}: every link came from a LAN announcement`)
    t.ok(admitted.every((p) => p.remoteAddress?.startsWith(addressPrefix)), `${v.node.name}: over ${addressPrefix}* (${admitted.map((p) => p.remoteAddress).join(', ')})`)
    if (!v.network.enabled) { t.fail('network enabled'); continue }
    t.equal(v.network.discovery.dht, null, `${v.node.name}: no DHT`)
    t.same(v.network.discovery.static, [], `${v.node.name}: no static peers`)
    t.ok((v.network.discovery.lan?.announcementsReceived ?? 0) > 0, `${v.node.name} received announcements`)
  }
}

t.test('loopback multicast: three nodes with --lan 127.0.0.1 find each other and converge', async (t) => {
  const started = Date.now()
  const cluster = await startCluster(t, { nodes: 3, bootstrap: false, spec: () => ({ lan: '127.0.0.1' }) })
  await Promise.all(cluster.nodes.map(async (n, i) => { await n.put('users', `lan${i}`, { name: `Made on ${n.name}`, extensions: [String(2100 + i)] }) }))
  await waitConverged(cluster.nodes, 30_000)
  t.comment(`found each other and converged ${Date.now() - started} ms after the first start`)
  checkLan(t, await Promise.all(cluster.nodes.map(async (n) => await n.status())), 2, '127.0.0.1:')
  for (const n of cluster.nodes) t.equal((await n.status()).records.user, 3)
})

const denied = netnsDenied()
const skip = denied === null ? false : `ip netns is not permitted here (${denied}): LAN discovery between namespaces not tested`

t.test('network namespaces on a bridge: nodes with --lan <their address> find each other', { skip }, async (t) => {
  const lab = new NetLab()
  t.teardown(() => lab.close())
  lab.open()
  lab.addBridge('br0')
  const hosts = [lab.addHost('br0'), lab.addHost('br0'), lab.addHost('br0')]
  const sockDir = await mkdtemp(join(tmpdir(), 'fed-sock-'))
  t.teardown(() => rm(sockDir, { recursive: true, force: true }))
  const started = Date.now()
  const cluster = await startCluster(t, {
    nodes: 3,
    bootstrap: false,
    spec: (i) => ({
      name: `ns${i + 1}`,
      swarmHost: hosts[i]!.ip,
      swarmPort: 49737,
      lan: hosts[i]!.ip,
      make: (name, dataDir, args, env, token) => new NetnsNode(name, dataDir, args, env, token, hosts[i]!.ns, sockDir)
    })
  })
  const nodes: ClusterNode[] = cluster.nodes
  await Promise.all(nodes.map(async (n, i) => { await n.put('users', `ns${i}`, { name: `Made in ${n.name}`, extensions: [String(2200 + i)] }) }))
  await waitConverged(nodes, 30_000)
  t.comment(`namespaces: found each other and converged ${Date.now() - started} ms after the first start`)
  checkLan(t, await Promise.all(nodes.map(async (n) => await n.status())), 2, lab.subnet + '.')
})
