/**
 * The `dns` settings: where this node answers DNS (off without `listen`), the
 * zone, and what this node publishes about itself for every node's DNS
 * server (priority, weight, SIP transports). Given as an object in the config
 * file or FEDERATOR_DNS (JSON), or as just the listen address (FEDERATOR_DNS,
 * --dns); FEDERATOR_DNS_ZONE / --dns-zone set the zone. Layers merge key by
 * key, so a flag changes the listen address and keeps the file's weight.
 */
import { FedError, DNS_DEFAULT_TTL, DNS_RATE_BURST, DNS_RATE_PER_SECOND, parseTransport, type DnsAdvert } from '@federator/core'

export interface DnsConfig {
  /** where to answer (UDP and TCP); undefined: no DNS server on this node */
  listen?: { host: string, port: number }
  /** the zone, lower case with a trailing dot (required with listen) */
  zone?: string
  /** record TTL, seconds */
  ttl: number
  /** SRV priority of this node (undefined: the default) */
  priority?: number
  /** SRV weight of this node (undefined: from its CPU cores) */
  weight?: number
  /** SIP transports this node's Asterisk serves (`udp`, `tcp`, `tls`, optionally `:<port>`) */
  transports: string[]
  /** lower the weight of a node whose load average is above its core count */
  lowerUnderLoad: boolean
  /** per-source UDP rate limit */
  rateLimit: { ratePerSecond: number, burst: number }
}

const KEYS = ['listen', 'zone', 'ttl', 'priority', 'weight', 'transports', 'lowerUnderLoad', 'rateLimit']

/** One layer's `dns` value as an object (a string is the listen address, or JSON). */
function asObject (v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    if (v.trim().startsWith('{')) {
      try { return asObject(JSON.parse(v)) } catch (err) { if (err instanceof FedError) throw err }
      throw new FedError('FED_ERR_CONFIG', `dns: not valid JSON: ${JSON.stringify(v)}`)
    }
    return { listen: v }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FedError('FED_ERR_CONFIG', 'dns: expected an object (listen, zone, ttl, priority, weight, transports…) or a host:port')
  return v as Record<string, unknown>
}

/** Merges a later layer's `dns` over an earlier one, key by key. */
export function mergeDns (earlier: unknown, later: unknown): Record<string, unknown> {
  return { ...(earlier === undefined ? {} : asObject(earlier)), ...asObject(later) }
}

function int (v: unknown, what: string, min: number, max: number): number {
  const n = Number(v)
  if (v === '' || v === null || typeof v === 'boolean' || !Number.isInteger(n) || n < min || n > max) throw new FedError('FED_ERR_CONFIG', `dns.${what}: expected an integer ${min}–${max}, got ${JSON.stringify(v)}`)
  return n
}

/** `pbx.Example.com` → `pbx.example.com.`; FED_ERR_CONFIG when not a domain name. */
export function normalizeZone (v: unknown): string {
  const z = String(v).trim().toLowerCase().replace(/\.$/, '')
  if (z.length > 250 || !/^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(z)) {
    throw new FedError('FED_ERR_CONFIG', `dns.zone: expected a domain name such as pbx.example.com., got ${JSON.stringify(v)}`)
  }
  return z + '.'
}

/** Checks the merged `dns` settings; parseHostPort is config.ts's (FED_ERR_CONFIG on a bad address). */
export function dnsConfig (merged: Record<string, unknown>, parseHostPort: (value: string, what: string) => { host: string, port: number }): DnsConfig {
  const unknown = Object.keys(merged).filter((k) => !KEYS.includes(k))
  if (unknown.length > 0) throw new FedError('FED_ERR_CONFIG', `dns: unknown setting(s) ${unknown.join(', ')} (known: ${KEYS.join(', ')})`)
  const out: DnsConfig = { ttl: DNS_DEFAULT_TTL, transports: ['udp'], lowerUnderLoad: false, rateLimit: { ratePerSecond: DNS_RATE_PER_SECOND, burst: DNS_RATE_BURST } }
  if (merged.listen !== undefined && merged.listen !== '' && merged.listen !== false) out.listen = parseHostPort(String(merged.listen), 'dns.listen')
  if (merged.zone !== undefined && merged.zone !== '') out.zone = normalizeZone(merged.zone)
  if (out.listen !== undefined && out.zone === undefined) throw new FedError('FED_ERR_CONFIG', 'dns.listen needs dns.zone (--dns-zone, FEDERATOR_DNS_ZONE), e.g. pbx.example.com.')
  if (merged.ttl !== undefined) out.ttl = int(merged.ttl, 'ttl', 0, 86400)
  if (merged.priority !== undefined) out.priority = int(merged.priority, 'priority', 0, 65535)
  if (merged.weight !== undefined) out.weight = int(merged.weight, 'weight', 0, 65535)
  if (merged.transports !== undefined) {
    const list = Array.isArray(merged.transports) ? merged.transports.map(String) : String(merged.transports).split(',').map((s) => s.trim()).filter((s) => s !== '')
    for (const t of list) {
      try { parseTransport(t) } catch (err) { throw new FedError('FED_ERR_CONFIG', `dns.transports: ${(err as Error).message}`) }
    }
    if (list.length === 0) throw new FedError('FED_ERR_CONFIG', 'dns.transports: name at least one of udp, tcp, tls')
    out.transports = list
  }
  if (merged.lowerUnderLoad !== undefined) {
    if (typeof merged.lowerUnderLoad !== 'boolean') throw new FedError('FED_ERR_CONFIG', `dns.lowerUnderLoad: expected true or false, got ${JSON.stringify(merged.lowerUnderLoad)}`)
    out.lowerUnderLoad = merged.lowerUnderLoad
  }
  if (merged.rateLimit !== undefined) {
    const r = merged.rateLimit as Record<string, unknown> | null
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new FedError('FED_ERR_CONFIG', 'dns.rateLimit: expected { "ratePerSecond": n, "burst": n }')
    if (r.ratePerSecond !== undefined) out.rateLimit.ratePerSecond = int(r.ratePerSecond, 'rateLimit.ratePerSecond', 1, 10_000_000)
    if (r.burst !== undefined) out.rateLimit.burst = int(r.burst, 'rateLimit.burst', 1, 10_000_000)
  }
  return out
}

/** What this node publishes in its heartbeat (HealthInfo.dns), whether or not it answers DNS itself. */
export function dnsAdvert (c: DnsConfig | undefined): DnsAdvert {
  return {
    ...(c?.priority !== undefined ? { priority: c.priority } : {}),
    ...(c?.weight !== undefined ? { weight: c.weight } : {}),
    transports: c?.transports ?? ['udp'],
    serving: c?.listen !== undefined
  }
}
