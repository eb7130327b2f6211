/**
 * Logs replicate between admitted nodes: over a local DHT testnet (3 nodes,
 * topic discovery) and over static peers only (no DHT at all) in a line
 * A–B–C, where A's log must reach C through B.
 */
import t from 'tap'
import createTestnet from 'hyperdht/testnet'
import { formatJoinString, newClusterSecret, runBootstrap } from '../src/index.js'
import { appliedOf, converged, freeUdpPort, makeNode, waitFor, write, type TestNode } from './helpers.js'

t.test('3 nodes on a local DHT testnet: every log reaches every node', async (t) => {
  const testnet = await createTestnet(3, { teardown: t.teardown.bind(t) })
  const join = formatJoinString(newClusterSecret())
  const started = Date.now()
  const nodes: TestNode[] = []
  for (let i = 0; i < 3; i++) nodes.push(await makeNode(t, { join, bootstrap: testnet.bootstrap, health: { name: 'n' + i } }))
  for (const [i, n] of nodes.entries()) {
    await write(n, `u${i}a`)
    await write(n, 'shared', `written by n${i}`) // the same record on every node: the merge decides
  }
  const ms = await waitFor('all logs applied on all nodes, equal view hashes', () => converged(nodes), 30_000)
  t.comment(`converged ${ms} ms after the last append, ${Date.now() - started} ms after the first start`)
  for (const n of nodes) {
    const s = n.net.status()
    t.ok(s.counters.admitted >= 2, 'connected to both others')
    t.ok(s.peers.every(p => p.discovery === 'dht' || p.discovery === 'incoming'))
  }
  // a later append spreads too, and the announced lengths show it
  t.equal(nodes[2]!.store.count('user'), 4)
  await write(nodes[0]!, 'later')
  await waitFor('the new entry everywhere', () => converged(nodes))
  const n0 = nodes[0]!.store
  // a length travels once per link, in the direction it spreads (no echo): either A told B or B told A
  const heardFull = (i: number): boolean =>
    nodes[i]!.net.status().writers.some(w => w.key === n0.writerKey && w.remoteMax === n0.core.length)
  await waitFor('remote lengths announced', () => heardFull(1) || heardFull(0))
  t.ok(nodes[1]!.net.status().writers.some(w => w.key === n0.writerKey && w.applied === n0.core.length && w.lag === 0), 'no lag on B')
})

t.test('static peers only, line A–B–C (no DHT): A\'s log reaches C through B', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const b = await makeNode(t, { join })
  const bAddr = `${b.net.swarmKey}@127.0.0.1:${b.net.address!.port}`
  const a = await makeNode(t, { join, peers: [bAddr] })
  const c = await makeNode(t, { join, peers: [bAddr] })
  await write(a, 'from-a')
  await write(c, 'from-c')
  const ms = await waitFor('A on C and C on A', () => converged([a, b, c]))
  t.ok(c.store.getSync('user', 'from-a'), 'A\'s record on C')
  t.comment(`line topology converged in ${ms} ms`)
  t.notOk(a.net.peers().some(p => p.swarmKey === c.net.swarmKey), 'A and C never connected')
  t.same(a.net.status().peers.map(p => [p.swarmKey, p.discovery, p.direction]), [[b.net.swarmKey, 'static', 'out']])
  t.equal(a.net.status().discovery.dht, null, 'no DHT')
})

t.test('a private bootstrap node from runBootstrap is enough for topic discovery', async (t) => {
  const port = await freeUdpPort()
  const boot = await runBootstrap({ host: '127.0.0.1', port })
  t.teardown(() => boot.close())
  t.same(boot.address, { host: '127.0.0.1', port })
  const join = formatJoinString(newClusterSecret(), { bootstrap: [boot.address] })
  const a = await makeNode(t, { join })
  const b = await makeNode(t, { join })
  await write(a, 'x')
  const ms = await waitFor('A\'s log on B', () => converged([a, b]), 30_000)
  t.comment(`found through the private bootstrap in ${ms} ms`)
  t.same(a.net.status().discovery.dht?.bootstrap, [`127.0.0.1:${port}`], 'bootstrap from the join string hint')
})

t.test('an unreachable bootstrap blocks neither start-up nor static peers', async (t) => {
  const dead = await freeUdpPort() // nothing listens there
  const join = formatJoinString(newClusterSecret())
  const b = await makeNode(t, { join, bootstrap: [{ host: '127.0.0.1', port: dead }] })
  t.equal(b.net.status().discovery.dht?.bootstrapped, false, 'ready() returned while the DHT was still trying to bootstrap')
  const a = await makeNode(t, { join, bootstrap: [{ host: '127.0.0.1', port: dead }], peers: [`${b.net.swarmKey}@127.0.0.1:${b.net.address!.port}`] })
  await write(a, 'y')
  await waitFor('A\'s log on B', () => appliedOf(b, a.store.writerKey) === a.store.core.length)
  t.equal(a.net.status().discovery.dht?.nodes, 0, 'no DHT node known')
})
