/**
 * The DNS wire layer, bytes in and bytes out: refusal, FORMERR, NOTIMP,
 * truncation to the size the query allows (512 without EDNS, the EDNS size,
 * TCP), the per-source rate limit, and the `dns` settings.
 */
import t from 'tap'
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet'
import { dnsNodes, type DnsNodeStatus } from '@federator/core'
import { DnsResponder, bareHeader } from '../src/dns/responder.js'
import { resolveConfig } from '../src/config.js'
import { dnsAdvert } from '../src/dns/config.js'

const statuses = (n: number): DnsNodeStatus[] => Array.from({ length: n }, (_, i) => ({
  state: 'alive',
  info: { name: `node-with-a-longish-name-${String(i).padStart(3, '0')}`, sipAddress: `10.0.${i >> 8}.${i & 255}:5060`, dns: { weight: i + 1, transports: ['udp', 'tcp'], serving: true } }
}))

function responder (nodes = 3, extra: { now?: () => number, rateLimit?: { ratePerSecond: number, burst: number } } = {}): DnsResponder {
  const list = dnsNodes(statuses(nodes))
  return new DnsResponder({ zone: 'pbx.example.com.', self: 'node-with-a-longish-name-000', ttl: 10, nodes: () => list, serial: () => 42, rateLimit: extra.rateLimit ?? { ratePerSecond: 1e6, burst: 1e6 }, ...(extra.now !== undefined ? { now: extra.now } : {}) })
}

const query = (name: string, type: string, opts: { edns?: number, id?: number, rd?: boolean } = {}): Buffer => dnsPacket.encode({
  type: 'query',
  id: opts.id ?? 1234,
  flags: opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
  questions: [{ name, type: type as 'A', class: 'IN' }],
  ...(opts.edns !== undefined ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, flags: 0, options: [] } as unknown as Packet['additionals'] extends Array<infer X> | undefined ? X : never] } : {})
})

/** dns-packet decodes the rcode too; its types leave it out */
const decode = (b: Buffer | null): DecodedPacket & { rcode: string } => {
  if (b === null) throw new Error('no response')
  return dnsPacket.decode(b) as DecodedPacket & { rcode: string }
}

t.test('answers: authoritative, never recursive, the id and question echoed', async (t) => {
  const r = responder()
  const res = decode(r.handle(query('_sip._udp.pbx.example.com', 'SRV', { id: 777 }), '127.0.0.1', 'udp'))
  t.equal(res.id, 777)
  t.equal(res.type, 'response')
  t.ok(res.flag_aa, 'AA')
  t.notOk(res.flag_ra, 'RA clear: not a resolver')
  t.ok(res.flag_rd, 'RD copied')
  t.notOk(res.flag_tc)
  t.equal(res.rcode, 'NOERROR')
  t.same(res.questions, [{ name: '_sip._udp.pbx.example.com', type: 'SRV', class: 'IN' }])
  t.same(res.answers!.map((a) => (a as { data: { weight: number } }).data.weight), [1, 2, 3])
  t.equal(res.additionals!.length, 3, 'the targets\' addresses')
})

t.test('outside the zone: REFUSED, no answer; inside: NXDOMAIN with the SOA', async (t) => {
  const r = responder()
  const out = decode(r.handle(query('www.example.org', 'A'), '127.0.0.1', 'udp'))
  t.same([out.rcode, out.flag_aa, out.answers!.length, out.authorities!.length], ['REFUSED', false, 0, 0])
  const nx = decode(r.handle(query('gone.pbx.example.com', 'A'), '127.0.0.1', 'udp'))
  t.same([nx.rcode, nx.flag_aa, nx.authorities![0]!.type], ['NXDOMAIN', true, 'SOA'])
  t.same([r.counters.refused, r.counters.nxdomain, r.counters.answered], [1, 1, 0])
})

t.test('malformed: FORMERR and the responder goes on; too short or a response: dropped', async (t) => {
  const r = responder()
  const good = query('pbx.example.com', 'SOA', { id: 0xabcd })
  const cut = good.subarray(0, good.length - 3) // the question runs past the end
  const fe = decode(r.handle(cut, '127.0.0.1', 'udp'))
  t.same([fe.id, fe.type, fe.rcode, fe.questions!.length], [0xabcd, 'response', 'FORMERR', 0])
  const garbage = Buffer.from('0102000000050000000000000000ff', 'hex') // 5 questions announced, none there
  t.equal(decode(r.handle(garbage, '127.0.0.1', 'udp')).rcode, 'FORMERR')
  const two = dnsPacket.encode({ type: 'query', id: 5, questions: [{ name: 'a.pbx.example.com', type: 'A' }, { name: 'b.pbx.example.com', type: 'A' }] })
  t.equal(decode(r.handle(two, '127.0.0.1', 'udp')).rcode, 'FORMERR', 'two questions')
  const none = dnsPacket.encode({ type: 'query', id: 6, questions: [] })
  t.equal(decode(r.handle(none, '127.0.0.1', 'udp')).rcode, 'FORMERR', 'no question')
  t.equal(r.handle(Buffer.from('0102'), '127.0.0.1', 'udp'), null, 'shorter than a header: nothing sent')
  const response = dnsPacket.encode({ type: 'response', id: 7, questions: [{ name: 'pbx.example.com', type: 'SOA' }] })
  t.equal(r.handle(response, '127.0.0.1', 'udp'), null, 'a response is never answered')
  const notify = Buffer.from(good)
  notify[2] = (notify[2]! & 0x87) | (4 << 3) // opcode NOTIFY
  t.equal(decode(r.handle(notify, '127.0.0.1', 'udp')).rcode, 'NOTIMP', 'another opcode: NOTIMP')
  t.equal(decode(r.handle(good, '127.0.0.1', 'udp')).answers![0]!.type, 'SOA', 'and it still answers')
  t.same([r.counters.formerr, r.counters.notimp, r.counters.dropped], [4, 1, 2])
  const h = bareHeader(Buffer.from('beef0100000100000000000000', 'hex'), 'FORMERR')
  t.equal(h.toString('hex'), 'beef81010000000000000000', 'a bare header keeps the id, opcode and RD; QR set')
})

t.test('truncation: within 512 bytes without EDNS, within the EDNS size, whole over TCP', async (t) => {
  const r = responder(40)
  const classic = r.handle(query('_sip._udp.pbx.example.com', 'SRV'), '127.0.0.1', 'udp')!
  t.ok(classic.length <= 512, `${classic.length} bytes`)
  const c = decode(classic)
  t.ok(c.flag_tc, 'TC set')
  t.ok(c.answers!.length > 0 && c.answers!.length < 40, `${c.answers!.length} whole answers that fit`)
  t.equal(c.additionals!.length, 0, 'the additional section goes first')
  const edns = r.handle(query('_sip._udp.pbx.example.com', 'SRV', { edns: 1000 }), '127.0.0.1', 'udp')!
  t.ok(edns.length <= 1000 && edns.length > 512, `EDNS 1000: ${edns.length} bytes`)
  const e = decode(edns)
  t.ok(e.flag_tc)
  t.equal(e.additionals!.filter((a) => a.type === 'OPT').length, 1, 'the OPT record is kept')
  const big = r.handle(query('_sip._udp.pbx.example.com', 'SRV', { edns: 65000 }), '127.0.0.1', 'udp')!
  t.ok(big.length <= 1232, `a large EDNS size is capped at 1232: ${big.length} bytes`)
  const tcp = decode(r.handle(query('_sip._udp.pbx.example.com', 'SRV'), '127.0.0.1', 'tcp'))
  t.notOk(tcp.flag_tc, 'over TCP: whole')
  t.equal(tcp.answers!.length, 40)
  t.equal(tcp.additionals!.length, 40)
  const small = decode(responder(3).handle(query('_sip._udp.pbx.example.com', 'SRV', { edns: 100 }), '127.0.0.1', 'udp'))
  t.notOk(small.flag_tc, 'an EDNS size below 512 counts as 512')
  t.ok(r.counters.truncated >= 3)
})

t.test('encoded answers are cached, and follow the node list and the serial', async (t) => {
  let list = dnsNodes(statuses(3))
  let serial = 1
  const r = new DnsResponder({ zone: 'pbx.example.com.', self: 'x', nodes: () => list, serial: () => serial })
  const targets = (name = '_sip._udp.pbx.example.com', id = 1): string[] => decode(r.handle(query(name, 'SRV', { id }), '127.0.0.1', 'udp')).answers!.map((a) => (a as { data: { target: string } }).data.target)
  t.equal(targets().length, 3)
  const again = decode(r.handle(query('_sip._udp.pbx.example.com', 'SRV', { id: 4321 }), '127.0.0.1', 'udp'))
  t.equal(again.id, 4321, 'a cached answer carries the id of its query')
  t.same(targets('_SIP._Udp.PBX.example.com').length, 3)
  t.equal(decode(r.handle(query('_SIP._Udp.PBX.example.com', 'SRV'), '127.0.0.1', 'udp')).questions![0]!.name, '_SIP._Udp.PBX.example.com', 'the question echoed in the case it was asked')
  list = dnsNodes(statuses(2))
  t.equal(targets().length, 2, 'a new node list: answered from it at once')
  serial = 2
  t.equal((decode(r.handle(query('pbx.example.com', 'SOA'), '127.0.0.1', 'udp')).answers![0] as { data: { serial: number } }).data.serial, 2, 'a new serial too')
  t.equal(r.counters.answered, 6)
})

t.test('rate limit: a burst per source, then nothing until tokens come back', async (t) => {
  let now = 0
  const r = responder(3, { now: () => now, rateLimit: { ratePerSecond: 2, burst: 3 } })
  const q = query('pbx.example.com', 'SOA')
  const sent = (source: string, transport: 'udp' | 'tcp' = 'udp'): boolean => r.handle(q, source, transport) !== null
  t.same([sent('192.0.2.1'), sent('192.0.2.1'), sent('192.0.2.1'), sent('192.0.2.1')], [true, true, true, false], 'the burst, then dropped')
  t.ok(sent('192.0.2.2'), 'another source is not affected')
  t.ok(sent('192.0.2.1', 'tcp'), 'TCP (no spoofing) is not limited')
  now = 500
  t.same([sent('192.0.2.1'), sent('192.0.2.1')], [true, false], 'one token back after 500 ms at 2/s')
  t.equal(r.counters.rateLimited, 2)
})

t.test('dns settings: layers merge key by key; bad values are FED_ERR_CONFIG', async (t) => {
  const c = resolveConfig({ dns: { zone: 'PBX.example.com', weight: 30, transports: ['udp', 'tcp'] } }, { dns: '127.0.0.1:5353' })
  t.same(c.dns, { listen: { host: '127.0.0.1', port: 5353 }, zone: 'pbx.example.com.', ttl: 10, weight: 30, transports: ['udp', 'tcp'], lowerUnderLoad: false, rateLimit: { ratePerSecond: 50, burst: 100 } })
  t.same(resolveConfig({ dns: '{"listen":"127.0.0.1:53","ttl":5}', dnsZone: 'z.example.' }).dns?.ttl, 5, 'JSON from the environment')
  t.equal(resolveConfig({}).dns, undefined, 'off by default')
  t.same(dnsAdvert(undefined), { transports: ['udp'], serving: false }, 'a node without settings still publishes its transports')
  t.same(dnsAdvert(c.dns), { weight: 30, transports: ['udp', 'tcp'], serving: true })
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ dns: '127.0.0.1:5353' }, /dns.listen needs dns.zone/],
    [{ dns: { zone: 'bad zone' } }, /dns.zone: expected a domain name/],
    [{ dns: { weight: 70000 } }, /dns.weight: expected an integer 0–65535/],
    [{ dns: { transports: ['ws'] } }, /dns.transports: expected udp, tcp or tls/],
    [{ dns: { ttl: -1 } }, /dns.ttl/],
    [{ dns: { colour: 'red' } }, /dns: unknown setting\(s\) colour/],
    [{ dns: '{not json' }, /dns: not valid JSON/],
    [{ dns: 'x:99999', dnsZone: 'a.b' }, /dns.listen: expected host:port/]
  ]
  for (const [layer, re] of bad) t.throws(() => resolveConfig(layer as never), { code: 'FED_ERR_CONFIG', message: re }, JSON.stringify(layer))
})
