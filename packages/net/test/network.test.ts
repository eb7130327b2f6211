/**
 * The Network resource itself: no cluster means no sockets at all; the swarm
 * identity lives with the data dir (same dir → same key, wiped dir → new key);
 * ready() and close() are idempotent; join-string hints are used.
 */
import t from 'tap'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import { Store } from '@federator/store'
import { formatJoinString, Network, newClusterSecret, parseJoinString } from '../src/index.js'
import { log, makeNode, tmpdir, waitFor, write, converged } from './helpers.js'

function openSockets (): number {
  let n = 0
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try { if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++ } catch {}
  }
  return n
}

t.test('a node that is not in a cluster does no networking at all', async (t) => {
  const store = new Store({ dir: await tmpdir(t), logger: log })
  t.teardown(() => store.close())
  await store.ready()
  const before = openSockets()
  const net = new Network({ logs: store, log, host: '127.0.0.1', port: 0, join: null, lan: { interface: '127.0.0.1' }, peers: [`${'ab'.repeat(32)}@127.0.0.1:1`] })
  t.teardown(() => net.close())
  await net.ready()
  t.equal(openSockets(), before, 'no socket opened')
  t.equal(net.enabled, false)
  t.equal(net.address, null)
  t.equal(net.swarmKey, null)
  t.same(net.get('contact'), [])
  t.throws(() => net.publish('contact', 'x', 1, 1000), /not in a cluster/)
  t.match(net.status(), { enabled: false, peers: [], nodes: [], soft: null, writers: [] })
})

t.test('the swarm identity stays with the data dir; a wiped node gets a new one', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const dir = await tmpdir(t)
  const open = async (): Promise<string> => {
    const store = new Store({ dir, logger: log })
    await store.ready()
    const net = new Network({ logs: store, log, host: '127.0.0.1', port: 0, join })
    await net.ready()
    const key = net.swarmKey!
    await net.close()
    await store.close()
    return key
  }
  const k1 = await open()
  t.match(k1, /^[0-9a-f]{64}$/)
  t.equal(await open(), k1, 'same data dir, same identity')
  await fsp.rm(dir, { recursive: true })
  const k2 = await open()
  t.not(k2, k1, 'wiped: new identity')
})

t.test('ready() and close() are idempotent; bad options fail clearly', async (t) => {
  const n = await makeNode(t, { join: formatJoinString(newClusterSecret()) })
  await Promise.all([n.net.ready(), n.net.ready()])
  await Promise.all([n.net.close(), n.net.close()])
  await n.net.close()
  t.pass('closed twice')
  t.throws(() => new Network({ logs: n.store, log, host: '127.0.0.1', join: 'fed1:nope' }), { code: 'FED_ERR_JOIN_STRING' })
  t.throws(() => new Network({ logs: n.store, log, host: '127.0.0.1', join: formatJoinString(newClusterSecret()), peers: ['nope'] }), { code: 'FED_ERR_PEER_ADDRESS' })
})

t.test('static peers from the join string, and added at run time', async (t) => {
  const secret = newClusterSecret()
  const a = await makeNode(t, { join: formatJoinString(secret) })
  const hint = { publicKey: a.net.swarmKey!, host: '127.0.0.1', port: a.net.address!.port }
  const b = await makeNode(t, { join: formatJoinString(secret, { peers: [hint] }) })
  t.same(parseJoinString(formatJoinString(secret, { peers: [hint] })).peers, [hint])
  await write(a, 'a')
  await waitFor('b has a', () => converged([a, b]))
  const c = await makeNode(t, { join: formatJoinString(secret) })
  c.net.addPeer(`${b.net.swarmKey}@127.0.0.1:${b.net.address!.port}`)
  await waitFor('c has a through b', () => converged([a, b, c]))
  t.same(c.net.status().discovery.static, [`${b.net.swarmKey}@127.0.0.1:${b.net.address!.port}`])
})
