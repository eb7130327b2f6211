/**
 * The node's DNS server (docs/dns.md): answers for `dns.zone` from the live
 * nodes as this node sees them. The node list is rebuilt from node health
 * when it may have changed — a node changed state (alive, suspect, dead), a
 * heartbeat came in (a node's address or weight may differ), or
 * DNS_NODES_MAX_AGE_MS passed (this node's own load) — so answers follow
 * health within one heartbeat, and a query costs no more than a lookup; the
 * list object stays the same while its content does (the responder's cache
 * of encoded answers lives as long as it). The
 * SOA serial is the time (s) the listed set last changed. A node not in a
 * cluster lists itself only.
 */
import { availableParallelism, loadavg } from 'node:os'
import type { Logger } from 'pino'
import { dnsNodes, type DnsNode, type DnsNodeStatus, type Metric } from '@federator/core'
import { HEALTH_KIND, type Network, type SoftChange } from '@federator/net'
import type { Config } from '../config.js'
import { dnsAdvert } from './config.js'
import { DnsServer } from './server.js'

/** Longest time a built node list is used without a health event (this node's load changes without one). */
export const DNS_NODES_MAX_AGE_MS = 1000

/** The fields a node adds to its heartbeat for the cluster's DNS servers. */
export function dnsHealthInfo (config: Config): { dns: ReturnType<typeof dnsAdvert>, cores: number } {
  return { dns: dnsAdvert(config.dns), cores: availableParallelism() }
}

export class ClusterDns {
  readonly server: DnsServer
  private cached: DnsNode[] | null = null
  private builtAt = 0
  private key = ''
  private listed: DnsNode[] | null = null
  private serial = Math.floor(Date.now() / 1000)
  private readonly invalidate = (): void => { this.cached = null }
  private readonly onchange = (c: SoftChange): void => { if (c.kind === HEALTH_KIND) this.cached = null }

  constructor (private readonly config: Config, private readonly network: Network | null, log: Logger) {
    const dns = config.dns
    if (dns?.listen === undefined || dns.zone === undefined) throw new Error('ClusterDns: dns.listen and dns.zone are required')
    this.server = new DnsServer({
      host: dns.listen.host,
      port: dns.listen.port,
      zone: dns.zone,
      self: config.name,
      ttl: dns.ttl,
      rateLimit: dns.rateLimit,
      nodes: () => this.nodes(),
      serial: () => this.serial,
      log: log.child({ component: 'dns' })
    })
    network?.on('node-state', this.invalidate)
    network?.on('change', this.onchange)
  }

  private statuses (): DnsNodeStatus[] {
    if (this.network !== null) return this.network.nodes()
    const c = this.config
    return [{ state: 'alive', info: { name: c.name, sipAddress: c.sipAddress, load: loadavg(), ...dnsHealthInfo(c) } }]
  }

  /** The live nodes listed now. */
  nodes (): DnsNode[] {
    const now = Date.now()
    if (this.cached !== null && now - this.builtAt < DNS_NODES_MAX_AGE_MS) return this.cached
    const nodes = dnsNodes(this.statuses(), { lowerUnderLoad: this.config.dns?.lowerUnderLoad === true })
    const key = JSON.stringify(nodes)
    // the same list object while nothing changed: the responder keeps its encoded answers (responder.ts)
    if (key !== this.key || this.listed === null) {
      this.key = key
      this.listed = nodes
      this.serial = Math.max(this.serial + 1, Math.floor(now / 1000)) >>> 0
    }
    this.cached = this.listed
    this.builtAt = now
    return this.listed
  }

  async listen (): Promise<void> {
    await this.server.listen()
  }

  get port (): number {
    return this.server.port
  }

  metrics (): Metric[] {
    const c = this.server.responder.counters
    const by = (result: string, value: number): { labels: Record<string, string>, value: number } => ({ labels: { result }, value })
    return [
      {
        name: 'federator_dns_queries_total',
        help: 'DNS queries received, by result (answered: NOERROR; rate_limited and dropped: no response sent)',
        type: 'counter',
        samples: [by('answered', c.answered), by('nxdomain', c.nxdomain), by('refused', c.refused), by('formerr', c.formerr), by('notimp', c.notimp), by('rate_limited', c.rateLimited), by('dropped', c.dropped)]
      },
      { name: 'federator_dns_truncated_total', help: 'DNS responses truncated (TC set) to fit the size the query allows', type: 'counter', samples: [{ value: c.truncated }] },
      { name: 'federator_dns_nodes', help: 'Nodes listed in the DNS answers (alive, with a SIP address)', type: 'gauge', samples: [{ value: this.nodes().length }] }
    ]
  }

  async close (): Promise<void> {
    this.network?.off('node-state', this.invalidate)
    this.network?.off('change', this.onchange)
    await this.server.close()
  }
}
