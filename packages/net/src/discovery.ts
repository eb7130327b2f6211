/**
 * How peers are found, all modes usable at once, all ending in hyperswarm:
 * - static peers `publicKey@host:port`: the address goes into the DHT's
 *   address book and `joinPeer` dials it directly (no DHT needed);
 * - the DHT topic (only with a non-empty bootstrap list): `swarm.join`, plus
 *   extra refreshes at `refreshBackoffMs` after joining (nodes that join at the
 *   same moment may otherwise miss each other until hyperswarm's ~10 min
 *   refresh), a new lookup every `rediscoverMs` while a known node has no
 *   connection (a healed partition), and a rate-limited warning while no DHT
 *   node is reachable;
 * - LAN multicast (lan.ts): an announced node goes into the address book and
 *   is dialled like a static peer; it is forgotten after `lanPeerTtlMs` of
 *   silence.
 */
import type Hyperswarm from 'hyperswarm'
import type { Logger } from 'pino'
import type { ClusterKeys } from './cluster.js'
import type { AddressBookDHT, WarnLimiter } from './dht.js'
import { LanDiscovery, LAN_GROUP, LAN_PORT, resolveLanInterface, type LanOptions } from './lan.js'
import { formatHostPort, type HostPort, type StaticPeer } from './peer-address.js'
import type { Discovery as DiscoveryMode } from './peer.js'
import type { Tunables } from './tunables.js'

export interface DiscoveryOptions {
  swarm: Hyperswarm
  dht: AddressBookDHT
  cluster: ClusterKeys
  publicKey: Buffer
  tunables: Tunables
  log: Logger
  warn: WarnLimiter
  /** where our DHT socket listens */
  address: () => HostPort
  /** true when an admitted or admitting connection to this key exists */
  connected: (swarmKey: string) => boolean
  /** how many known nodes have no connection now (the topic is looked up again while > 0) */
  missing?: () => number
}

export class Discovery {
  readonly staticPeers = new Map<string, StaticPeer>()
  readonly lanPeers = new Set<string>()
  lan: LanDiscovery | null = null
  bootstrap: HostPort[] = []
  private readonly timers: NodeJS.Timeout[] = []
  private closed = false

  constructor (private readonly o: DiscoveryOptions) {}

  private get self (): string { return this.o.publicKey.toString('hex') }

  addStatic (p: StaticPeer): void {
    this.staticPeers.set(p.publicKey, p)
    if (this.closed || p.publicKey === this.self) return
    this.o.dht.book.set(p.publicKey, [{ host: p.host, port: p.port }])
    this.o.swarm.joinPeer(Buffer.from(p.publicKey, 'hex'))
  }

  joinTopic (bootstrap: HostPort[]): void {
    this.bootstrap = bootstrap
    if (bootstrap.length === 0) return
    const { swarm, dht, tunables: t } = this.o
    const topic = swarm.join(this.o.cluster.topic, { server: true, client: true })
    let delay = 0
    for (const ms of t.refreshBackoffMs) {
      delay += ms
      this.timer(setTimeout(() => {
        if (!this.closed) topic.refresh().catch((err: unknown) => this.o.warn.warn('refresh', { err }, 'DHT refresh failed'))
      }, delay))
    }
    const check = (): void => {
      if (!this.closed && dht.toArray().length === 0) {
        this.o.warn.warn('bootstrap', { bootstrap: bootstrap.map(formatHostPort) }, 'DHT bootstrap unreachable: no DHT node known (static and LAN peers still work)')
      }
    }
    dht.fullyBootstrapped().then(check, check)
    this.timer(setInterval(check, t.bootstrapCheckMs))
    // a partition longer than hyperswarm's retries: look the topic up again while a known node is missing
    let looking = false
    this.timer(setInterval(() => {
      if (this.closed || looking || (this.o.missing?.() ?? 0) === 0) return
      looking = true
      topic.refresh()
        .catch((err: unknown) => this.o.warn.warn('rediscover', { err }, 'DHT lookup for missing nodes failed'))
        .finally(() => { looking = false })
    }, t.rediscoverMs))
  }

  async startLan (opts: LanOptions): Promise<void> {
    const t = this.o.tunables
    const lan = this.lan = new LanDiscovery({
      lanId: this.o.cluster.lanId,
      publicKey: this.o.publicKey,
      interfaceAddress: resolveLanInterface(opts.interface),
      group: opts.group ?? LAN_GROUP,
      port: opts.port ?? LAN_PORT,
      intervalMs: t.lanIntervalMs,
      address: this.o.address,
      log: this.o.log
    })
    lan.on('peer', (key: string, addr: HostPort) => this.onlanpeer(key, addr))
    const bound = this.o.address().host
    const iface = resolveLanInterface(opts.interface)
    if (bound !== '0.0.0.0' && bound !== iface) {
      this.o.log.warn({ bound, interface: iface }, 'LAN discovery announces an address the swarm socket is not bound to: bind 0.0.0.0 or the LAN interface')
    }
    await lan.start()
    this.timer(setInterval(() => {
      for (const key of lan.expire(t.lanPeerTtlMs)) {
        this.lanPeers.delete(key)
        if (this.staticPeers.has(key)) continue
        this.o.dht.book.delete(key)
        this.o.swarm.leavePeer(Buffer.from(key, 'hex'))
      }
    }, t.lanIntervalMs))
  }

  private onlanpeer (key: string, addr: HostPort): void {
    if (this.closed) return
    const st = this.staticPeers.get(key)
    this.o.dht.book.set(key, st === undefined ? [addr] : [addr, { host: st.host, port: st.port }])
    if (!this.lanPeers.has(key)) {
      this.lanPeers.add(key)
      this.o.log.info({ swarmKey: key, address: formatHostPort(addr) }, 'found a peer on the LAN')
    }
    if (!this.o.connected(key)) this.o.swarm.joinPeer(Buffer.from(key, 'hex'))
  }

  /** How an outgoing connection's peer was found. */
  modeOf (swarmKey: string, info: Hyperswarm.PeerInfo): DiscoveryMode {
    if (this.staticPeers.has(swarmKey)) return 'static'
    if (this.lanPeers.has(swarmKey)) return 'lan'
    if (info.topics.length > 0) return 'dht'
    return 'incoming'
  }

  private timer (t: NodeJS.Timeout): void {
    t.unref()
    this.timers.push(t)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const t of this.timers) clearTimeout(t) // clears intervals too
    await this.lan?.close()
  }
}
