/**
 * Rolling upgrade (issue 9): a cluster where node `old` runs the previous release (0.1.0, built
 * from its commit by test/helpers/previous-release.ts) and `b`, `c` run this build.
 *
 *   writes on every node (REST and Asterisk's realtime store) converge to one view hash, and every
 *   acknowledged write is readable on every node; every node answers Asterisk's realtime lookups
 *   for records written anywhere; a registration stored through one version routes on the other;
 *   then `old` is stopped and started again with this build on the same data directory: it keeps
 *   its identity and everything it had, converges, and its new writes reach the others.
 */
import t from 'tap'
import { ClusterNode, startCluster, waitConverged, waitFor } from '../helpers/cluster.js'
import { realtime, registerBody, route } from '../helpers/asterisk-requests.js'
import { CLI } from '../helpers/node-process.js'
import { previousReleaseCli, PREVIOUS_RELEASE } from '../helpers/previous-release.js'

/** What Asterisk posts when `device` REGISTERs from `port`, expiring in an hour. */
const contactBody = (device: string, port: number): string => registerBody(device, { hash: `${device}${port}`, port })

t.test('a cluster of the previous release and this one converges, then the old node is upgraded in place', async (t) => {
  let oldCli: string
  try {
    oldCli = previousReleaseCli()
  } catch (err) {
    t.fail((err as Error).message)
    return
  }
  const cluster = await startCluster(t, {
    nodes: 3,
    spec: (i) => ({
      name: ['old', 'b', 'c'][i],
      args: ['--sip-address', `127.0.0.${i + 1}:5060`],
      make: (name, dataDir, args, env, token) => {
        const n = new ClusterNode(name, dataDir, args, env, token)
        if (name === 'old') n.cli = oldCli
        return n
      }
    })
  })
  const [old, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  t.equal(old.cli, oldCli, `node old runs ${PREVIOUS_RELEASE.version}`)
  t.equal(b.cli, CLI)
  await waitConverged([old, b, c], 60_000)

  // acknowledged writes on every node, both versions
  const written: Array<[ClusterNode, string]> = []
  for (const [i, n] of [old, b, c].entries()) {
    for (let k = 0; k < 5; k++) {
      const id = `${n.name}-u${k}`
      await n.put('users', id, { name: `User ${id}`, extensions: [String(200 + i * 10 + k)] })
      await n.put('devices', `${id}-d`, { user: id, secret: `pw-${id}` })
      written.push([n, id])
    }
  }
  await b.patch('users', 'old-u0', { name: 'Renamed on b' })
  // the delete is made on another node than the write: it must have the device first
  await waitFor('old has c-u4-d', async () => await old.get('devices', 'c-u4-d'), (d) => d !== undefined, 30_000)
  await old.remove('devices', 'c-u4-d')
  const hash = await waitConverged([old, b, c], 60_000)
  t.same(await Promise.all([old, b, c].map(async (n) => await n.viewHash())), [hash, hash, hash], 'one view hash on both versions')

  for (const n of [old, b, c]) {
    for (const [, id] of written) {
      const u = await n.get('users', id)
      t.ok(u !== undefined, `${id} on ${n.name}`)
    }
    t.equal((await n.get('users', 'old-u0'))?.name, 'Renamed on b', `a patch from the new version, on ${n.name}`)
    t.equal(await n.get('devices', 'c-u4-d'), undefined, `a delete from the old version stays deleted on ${n.name}`)
    // each node answers Asterisk for records written on the others
    t.match(await realtime(n, 'ps_endpoints', 'single', 'id=b-u1-d'), /^id=b-u1-d&/, `${n.name} answers ps_endpoints`)
    t.match(await realtime(n, 'ps_auths', 'single', 'id=old-u2-d'), /password=pw-old-u2/, `${n.name} answers ps_auths`)
    t.match(await realtime(n, 'sippeers', 'single', 'name=c-u0-d'), /^name=c-u0-d&/, `${n.name} answers sippeers`)
  }

  // a registration accepted by one version routes on the other, both ways
  t.equal(await realtime(old, 'ps_contacts', 'store', contactBody('b-u0-d', 25001)), '1', 'a contact stored on the old node')
  t.equal(await realtime(b, 'ps_contacts', 'store', contactBody('old-u0-d', 25002)), '1', 'a contact stored on a new node')
  await waitFor('b to route to the phone registered on old', async () => await route(b, 'exten=210'), (s) => s.includes('fed-old'))
  await waitFor('old to route to the phone registered on b', async () => await route(old, 'exten=200'), (s) => s.includes('fed-b'))
  t.pass('registrations cross versions')

  // the upgrade: stop old, start this build on the same data directory
  const before = await old.status()
  await old.kill('SIGTERM')
  await b.put('users', 'while-down', { name: 'Written while old was down', extensions: ['299'] })
  old.cli = CLI
  await old.start(t)
  const after = await old.status()
  t.equal(after.node.writer, before.node.writer, 'same identity (writer key) after the upgrade')
  t.equal(after.node.swarmKey, before.node.swarmKey, 'same swarm key')
  await old.put('users', 'after-upgrade', { name: 'Written after the upgrade', extensions: ['298'] })
  await waitConverged([old, b, c], 60_000)
  for (const n of [old, b, c]) {
    t.ok(await n.get('users', 'while-down') !== undefined, `${n.name} has the write made while old was down`)
    t.ok(await n.get('users', 'after-upgrade') !== undefined, `${n.name} has the upgraded node's new write`)
    t.equal((await n.get('users', 'old-u0'))?.name, 'Renamed on b')
    t.equal(await n.get('devices', 'c-u4-d'), undefined)
  }
  t.equal((await old.list('users')).length, 17, 'the upgraded node kept every user (15 + 2)')
  t.match(await realtime(old, 'ps_endpoints', 'single', 'id=c-u2-d'), /^id=c-u2-d&/, 'and answers Asterisk')
})
