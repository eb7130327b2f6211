import t from 'tap'
import { answerQuestion, dnsNodes, isIPv4, isIPv6, parseTransport, relativeName, TokenBuckets, DNS_DEFAULT_TTL, type DnsNodeStatus, type ZoneContext } from '../../src/index.js'

const status = (name: string, sipAddress: string | undefined, dns: unknown = {}, extra: Record<string, unknown> = {}, state = 'alive'): DnsNodeStatus =>
  ({ state, info: { name, ...(sipAddress !== undefined ? { sipAddress } : {}), dns, ...extra } })

const cluster = (): DnsNodeStatus[] => [
  status('n1', '127.0.0.1:5060', { priority: 10, weight: 40, transports: ['udp', 'tcp', 'tls:5061'], serving: true }),
  status('N2', '127.0.0.2', { transports: ['udp'], serving: true }, { cores: 2 }),
  status('n3', '[::1]:5070', { weight: 5, transports: ['tcp'] }),
  status('n4', 'sbc.example.net:5080', { priority: 20, weight: 1 }),
  status('sus', '127.0.0.5', {}, {}, 'suspect'),
  status('dead', '127.0.0.6', {}, {}, 'dead'),
  status('nosip', undefined)
]
const ctx = (over: Partial<ZoneContext> = {}): ZoneContext => ({ zone: 'pbx.Example.com.', nodes: dnsNodes(cluster()), self: 'n1', ttl: 10, serial: 7, ...over })

t.test('dnsNodes: alive nodes with a SIP address, their weights and transports', async (t) => {
  const nodes = dnsNodes(cluster())
  t.same(nodes.map((n) => n.name), ['n1', 'n2', 'n3', 'n4'], 'suspect, dead and address-less nodes are not listed; names lower case')
  const n2 = nodes.find((n) => n.name === 'n2')!
  t.equal(n2.weight, 20, 'no weight stated: 10 per core')
  t.equal(n2.priority, 10, 'default priority')
  t.same(n2.ports, { udp: 5060 }, 'the default SIP port')
  t.same(nodes[0]!.ports, { udp: 5060, tcp: 5060, tls: 5061 })
  t.same(nodes.find((n) => n.name === 'n3')!.ports, { tcp: 5070 }, 'the port of the SIP address')
  t.equal(nodes.find((n) => n.name === 'n3')!.family, 6)
  t.equal(nodes.find((n) => n.name === 'n4')!.family, null, 'a host name: no address record')
  t.equal(dnsNodes([status('old', '10.0.0.1', undefined)])[0]!.weight, 10, 'a node stating nothing (older version): default weight, udp')
  t.same(dnsNodes([status('odd', '10.0.0.1', { transports: ['sctp', 'udp'] })])[0]!.ports, { udp: 5060 }, 'an unknown transport is ignored')
})

t.test('dnsNodes: weights lowered under load only when asked', async (t) => {
  const busy = [status('b', '10.0.0.1', { weight: 100 }, { cores: 4, load: [8, 1, 1] })]
  t.equal(dnsNodes(busy)[0]!.weight, 100)
  t.equal(dnsNodes(busy, { lowerUnderLoad: true })[0]!.weight, 50, 'load twice the cores: half the weight')
  const idle = [status('b', '10.0.0.1', { weight: 100 }, { cores: 4, load: [3, 1, 1] })]
  t.equal(dnsNodes(idle, { lowerUnderLoad: true })[0]!.weight, 100, 'load below the cores: unchanged')
  const swamped = [status('b', '10.0.0.1', { weight: 3 }, { cores: 1, load: [100, 1, 1] })]
  t.equal(dnsNodes(swamped, { lowerUnderLoad: true })[0]!.weight, 1, 'never below 1')
})

t.test('SRV: one target per live node serving the transport, by priority', async (t) => {
  const udp = answerQuestion(ctx(), { name: '_sip._udp.pbx.example.com', type: 'SRV' })
  t.equal(udp.rcode, 'NOERROR')
  t.ok(udp.aa)
  t.same(udp.answers.map((a) => [a.name, a.ttl, a.data]), [
    ['_sip._udp.pbx.example.com', 10, { priority: 10, weight: 40, port: 5060, target: 'n1.pbx.example.com' }],
    ['_sip._udp.pbx.example.com', 10, { priority: 10, weight: 20, port: 5060, target: 'n2.pbx.example.com' }],
    ['_sip._udp.pbx.example.com', 10, { priority: 20, weight: 1, port: 5080, target: 'sbc.example.net' }]
  ])
  t.same(udp.additionals.map((a) => [a.name, a.type, a.data]), [['n1.pbx.example.com', 'A', '127.0.0.1'], ['n2.pbx.example.com', 'A', '127.0.0.2']], 'addresses of in-zone targets')
  const tcp = answerQuestion(ctx(), { name: '_SIP._TCP.pbx.example.com.', type: 'SRV' })
  t.same(tcp.answers.map((a) => (a.data as { target: string, port: number })).map((d) => [d.target, d.port]), [['n1.pbx.example.com', 5060], ['n3.pbx.example.com', 5070]], 'case-insensitive, with a trailing dot')
  t.same(tcp.additionals.map((a) => a.type), ['A', 'AAAA'])
  const tls = answerQuestion(ctx(), { name: '_sips._tcp.pbx.example.com', type: 'SRV' })
  t.same(tls.answers.map((a) => (a.data as { port: number }).port), [5061])
  const none = answerQuestion(ctx({ nodes: [] }), { name: '_sip._udp.pbx.example.com', type: 'SRV' })
  t.equal(none.rcode, 'NOERROR', 'no live node: NODATA, not NXDOMAIN (the name exists)')
  t.same(none.answers, [])
  t.equal(none.authorities[0]!.type, 'SOA')
  t.equal(answerQuestion(ctx(), { name: '_sip._udp.pbx.example.com', type: 'A' }).answers.length, 0, 'another type: NODATA')
  t.equal(answerQuestion(ctx(), { name: '_udp.pbx.example.com', type: 'SRV' }).rcode, 'NOERROR', 'an empty non-terminal exists')
})

t.test('A/AAAA of a node and of the zone', async (t) => {
  t.same(answerQuestion(ctx(), { name: 'n2.pbx.example.com', type: 'A' }).answers, [{ name: 'n2.pbx.example.com', type: 'A', ttl: 10, class: 'IN', data: '127.0.0.2' }])
  t.same(answerQuestion(ctx(), { name: 'n3.pbx.example.com', type: 'AAAA' }).answers.map((a) => a.data), ['::1'])
  const noV6 = answerQuestion(ctx(), { name: 'n2.pbx.example.com', type: 'AAAA' })
  t.same([noV6.rcode, noV6.answers.length, noV6.authorities[0]?.type], ['NOERROR', 0, 'SOA'], 'a v4 node asked AAAA: NODATA')
  t.same(answerQuestion(ctx(), { name: 'pbx.example.com', type: 'A' }).answers.map((a) => a.data), ['127.0.0.1', '127.0.0.2'])
  t.same(answerQuestion(ctx(), { name: 'pbx.example.com', type: 'AAAA' }).answers.map((a) => a.data), ['::1'])
})

t.test('NXDOMAIN inside the zone, REFUSED outside, SOA and NS', async (t) => {
  for (const name of ['sus.pbx.example.com', 'dead.pbx.example.com', 'nosip.pbx.example.com', 'x.n1.pbx.example.com', 'n4.pbx.example.com']) {
    const a = answerQuestion(ctx(), { name, type: 'A' })
    t.equal(a.rcode, 'NXDOMAIN', name)
    t.ok(a.aa)
    t.same(a.authorities.map((r) => [r.type, r.ttl]), [['SOA', 10]], 'with the SOA (negative caching)')
  }
  for (const name of ['example.com', 'www.google.com', 'xpbx.example.com', '']) {
    const a = answerQuestion(ctx(), { name, type: 'A' })
    t.same([a.rcode, a.aa, a.answers.length, a.authorities.length], ['REFUSED', false, 0, 0], `${JSON.stringify(name)} is outside the zone`)
  }
  t.equal(answerQuestion(ctx(), { name: 'n1.pbx.example.com', type: 'A', class: 'CH' }).rcode, 'REFUSED', 'another class')
  const soa = answerQuestion(ctx(), { name: 'pbx.example.com', type: 'SOA' })
  t.same(soa.answers[0]!.data, { mname: 'n1.pbx.example.com', rname: 'hostmaster.pbx.example.com', serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 10 })
  const ns = answerQuestion(ctx(), { name: 'pbx.example.com', type: 'NS' })
  t.same(ns.answers.map((a) => a.data), ['n1.pbx.example.com', 'n2.pbx.example.com'], 'the live nodes serving DNS')
  t.same(ns.additionals.map((a) => a.data), ['127.0.0.1', '127.0.0.2'], 'with glue')
  const any = answerQuestion(ctx(), { name: 'pbx.example.com', type: 'ANY' })
  t.same(any.answers.map((a) => a.type), ['SOA'], 'ANY: the SOA only, no listing')
  t.equal(answerQuestion(ctx(), { name: 'nope.pbx.example.com', type: 'ANY' }).rcode, 'NXDOMAIN')
  t.equal(answerQuestion({ ...ctx(), ttl: undefined }, { name: 'n1.pbx.example.com', type: 'A' }).answers[0]!.ttl, DNS_DEFAULT_TTL)
})

t.test('relativeName, transports, IP syntax', async (t) => {
  t.equal(relativeName('A.PBX.example.com.', 'pbx.example.com.'), 'a')
  t.equal(relativeName('pbx.example.com', 'pbx.example.com.'), '')
  t.equal(relativeName('xpbx.example.com', 'pbx.example.com'), null)
  t.same(parseTransport('TLS'), { transport: 'tls', port: 5061 })
  t.same(parseTransport('tcp:5080'), { transport: 'tcp', port: 5080 })
  t.throws(() => parseTransport('ws'), /expected udp, tcp or tls/)
  t.throws(() => parseTransport('udp:70000'))
  t.ok(isIPv4('10.0.0.255'))
  t.notOk(isIPv4('10.0.0.256'))
  t.ok(isIPv6('::1'))
  t.ok(isIPv6('2001:db8::1'))
  t.ok(isIPv6('::ffff:1.2.3.4'))
  t.notOk(isIPv6('1:2:3:4:5:6:7:8:9'))
  t.notOk(isIPv6('example.com'))
})

t.test('token buckets: a burst, then the rate, per source, bounded', async (t) => {
  const b = new TokenBuckets({ ratePerSecond: 10, burst: 3, maxSources: 2 })
  t.same([b.take('a', 0), b.take('a', 0), b.take('a', 0), b.take('a', 0)], [true, true, true, false], 'the burst, then refused')
  t.ok(b.take('b', 0), 'another source has its own bucket')
  t.notOk(b.take('a', 50), 'half a token after 50 ms')
  t.ok(b.take('a', 100), 'one token after 100 ms')
  t.notOk(b.take('a', 100))
  t.ok(b.take('a', 10_000) && b.take('a', 10_000) && b.take('a', 10_000) && !b.take('a', 10_000), 'refilled up to the burst only')
  t.ok(b.take('c', 10_000), 'a third source')
  t.equal(b.size, 2, 'at most maxSources buckets: the least recently used went')
  t.ok(b.take('b', 10_000) && b.take('b', 10_000) && b.take('b', 10_000), '"b" was forgotten: a full bucket again')
})
