/**
 * The answers of the cluster's authoritative DNS server (pure): a function of
 * the zone, the live nodes (nodes.ts) and one question. Names in the zone:
 *
 *   <zone>                SOA, NS (the live nodes serving DNS), A/AAAA (every live node)
 *   _sip._udp.<zone>      SRV: one target per live node serving SIP over UDP
 *   _sip._tcp.<zone>      SRV: … over TCP
 *   _sips._tcp.<zone>     SRV: … over TLS
 *   <node>.<zone>         A or AAAA of a live node whose SIP host is an IP address
 *
 * A name of the zone that does not exist (a dead node's) is NXDOMAIN; an
 * existing name without the type asked is NODATA (NOERROR, no answer); both
 * carry the SOA, whose minimum (the negative-caching TTL) is the record TTL.
 * A name outside the zone is REFUSED: the server is never a resolver. ANY is
 * answered with the SOA only (RFC 8482). Record objects have the shape of
 * dns-packet's, so the wire layer encodes them as they are; names carry no
 * trailing dot, compared case-insensitively.
 */
import type { DnsNode, SipTransport } from './nodes.js'

export type DnsRcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED'

export interface DnsQuestion { name: string, type: string, class?: string }

export type DnsRecord =
  | { name: string, type: 'A' | 'AAAA', ttl: number, class: 'IN', data: string }
  | { name: string, type: 'NS', ttl: number, class: 'IN', data: string }
  | { name: string, type: 'SRV', ttl: number, class: 'IN', data: { priority: number, weight: number, port: number, target: string } }
  | { name: string, type: 'SOA', ttl: number, class: 'IN', data: { mname: string, rname: string, serial: number, refresh: number, retry: number, expire: number, minimum: number } }

export interface DnsAnswer {
  rcode: DnsRcode
  /** authoritative (false for REFUSED) */
  aa: boolean
  answers: DnsRecord[]
  authorities: DnsRecord[]
  additionals: DnsRecord[]
}

/** Default TTL of every record, seconds: short, so that answers follow node health. */
export const DNS_DEFAULT_TTL = 10

export interface ZoneContext {
  /** the zone, e.g. `pbx.example.com` (a trailing dot is allowed) */
  zone: string
  nodes: readonly DnsNode[]
  /** this node's name: the SOA's primary server */
  self: string
  /** record TTL, seconds */
  ttl?: number
  /** SOA serial (e.g. the time of the last change of the node set, in seconds) */
  serial?: number
}

export const SRV_SERVICES: Readonly<Record<string, SipTransport>> = { '_sip._udp': 'udp', '_sip._tcp': 'tcp', '_sips._tcp': 'tls' }

/** `pbx.Example.com.` → `pbx.example.com` */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/\.+$/, '')

/** The in-zone part of a name (`''` for the apex), or null when the name is outside the zone. */
export function relativeName (name: string, zone: string): string | null {
  const n = normalizeName(name)
  const z = normalizeName(zone)
  if (z === '') return n === '' ? '' : n
  if (n === z) return ''
  return n.endsWith('.' + z) ? n.slice(0, -(z.length + 1)) : null
}

function addressRecords (name: string, nodes: readonly DnsNode[], type: string, ttl: number): DnsRecord[] {
  const out: DnsRecord[] = []
  const seen = new Set<string>()
  for (const n of nodes) {
    if ((type === 'A' && n.family !== 4) || (type === 'AAAA' && n.family !== 6) || seen.has(n.host)) continue
    seen.add(n.host)
    out.push({ name, type: n.family === 4 ? 'A' : 'AAAA', ttl, class: 'IN', data: n.host })
  }
  return out
}

/** The answer to one question. */
export function answerQuestion (ctx: ZoneContext, q: DnsQuestion): DnsAnswer {
  const zone = normalizeName(ctx.zone)
  const ttl = ctx.ttl ?? DNS_DEFAULT_TTL
  const type = q.type.toUpperCase()
  const rel = relativeName(q.name, zone)
  const cls = (q.class ?? 'IN').toUpperCase()
  if (rel === null || (cls !== 'IN' && cls !== 'ANY')) return { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] }
  const fqdn = (r: string): string => r === '' ? zone : `${r}.${zone}`
  const soa: DnsRecord = {
    name: zone,
    type: 'SOA',
    ttl,
    class: 'IN',
    data: { mname: fqdn(ctx.self.toLowerCase()), rname: fqdn('hostmaster'), serial: (ctx.serial ?? 1) >>> 0, refresh: 3600, retry: 600, expire: 86400, minimum: ttl }
  }
  const withAddress = ctx.nodes.filter((n) => n.family !== null)
  const glue = (names: string[]): DnsRecord[] => names.flatMap((name) => {
    const r = relativeName(name, zone)
    return r === null ? [] : addressRecords(name, withAddress.filter((n) => n.name === r), 'ANY', ttl)
  })
  const result = (answers: DnsRecord[], additionals: DnsRecord[] = []): DnsAnswer =>
    answers.length === 0
      ? { rcode: 'NOERROR', aa: true, answers, authorities: [soa], additionals: [] }
      : { rcode: 'NOERROR', aa: true, answers, authorities: [], additionals }
  if (type === 'ANY') {
    // RFC 8482: no full listing (an amplification vector); the SOA stands for the name when it exists
    return exists(rel, ctx.nodes) ? { rcode: 'NOERROR', aa: true, answers: rel === '' ? [soa] : [], authorities: rel === '' ? [] : [soa], additionals: [] } : nxdomain(soa)
  }
  if (rel === '') {
    if (type === 'SOA') return result([soa])
    if (type === 'NS') {
      const servers = ctx.nodes.filter((n) => n.serving)
      const ns = (servers.length > 0 ? servers.map((n) => fqdn(n.name)) : [fqdn(ctx.self.toLowerCase())])
      return result(ns.map((data): DnsRecord => ({ name: zone, type: 'NS', ttl, class: 'IN', data })), glue(ns))
    }
    if (type === 'A' || type === 'AAAA') return result(addressRecords(zone, withAddress, type, ttl))
    return result([])
  }
  const transport = SRV_SERVICES[rel]
  if (transport !== undefined) {
    if (type !== 'SRV') return result([])
    const targets = ctx.nodes.filter((n) => n.ports[transport] !== undefined)
      .sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : 1))
    const answers = targets.map((n): DnsRecord => ({
      name: fqdn(rel),
      type: 'SRV',
      ttl,
      class: 'IN',
      data: { priority: n.priority, weight: n.weight, port: n.ports[transport]!, target: n.family === null ? n.host : fqdn(n.name) }
    }))
    return result(answers, glue(answers.map((a) => (a.data as { target: string }).target)))
  }
  const node = withAddress.filter((n) => n.name === rel)
  if (node.length > 0) return result(type === 'A' || type === 'AAAA' ? addressRecords(fqdn(rel), node, type, ttl) : [])
  return exists(rel, ctx.nodes) ? result([]) : nxdomain(soa)
}

function nxdomain (soa: DnsRecord): DnsAnswer {
  return { rcode: 'NXDOMAIN', aa: true, answers: [], authorities: [soa], additionals: [] }
}

/** True when the in-zone name exists: the apex, a service name, a live node with an address, or an empty non-terminal above one. */
function exists (rel: string, nodes: readonly DnsNode[]): boolean {
  if (rel === '') return true
  const names = [...Object.keys(SRV_SERVICES), ...nodes.filter((n) => n.family !== null).map((n) => n.name)]
  return names.some((n) => n === rel || n.endsWith('.' + rel))
}
