/**
 * The DNS wire layer: one query message in, one response message (or
 * nothing) out, with no sockets, so it is tested byte for byte. The answers
 * themselves come from core's answerQuestion(); here:
 *
 * - a message shorter than a DNS header, or a response (QR set), is dropped:
 *   answering responses could make two servers talk to each other forever;
 * - a UDP query from a source whose token bucket is empty is dropped (the
 *   per-source rate limit: the server cannot be used to flood a spoofed
 *   address); TCP, whose source cannot be spoofed, is not limited here;
 * - a message that does not decode, or does not hold exactly one question,
 *   gets FORMERR (a bare header with its id); another opcode than QUERY gets
 *   NOTIMP;
 * - recursion is never available (RA clear) whatever RD says;
 * - a response never exceeds what the query allows: 512 bytes over UDP
 *   without EDNS, the EDNS payload size stated (at most
 *   DNS_MAX_UDP_PAYLOAD), 65535 over TCP. Too large, the additional section
 *   goes first, then answers from the end, and TC is set: the client retries
 *   over TCP.
 *
 * Encoded responses are cached by the question as asked (its exact case:
 * resolvers randomizing it expect it back), the size allowed and RD; the
 * cache is emptied whenever the node list or the SOA serial changes, so an
 * answer never outlives the health it was built from. A hit costs a decode
 * (to check the query) and a copy with the query's id.
 */
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type Question } from 'dns-packet'
import { answerQuestion, TokenBuckets, type DnsNode, type DnsRcode, type RateLimitOptions } from '@federator/core'

/** The UDP payload size this server states in its EDNS answers, and the most it sends over UDP. */
export const DNS_MAX_UDP_PAYLOAD = 1232
/** A UDP response without EDNS is at most this large (RFC 1035). */
export const DNS_CLASSIC_UDP_SIZE = 512
const HEADER_BYTES = 12
/** Most encoded responses kept (emptied when full: a flood of random names only churns it). */
export const DNS_ANSWER_CACHE_MAX = 1024
const RCODES: Record<DnsRcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 }

export interface ResponderOptions {
  zone: string
  /** this node's name (the SOA's primary server) */
  self: string
  /** record TTL, seconds */
  ttl?: number
  /** the live nodes now */
  nodes: () => readonly DnsNode[]
  /** the SOA serial now */
  serial?: () => number
  /** per-source rate limit of UDP queries */
  rateLimit?: RateLimitOptions
  now?: () => number
}

export interface DnsCounters {
  queries: number
  answered: number
  refused: number
  nxdomain: number
  formerr: number
  notimp: number
  truncated: number
  rateLimited: number
  dropped: number
}

export type DnsTransport = 'udp' | 'tcp'

export class DnsResponder {
  readonly counters: DnsCounters = { queries: 0, answered: 0, refused: 0, nxdomain: 0, formerr: 0, notimp: 0, truncated: 0, rateLimited: 0, dropped: 0 }
  readonly buckets: TokenBuckets
  private readonly now: () => number
  private readonly cache = new Map<string, { bytes: Buffer, rcode: DnsRcode, truncated: boolean }>()
  private cacheNodes: readonly DnsNode[] | null = null
  private cacheSerial: number | undefined

  constructor (private readonly opts: ResponderOptions) {
    this.buckets = new TokenBuckets(opts.rateLimit)
    this.now = opts.now ?? Date.now
  }

  /** The response to `msg` from `source` (an IP address), or null when nothing is to be sent. */
  handle (msg: Buffer, source: string, transport: DnsTransport): Buffer | null {
    this.counters.queries++
    if (msg.length < HEADER_BYTES || (msg[2]! & 0x80) !== 0) { this.counters.dropped++; return null }
    if (transport === 'udp' && !this.buckets.take(source, this.now())) { this.counters.rateLimited++; return null }
    const opcode = (msg[2]! >> 3) & 0x0f
    if (opcode !== 0) { this.counters.notimp++; return bareHeader(msg, 'NOTIMP') }
    let query: DecodedPacket
    try {
      query = dnsPacket.decode(msg)
    } catch {
      this.counters.formerr++
      return bareHeader(msg, 'FORMERR')
    }
    const questions = query.questions ?? []
    if (questions.length !== 1) { this.counters.formerr++; return bareHeader(msg, 'FORMERR') }
    const q = questions[0] as Question
    const opt = (query.additionals ?? []).find((r) => r.type === 'OPT') as { udpPayloadSize?: number } | undefined
    const limit = transport === 'tcp' ? 65535 : opt === undefined ? DNS_CLASSIC_UDP_SIZE : Math.min(DNS_MAX_UDP_PAYLOAD, Math.max(DNS_CLASSIC_UDP_SIZE, opt.udpPayloadSize ?? 0))
    const nodes = this.opts.nodes()
    const serial = this.opts.serial?.()
    if (nodes !== this.cacheNodes || serial !== this.cacheSerial || this.cache.size >= DNS_ANSWER_CACHE_MAX) {
      this.cache.clear()
      this.cacheNodes = nodes
      this.cacheSerial = serial
    }
    const key = `${q.name}\0${String(q.type)}\0${String(q.class)}\0${limit}\0${opt === undefined ? 0 : 1}\0${query.flag_rd ? 1 : 0}`
    let hit = this.cache.get(key)
    if (hit === undefined) {
      hit = this.build(q, nodes, serial, query.flag_rd, opt !== undefined, limit)
      this.cache.set(key, hit)
    }
    if (hit.rcode === 'REFUSED') this.counters.refused++
    else if (hit.rcode === 'NXDOMAIN') this.counters.nxdomain++
    else this.counters.answered++
    if (hit.truncated) this.counters.truncated++
    const out = Buffer.from(hit.bytes)
    out.writeUInt16BE(query.id ?? 0, 0)
    return out
  }

  private build (q: Question, nodes: readonly DnsNode[], serial: number | undefined, rd: boolean, edns: boolean, limit: number): { bytes: Buffer, rcode: DnsRcode, truncated: boolean } {
    const a = answerQuestion({ zone: this.opts.zone, self: this.opts.self, nodes, ...(this.opts.ttl !== undefined ? { ttl: this.opts.ttl } : {}), ...(serial !== undefined ? { serial } : {}) }, { name: q.name, type: String(q.type), class: String(q.class ?? 'IN') })
    const response: Packet = {
      id: 0,
      type: 'response',
      flags: (a.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (rd ? dnsPacket.RECURSION_DESIRED : 0) | RCODES[a.rcode],
      questions: [q],
      answers: a.answers as Answer[],
      authorities: a.authorities as Answer[],
      additionals: a.additionals as Answer[]
    }
    const ednsOpt = edns ? [{ type: 'OPT', name: '.', udpPayloadSize: DNS_MAX_UDP_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, options: [] } as unknown as Answer] : []
    const bytes = fit(response, ednsOpt, limit)
    return { bytes, rcode: a.rcode, truncated: (bytes[2]! & 0x02) !== 0 }
  }
}

/** Encodes the response within `limit` bytes (module comment). */
function fit (response: Packet, opt: Answer[], limit: number): Buffer {
  const whole = dnsPacket.encode({ ...response, additionals: [...response.additionals!, ...opt] })
  if (whole.length <= limit) return whole
  const sized = (): number => dnsPacket.encodingLength({ ...response, additionals: [...response.additionals!, ...opt] })
  response.additionals = []
  if (sized() > limit) {
    response.flags = response.flags! | dnsPacket.TRUNCATED_RESPONSE
    response.authorities = []
    while (response.answers!.length > 0 && sized() > limit) response.answers!.pop()
  }
  return dnsPacket.encode({ ...response, additionals: [...response.additionals!, ...opt] })
}

/** A response of just the query's header: its id, QR set, its opcode and RD, this rcode, no sections. */
export function bareHeader (msg: Buffer, rcode: DnsRcode): Buffer {
  const out = Buffer.alloc(HEADER_BYTES)
  out[0] = msg[0]!
  out[1] = msg[1]!
  out[2] = 0x80 | (msg[2]! & 0x79) // QR, the opcode and RD of the query (AA and TC clear)
  out[3] = RCODES[rcode]
  return out
}
