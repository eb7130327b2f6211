/**
 * The node's peer-to-peer networking, composed: a HyperDHT the node creates
 * itself (explicit host, port and bootstrap list), hyperswarm over it, the
 * discovery modes (DHT topic, static peers, LAN multicast; any combination),
 * admission on every connection, then replication, log exchange and soft
 * state on admitted ones, and node health on top of soft state.
 *
 * A node that is not in a cluster (`join: null`) opens no socket at all.
 * Nothing in `ready()` waits for the DHT: an unreachable bootstrap only
 * produces a rate-limited warning. See docs/federation.md.
 */
import { EventEmitter } from 'node:events'
import Hyperswarm from 'hyperswarm'
import type HyperDHT from 'hyperdht'
import type { Logger } from 'pino'
import { parseJoinString, type JoinInfo } from './cluster.js'
import { createDht, WarnLimiter, type AddressBookDHT } from './dht.js'
import { HEALTH_KEY, HEALTH_KIND, NEIGHBOURS_KEY, NodeHealth, type HealthInfo, type NodeStatus } from './health.js'
import { Discovery } from './discovery.js'
import type { LanOptions } from './lan.js'
import { LogAnnouncer } from './log-exchange.js'
import { SnapshotExchange, SNAPSHOT_CACHE_MS } from './snapshot-exchange.js'
import { parseStaticPeer, type HostPort, type StaticPeer } from './peer-address.js'
import { PeerConnection, type PeerContext } from './peer.js'
import { Gatekeeper } from './gatekeeper.js'
import { neighbourId, SoftGossip } from './soft-gossip.js'
import { SoftState, type SoftItem } from './soft-state.js'
import { tunables as mergeTunables, type Tunables } from './tunables.js'
import type { KeyPair, ReplicatedLogs } from './types.js'
import { networkStatus, type NetworkStatus } from './status.js'

/**
 * The neighbours a node declares (see soft-gossip.ts): its neighbour list item, or the `peers` of the
 * heartbeat of a node older than that item; undefined: the item declares nothing.
 */
function declaredNeighbours (item: SoftItem): string[] | undefined {
  if (item.kind !== HEALTH_KIND) return undefined
  if (item.key === NEIGHBOURS_KEY && item.removed) return []
  if (item.removed || (item.key !== NEIGHBOURS_KEY && item.key !== HEALTH_KEY)) return undefined
  const peers = (item.value as { peers?: unknown } | null)?.peers
  return Array.isArray(peers) ? peers.filter((p): p is string => typeof p === 'string') : undefined
}

export interface NetworkOptions {
  logs: ReplicatedLogs
  log: Logger
  /** the cluster to join (parsed or a join string); null: not in a cluster, no networking */
  join: JoinInfo | string | null
  /** the swarm identity; default: the store's (`logs.swarmKeyPair()`) */
  keyPair?: KeyPair
  /**
   * the soft-state table to use (its owner must be `keyPair`'s public key): one the caller built and
   * filled already, e.g. with this node's items kept on disk (soft-persist.ts); default: a new empty one
   */
  soft?: SoftState
  /** address the DHT socket binds: '0.0.0.0' for every interface, '127.0.0.1' in tests */
  host: string
  /** UDP port (default 49737; 0 = any free port) */
  port?: number
  /** DHT bootstrap nodes; empty or absent: no DHT topic (static and LAN peers only). Join-string hints are added. */
  bootstrap?: HostPort[]
  /** static peers `publicKey@host:port`; join-string hints are added */
  peers?: Array<StaticPeer | string>
  /** LAN multicast discovery */
  lan?: false | LanOptions
  /** true when this swarm key belongs to a revoked node: refused at connect, dropped when connected */
  isRevoked?: (swarmKeyHex: string) => boolean
  /** fields of this node's heartbeat (name, version, sipAddress); writerKey is added */
  health?: HealthInfo | (() => HealthInfo)
  tunables?: Partial<Tunables>
  /** how long close() waits for connections to flush their last messages */
  closeGraceMs?: number
  /** a snapshot manifest served to joining nodes is rebuilt at most this often (snapshot-exchange.ts) */
  snapshotCacheMs?: number
}

export class Network extends EventEmitter {
  readonly tunables: Tunables
  readonly join: JoinInfo | null
  private readonly log: Logger
  private readonly warn: WarnLimiter
  private readonly initialPeers: StaticPeer[] = []
  private readonly connections = new Set<PeerConnection>()
  private readonly timers: NodeJS.Timeout[] = []
  /** admission policy and counters, revocation drops (gatekeeper.ts) */
  readonly gate: Gatekeeper
  private swarm: Hyperswarm | null = null
  private dht: AddressBookDHT | null = null
  private discovery: Discovery | null = null
  private announcer: LogAnnouncer | null = null
  private snapshots: SnapshotExchange | null = null
  private gossip: SoftGossip | null = null
  private health: NodeHealth | null = null
  private softState: SoftState | null = null
  private keyPair: KeyPair | null = null
  private boundAddress: HostPort | null = null
  private opening: Promise<void> | null = null
  private closing: Promise<void> | null = null

  constructor (private readonly opts: NetworkOptions) {
    super()
    this.tunables = mergeTunables(opts.tunables)
    this.log = opts.log.child({ component: 'net' })
    this.warn = new WarnLimiter(this.log, this.tunables.warnIntervalMs)
    this.join = typeof opts.join === 'string' ? parseJoinString(opts.join) : opts.join
    this.gate = new Gatekeeper({ tunables: this.tunables, log: this.log, warn: this.warn, isRevoked: opts.isRevoked, connections: () => this.connections })
    for (const p of [...(opts.peers ?? []), ...(this.join?.peers ?? [])]) {
      this.initialPeers.push(typeof p === 'string' ? parseStaticPeer(p) : p)
    }
  }

  get enabled (): boolean { return this.join !== null }
  get swarmKey (): string | null { return this.keyPair?.publicKey.toString('hex') ?? null }
  /** where the DHT socket listens (after ready) */
  get address (): HostPort | null { return this.boundAddress }
  /** after a snapshot join: whether other nodes' view hashes confirmed it (snapshot-exchange.ts) */
  get snapshotCheck (): SnapshotExchange['check'] { return this.snapshots?.check ?? 'none' }
  /** the soft-state table (after ready, when enabled) */
  get soft (): SoftState | null { return this.softState }

  ready (): Promise<void> {
    return (this.opening ??= this.open())
  }

  private async open (): Promise<void> {
    if (this.join === null) {
      this.log.info('not in a cluster: no peer networking')
      return
    }
    const t = this.tunables
    const kp = this.keyPair = this.opts.keyPair ?? await this.opts.logs.swarmKeyPair()
    if (this.closing !== null) return
    const bootstrap = [...(this.opts.bootstrap ?? []), ...this.join.bootstrap]
    const dht = this.dht = createDht({ host: this.opts.host, port: this.opts.port, bootstrap, keyPair: kp })
    const swarm = this.swarm = new Hyperswarm({
      dht,
      keyPair: kp,
      backoffs: t.reconnectBackoffMs,
      firewall: (remote) => this.gate.firewall(remote)
    })
    swarm.on('connection', (conn, info) => this.onconnection(conn, info))
    await dht.bind()
    const a = dht.address()
    this.boundAddress = { host: a.host, port: a.port }
    if (this.opts.port !== undefined && this.opts.port !== 0 && a.port !== this.opts.port) {
      this.log.warn({ wanted: this.opts.port, port: a.port }, 'DHT port taken: listening on another one (static peers naming the old port will not reach us)')
    }

    if (this.opts.soft !== undefined && this.opts.soft.owner !== kp.publicKey.toString('hex')) throw new Error('the soft-state table given belongs to another key pair')
    const soft = this.softState = this.opts.soft ?? new SoftState({
      keyPair: kp,
      maxItems: t.softMaxItems,
      maxItemBytes: t.softMaxItemBytes,
      maxTtlMs: t.softMaxTtlMs,
      isRevoked: (k) => this.gate.isRevoked(k)
    })
    soft.on('change', (c) => this.emit('change', c))
    this.gossip = new SoftGossip(soft, this.opts.log.child({ component: 'net.soft' }), t.softFlushDelayMs, t.softBatchItems, declaredNeighbours, t.softMaxItems)
    this.snapshots = new SnapshotExchange(this.opts.logs, this.opts.log.child({ component: 'net.snapshot' }), this.opts.snapshotCacheMs ?? SNAPSHOT_CACHE_MS, { nodes: () => this.nodes(), checkMs: t.heartbeatMs })
    this.announcer = new LogAnnouncer(this.opts.logs, this.opts.log.child({ component: 'net.logs' }), t.logAnnounceDelayMs, t.lengthAnnounceMs, t.maxWritersPerMessage)
    const h = this.opts.health
    this.health = new NodeHealth(soft, {
      info: () => ({ ...(typeof h === 'function' ? h() : h), writerKey: this.opts.logs.writerKey }),
      neighbours: () => this.neighbourIds(),
      neighboursDelayMs: t.neighboursDelayMs,
      neighboursTtlMs: t.neighboursTtlMs,
      heartbeatMs: t.heartbeatMs,
      suspectAfterMissed: t.suspectAfterMissed,
      deadAfterMissed: t.deadAfterMissed,
      forgetDeadAfterMs: t.forgetDeadAfterMs,
      restartGraceMs: t.restartGraceMs
    })
    this.health.on('state', (s) => {
      this.log.info(s, 'node state')
      this.emit('node-state', s)
    })
    this.every(t.softSweepMs, () => soft.sweep())
    this.health.start()

    // the router entry for our key is set right after bind: incoming connections work from here on
    const listening = swarm.listen().catch((err: unknown) => this.warn.warn('listen', { err }, 'DHT announce failed'))
    await Promise.race([listening, new Promise(resolve => setImmediate(resolve))])

    const discovery = this.discovery = new Discovery({
      swarm,
      dht,
      cluster: this.join.cluster,
      publicKey: kp.publicKey,
      tunables: t,
      log: this.opts.log.child({ component: 'net.discovery' }),
      warn: this.warn,
      address: () => this.boundAddress ?? { host: '0.0.0.0', port: 0 },
      connected: (key) => [...this.connections].some(p => p.swarmKey === key),
      missing: () => this.missingNodes()
    })
    for (const p of this.initialPeers) discovery.addStatic(p)
    discovery.joinTopic(bootstrap)
    if (this.opts.lan !== undefined && this.opts.lan !== false) await discovery.startLan(this.opts.lan)
    this.opts.logs.on('applied', this.gate.onapplied)
    this.log.info({ cluster: this.join.cluster.id, swarmKey: this.swarmKey, address: this.boundAddress, bootstrap: bootstrap.length, static: this.initialPeers.length, lan: discovery.lan !== null }, 'network ready')
  }

  /** Known nodes (heard through node health, not left, not revoked) without an admitted connection. */
  private missingNodes (): number {
    const connected = new Set<string>()
    for (const p of this.connections) if (p.state === 'admitted') connected.add(p.swarmKey)
    let n = 0
    for (const node of this.nodes()) {
      if (!node.self && !node.left && !connected.has(node.swarmKey) && !this.gate.isRevoked(node.swarmKey)) n++
    }
    return n
  }

  private every (ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms)
    timer.unref()
    this.timers.push(timer)
  }

  private onconnection (conn: HyperDHT.NoiseSecretStream, info: Hyperswarm.PeerInfo): void {
    conn.on('error', (err: Error) => this.log.debug({ err: err.message, swarmKey: conn.remotePublicKey.toString('hex') }, 'connection error'))
    if (this.closing !== null || this.announcer === null || this.gossip === null || this.join === null) {
      conn.destroy()
      return
    }
    const key = conn.remotePublicKey.toString('hex')
    const ctx: PeerContext = {
      authKey: this.join.cluster.authKey,
      admissionTimeoutMs: this.gate.admissionTimeoutFor(key),
      logs: this.opts.logs,
      announcer: this.announcer,
      snapshots: this.snapshots ?? undefined,
      gossip: this.gossip,
      onadmitted: (p) => {
        this.log.info({ swarmKey: p.swarmKey, discovery: p.discovery, direction: p.direction, ms: (p.admittedAt ?? 0) - p.connectedAt }, 'peer admitted')
        this.gate.admitted(p.swarmKey)
        this.health?.neighboursChanged()
        this.emit('peer-admitted', p.status())
      },
      onrejected: (p, reason) => {
        this.gate.failed(p, reason)
        this.emit('peer-rejected', { swarmKey: p.swarmKey, reason })
      },
      onclosed: (p) => {
        this.connections.delete(p)
        this.log.debug({ swarmKey: p.swarmKey }, 'peer connection closed')
        if (this.closing === null) this.health?.neighboursChanged()
        this.emit('peer-closed', p.status())
      }
    }
    const mode = info.client && this.discovery !== null ? this.discovery.modeOf(key, info) : 'incoming'
    const p = new PeerConnection(conn, info.client ? 'out' : 'in', mode, ctx)
    this.connections.add(p)
    conn.once('close', () => this.connections.delete(p))
  }

  /** Adds a static peer at run time. */
  addPeer (peer: StaticPeer | string): void {
    const p = typeof peer === 'string' ? parseStaticPeer(peer) : peer
    if (this.discovery !== null) this.discovery.addStatic(p)
    else this.initialPeers.push(p)
  }

  /** Publishes this node's soft-state value (kind, key); see SoftState. */
  publish (kind: string, key: string, value: unknown, ttlMs: number): void {
    this.requireSoft().publish(kind, key, value, ttlMs)
  }

  remove (kind: string, key: string): boolean {
    return this.requireSoft().remove(kind, key)
  }

  get (kind: string): ReturnType<SoftState['get']> {
    return this.softState?.get(kind) ?? []
  }

  private requireSoft (): SoftState {
    if (this.softState === null) throw new Error(this.join === null ? 'not in a cluster: no soft state' : 'network not ready')
    return this.softState
  }

  private neighbourIds (): string[] {
    const ids = new Set<string>()
    for (const p of this.connections) if (p.state === 'admitted') ids.add(neighbourId(p.swarmKey))
    return [...ids]
  }

  nodes (): NodeStatus[] {
    return this.health?.nodes() ?? []
  }

  peers (): PeerConnection[] {
    return [...this.connections]
  }

  status (): NetworkStatus {
    return networkStatus({
      enabled: this.enabled,
      clusterId: this.join?.cluster.id ?? null,
      swarmKey: this.swarmKey,
      address: this.boundAddress,
      dht: this.dht,
      bootstrap: this.discovery?.bootstrap ?? [],
      staticPeers: this.discovery !== null ? [...this.discovery.staticPeers.values()] : this.initialPeers,
      lan: this.discovery?.lan ?? null,
      connections: [...this.connections],
      logs: this.join === null ? null : this.opts.logs,
      soft: this.softState,
      summaries: this.gossip?.summaries ?? null,
      nodes: this.nodes(),
      rejected: this.gate.rejected,
      admissionTimeouts: this.gate.admissionTimeouts,
      admissionClosed: this.gate.admissionClosed,
      firewalled: this.gate.firewalled
    })
  }

  close (): Promise<void> {
    return (this.closing ??= this.shutdown())
  }

  private async shutdown (): Promise<void> {
    await this.opening?.catch(() => {})
    for (const t of this.timers) clearInterval(t)
    this.gate.close()
    this.opts.logs.off('applied', this.gate.onapplied)
    this.health?.stop() // announces our restart (or our removal: peers mark us dead at once)
    this.gossip?.flushNow()
    this.announcer?.close()
    this.snapshots?.close()
    const grace = this.opts.closeGraceMs ?? 500
    await Promise.all([...this.connections].map(p => p.end(grace)))
    this.gossip?.close()
    await this.discovery?.close()
    const swarm = this.swarm
    if (swarm !== null) {
      // a graceful destroy un-announces from the DHT; with an unreachable DHT it would wait for
      // query timeouts (~6 s): after the grace period, destroying the DHT fails them at once
      let timer: NodeJS.Timeout | undefined
      const destroyed = swarm.destroy()
      const graceful = await Promise.race([
        destroyed.then(() => true),
        new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), grace) })
      ])
      clearTimeout(timer)
      if (!graceful) {
        await swarm.dht.destroy({ force: true })
        await destroyed
      }
    }
    this.log.info('network closed')
  }
}
