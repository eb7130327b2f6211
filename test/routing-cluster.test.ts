/**
 * Routing across real node processes (issue 5): two `federator start`
 * processes on loopback with a local DHT bootstrap node and shrunk failure
 * detection (heartbeat 200 ms, dead after 4 missed).
 *
 *   a device registers through node A (`POST /realtime/ps_contacts/store`,
 *   Asterisk's exact body) → `/route` on B answers A's inter-node trunk, and
 *   B serves that trunk as realtime rows;
 *   provider failover order, and trunks usable only on the other node;
 *   A is killed (SIGKILL) → once B sees it dead, B stops routing through it
 *   (the registration is unreachable, the trunk rows go);
 *   the device registers on B → B routes locally.
 * Waits poll with a deadline; nothing asserts a duration.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor, type ClusterNode } from './helpers/cluster.js'
import { realtime, registerBody, route } from './helpers/asterisk-requests.js'

const CONTACT_HASH = 'a709087b369aae7261670380fca91842'

/** What Asterisk posts when alice REGISTERs (docs/asterisk-protocol.md), expiring in an hour. */
const aliceRegisters = (): string => registerBody('alice', { hash: CONTACT_HASH })

const until = async (n: ClusterNode, query: string, want: string | RegExp, what: string): Promise<string> =>
  await waitFor(what, async () => await route(n, query), (s) => typeof want === 'string' ? s === want : want.test(s), 30_000, 100)

t.test('registrations, inter-node trunks, LCR failover and node death across two processes', async (t) => {
  const cluster = await startCluster(t, {
    nodes: 2,
    spec: (i) => ({ name: i === 0 ? 'a' : 'b', args: ['--sip-address', `127.0.0.${i + 1}:5060`] })
  })
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode]
  await waitConverged([a, b])

  await a.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
  await a.put('devices', 'alice', { user: 'alice', secret: 'x' })
  await a.put('trunks', 't-a', { nodes: ['a'] })
  await a.put('trunks', 't-b', { nodes: ['b'] })
  await a.put('trunks', 't-any', {})
  await a.put('providers', 'cheap', { name: 'Cheap', trunks: ['t-a'], prefixes: [{ prefix: '44', cost: 1 }] })
  await a.put('providers', 'mid', { name: 'Mid', trunks: ['t-any'], prefixes: [{ prefix: '44', cost: 2 }], prepend: '+' })
  await a.put('providers', 'dear', { name: 'Dear', trunks: ['t-b'], prefixes: [{ prefix: '', cost: 5 }] })
  await a.put('routes', 'intl', { pattern: '_00X.', strip: 2, target: { kind: 'lcr' } })
  await waitConverged([a, b])

  // each node sees the other alive: a trunk usable only on the other node is reached through it
  const lcr = 'exten=00441234567&context=from-internal'
  t.equal(await until(b, lcr, /^status=OK&dial=PJSIP%2Ft~t-a~441234567%40fed-a&/, 'B reaching t-a through A'),
    'status=OK&dial=PJSIP%2Ft~t-a~441234567%40fed-a&timeout=60&dial2=PJSIP%2F%2B441234567%40t-any&timeout2=60&dial3=PJSIP%2F441234567%40t-b&timeout3=60&count=3&reason=route',
    'B: cheapest first (through A), then mid on its shared trunk, then dear on its own trunk')
  t.equal(await until(a, lcr, /^status=OK&dial=PJSIP%2F441234567%40t-a&/, 'A reaching t-b through B'),
    'status=OK&dial=PJSIP%2F441234567%40t-a&timeout=60&dial2=PJSIP%2F%2B441234567%40t-any&timeout2=60&dial3=PJSIP%2Ft~t-b~441234567%40fed-b&timeout3=60&count=3&reason=route',
    'A: its own trunk first, B’s last')
  t.equal(await route(a, 'exten=t~t-a~441234567&context=federator-inbound'), 'status=OK&dial=PJSIP%2F441234567%40t-a&timeout=60&count=1&reason=hop',
    'A takes the hop B hands it and sends it out on t-a')
  t.equal(await route(b, 'exten=t~t-a~441234567&context=federator-inbound'), 'status=CONGESTION&count=0&reason=trunks-unavailable&cause=34',
    'a hop never travels on: B cannot use t-a itself')

  // the generated inter-node trunks, as realtime rows on each side
  t.match(await realtime(b, 'ps_aors', 'single', 'id=fed-a'), /^id=fed-a&contact=sip%3A127\.0\.0\.1%3A5060&/)
  t.match(await realtime(a, 'ps_endpoints', 'single', 'id=fed-b'), /^id=fed-b&.*context=federator-inbound/)
  t.match(await realtime(b, 'ps_endpoint_id_ips', 'single', 'id=fed-a'), /^id=fed-a&endpoint=fed-a&match=127\.0\.0\.1/)
  t.equal(await realtime(a, 'ps_aors', 'single', 'id=fed-a'), '', 'no trunk to itself')

  // alice registers through A
  t.equal(await route(b, 'exten=100'), 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20')
  t.equal(await realtime(a, 'ps_contacts', 'store', aliceRegisters()), '1')
  t.equal(await route(a, 'exten=100'), 'status=OK&dial=PJSIP%2Falice&timeout=30&count=1&reason=user', 'A rings it directly')
  t.equal(await until(b, 'exten=100', /^status=OK/, 'B to learn alice’s registration'),
    'status=OK&dial=PJSIP%2F100%40fed-a&timeout=30&count=1&reason=user', 'B → A’s inter-node trunk')
  t.equal(await route(b, 'exten=100&format=plain&tech=sip'), 'SIP/fed-a/100', 'chan_sip form')

  // A dies without a word
  await a.kill('SIGKILL')
  t.equal(await until(b, 'exten=100', /^status=UNAVAILABLE/, 'B to see A dead'),
    'status=UNAVAILABLE&count=0&reason=nodes-down&cause=20', 'registered only on a dead node')
  t.equal((await b.status()).nodes.find((n) => n.name === 'a')?.state, 'dead', 'B’s failure detector agrees')
  t.equal(await route(b, lcr),
    'status=OK&dial=PJSIP%2F%2B441234567%40t-any&timeout=60&dial2=PJSIP%2F441234567%40t-b&timeout2=60&count=2&reason=route',
    'the route through A is gone; failover order otherwise kept')
  t.equal(await realtime(b, 'ps_aors', 'single', 'id=fed-a'), '', 'A’s inter-node trunk rows are gone')
  t.equal(await realtime(b, 'ps_endpoints', 'single', 'id=fed-a'), '')
  const metrics = await (await fetch(b.url + '/metrics')).text()
  t.match(metrics, /federator_route_nodes\{state="dead"\} 1/)
  t.match(metrics, /federator_route_internode_trunks 0/)

  // alice's phone registers on B now
  t.equal(await realtime(b, 'ps_contacts', 'store', aliceRegisters()), '1')
  t.equal(await route(b, 'exten=100'), 'status=OK&dial=PJSIP%2Falice&timeout=30&count=1&reason=user', 'B routes locally')
  const j = JSON.parse(await route(b, 'exten=100&format=json')) as { node: string, alternatives: Array<{ legs: Array<{ device: string, via?: string }> }> }
  t.match(j, { node: 'b', alternatives: [{ legs: [{ device: 'alice' }] }] })
  t.equal(j.alternatives[0]!.legs[0]!.via, undefined, 'no hop')
})
