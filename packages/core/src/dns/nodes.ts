/**
 * The nodes a cluster DNS server lists, from what node health says of them
 * (pure). Only `alive` nodes are listed: a suspect node (heartbeats missing,
 * or restarting) drops out before it would be declared dead. Each node
 * publishes in its heartbeat `dns: { priority, weight, transports, serving }`
 * and `cores`; a node that publishes nothing (an older version) gets the
 * defaults. Its SIP address (`host[:port]`, parsed as routing does) gives the SRV port and, when the
 * host is an IP address, its A/AAAA record.
 */
import { parseSipAddress } from '../routing/internode.js'
import { isIPv4, isIPv6 } from './ip.js'

export type SipTransport = 'udp' | 'tcp' | 'tls'
export const SIP_TRANSPORTS: readonly SipTransport[] = ['udp', 'tcp', 'tls']

/** SRV priority of a node that states none (lower is preferred) */
export const DNS_DEFAULT_PRIORITY = 10
/** SRV weight per CPU core of a node that states no weight */
export const DNS_WEIGHT_PER_CORE = 10
/** SRV weight of a node that states neither a weight nor its cores */
export const DNS_DEFAULT_WEIGHT = 10
/** default SIP port (udp, tcp) and SIP over TLS port */
export const SIP_PORT = 5060
export const SIPS_PORT = 5061

/** What a node publishes in its heartbeat for the DNS servers of the cluster (HealthInfo.dns). */
export interface DnsAdvert {
  priority?: number
  weight?: number
  /** `udp`, `tcp`, `tls`, each optionally `:<port>` (default: the SIP address port; 5061 for tls) */
  transports?: string[]
  /** true when this node answers DNS queries itself (it is then named in the zone's NS records) */
  serving?: boolean
}

/** A node as the DNS server sees it (only live ones). */
export interface DnsNode {
  /** the node name, lower case (`<name>.<zone>`) */
  name: string
  /** the SIP host: an IP address (then `<name>.<zone>` has an A or AAAA record) or a host name (the SRV target) */
  host: string
  family: 4 | 6 | null
  priority: number
  weight: number
  /** transport → port */
  ports: Partial<Record<SipTransport, number>>
  serving: boolean
}

/** The parts of a node's health status read here (net's NodeStatus). */
export interface DnsNodeStatus {
  state: string
  info: { name?: unknown, sipAddress?: unknown, dns?: unknown, cores?: unknown, load?: unknown }
}

export interface DnsNodeOptions {
  /** lower a node's weight when its 1-minute load average is above its core count (weight × cores / load) */
  lowerUnderLoad?: boolean
}

const u16 = (v: unknown): number | undefined => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : undefined

/** `udp`, `tcp:5080`, `tls` … → transport and port; throws a plain Error naming the bad entry. */
export function parseTransport (entry: string, sipPort = SIP_PORT): { transport: SipTransport, port: number } {
  const m = /^(udp|tcp|tls)(?::(\d{1,5}))?$/i.exec(entry.trim())
  const port = m?.[2] === undefined ? undefined : Number(m[2])
  if (m === null || (port !== undefined && (port < 1 || port > 65535))) throw new Error(`expected udp, tcp or tls, optionally :<port>; got ${JSON.stringify(entry)}`)
  const transport = m[1]!.toLowerCase() as SipTransport
  return { transport, port: port ?? (transport === 'tls' ? SIPS_PORT : sipPort) }
}

/** The default weight of a node with this many cores. */
export const defaultDnsWeight = (cores: number | undefined): number =>
  cores !== undefined && cores > 0 ? Math.min(65535, cores * DNS_WEIGHT_PER_CORE) : DNS_DEFAULT_WEIGHT

/** The live nodes the DNS server lists, sorted by name. */
export function dnsNodes (statuses: readonly DnsNodeStatus[], opts: DnsNodeOptions = {}): DnsNode[] {
  const out: DnsNode[] = []
  for (const s of statuses) {
    if (s.state !== 'alive') continue
    const { info } = s
    if (typeof info.name !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$/.test(info.name) || info.name.endsWith('.')) continue
    if (typeof info.sipAddress !== 'string') continue
    const parsed = parseSipAddress(info.sipAddress, SIP_PORT)
    if (parsed === undefined) continue
    const sip = { host: parsed.host.toLowerCase(), port: parsed.port }
    const advert = (info.dns !== null && typeof info.dns === 'object' ? info.dns : {}) as Record<string, unknown>
    const cores = u16(info.cores)
    let weight = u16(advert.weight) ?? defaultDnsWeight(cores)
    const load = Array.isArray(info.load) ? info.load[0] : undefined
    if (opts.lowerUnderLoad === true && cores !== undefined && cores > 0 && typeof load === 'number' && load > cores) {
      weight = Math.max(1, Math.floor(weight * cores / load))
    }
    const ports: Partial<Record<SipTransport, number>> = {}
    const transports = Array.isArray(advert.transports) ? advert.transports : ['udp']
    for (const t of transports) {
      try {
        const p = parseTransport(String(t), sip.port)
        ports[p.transport] ??= p.port
      } catch { /* a transport this version does not know: ignored */ }
    }
    out.push({
      name: info.name.toLowerCase(),
      host: sip.host,
      family: isIPv4(sip.host) ? 4 : isIPv6(sip.host) ? 6 : null,
      priority: u16(advert.priority) ?? DNS_DEFAULT_PRIORITY,
      weight,
      ports,
      serving: advert.serving === true
    })
  }
  return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
}
