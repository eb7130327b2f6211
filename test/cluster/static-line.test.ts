/**
 * Static peers only, no DHT at all (no --bootstrap, no LAN): a line A–B–C,
 * where A and C each know only B (`--peer <B's swarm key>@127.0.0.1:<port>`).
 * A's writes reach C and C's reach A through B (logs spread transitively),
 * A and C never connect to each other. B listens on a fixed port, so after a
 * restart of B (while A keeps writing) both ends dial it again by themselves.
 */
import t from 'tap'
import { freeUdpPort, startCluster, waitConverged, waitFor } from '../helpers/cluster.js'

t.test('line A–B–C over static peers: A\'s writes reach C through B, also after B restarts', async (t) => {
  const cluster = await startCluster(t, { nodes: 0, bootstrap: false })
  const b = await cluster.addNode({ name: 'B', swarmPort: await freeUdpPort() })
  const bAddr = await b.peerAddress()
  t.match(bAddr, /^[0-9a-f]{64}@127\.0\.0\.1:\d+$/)
  const [a, c] = await Promise.all([cluster.addNode({ name: 'A', peers: [bAddr] }), cluster.addNode({ name: 'C', peers: [bAddr] })])
  const line = [a, b, c]

  for (let i = 0; i < 30; i++) await a.put('users', `a${i}`, { name: `From A ${i}`, extensions: [String(5000 + i)] })
  await c.put('users', 'c0', { name: 'From C', extensions: ['6000'] })
  await waitConverged(line)
  t.same(await c.get('users', 'a29'), { id: 'a29', name: 'From A 29', extensions: ['5029'] }, 'A\'s write is on C')
  t.same(await a.get('users', 'c0'), { id: 'c0', name: 'From C', extensions: ['6000'] }, 'C\'s write is on A')

  const [sa, sb, sc] = await Promise.all(line.map(async (n) => await n.status()))
  const keyOf = { A: sa!.node.swarmKey, B: sb!.node.swarmKey, C: sc!.node.swarmKey }
  const peersOf = (s: typeof sa): Array<string | null> => s!.peers.filter((p) => p.state === 'admitted').map((p) => p.swarmKey)
  t.same(peersOf(sa), [keyOf.B], 'A is connected to B only')
  t.same(peersOf(sc), [keyOf.B], 'C is connected to B only')
  t.same(new Set(peersOf(sb)), new Set([keyOf.A, keyOf.C]), 'B is connected to A and C')
  for (const s of [sa, sb, sc]) {
    t.ok(s!.network.enabled && s!.network.discovery.dht === null, `${s!.node.name}: no DHT`)
  }
  t.ok(sc!.writers.some((w) => w.key === sa!.node.writer && w.applied === sa!.writers.find((x) => x.local)!.length), 'C holds A\'s log, which it got through B')
  t.equal(sa!.peers.find((p) => p.swarmKey === keyOf.B)?.discovery, 'static')

  // B restarts on the same port; A writes meanwhile; both ends reconnect to B on their own
  await b.kill('SIGTERM')
  await a.put('users', 'while-b-down', { name: 'Written while B was down', extensions: ['5999'] })
  t.equal(await c.get('users', 'while-b-down'), undefined, 'C cannot have it while B is down')
  await b.start()
  await waitConverged(line, 60_000)
  t.ok(await c.get('users', 'while-b-down') !== undefined, 'after B restarts, A\'s write reaches C')
  const sc2 = await waitFor('C connected to B only', async () => await c.status(), (s) => s.peers.filter((p) => p.state === 'admitted').length === 1)
  t.same(peersOf(sc2), [keyOf.B], 'C is still connected to B only')
})
