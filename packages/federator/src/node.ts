/**
 * The composition root: one Federator node = the store (log + view), the HTTP
 * server (admin API, health; realtime and routing plugins), and — when the node
 * belongs to a cluster — the network. `ready()` starts them in that order and
 * `close()` stops them in reverse: stop taking HTTP requests, leave the swarm,
 * flush and close the log and the view. Both are idempotent.
 *
 * `ready()` resolves once the node listens and answers Asterisk: realtime
 * lookups from the view at once, whatever the data size. What is slower to
 * build — the routing snapshot's records, the realtime indexes other than the
 * trunks — builds in the background (`loaded()`); meanwhile `/readyz` is 503
 * naming what is still loading, `/route` waits for the snapshot (bounded)
 * and requests needing an index not loaded yet wait for it.
 *
 * The node's soft state (its registrations) is kept on disk in `<data>/soft`
 * (a LocalDb, not the replicated log) and put back before anything reads it,
 * so the registrations Asterisk made through this node survive a restart; a
 * node that was in a cluster refuses to start alone (cluster-record.ts).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import type { Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import { LocalDb, Store, type StoreOptions } from '@federator/store'
import { buildApp, configAdminPlugin, CONFIGS_PREFIX, defaultRouteUrl, loadingCheck, REALTIME_PREFIX, RealtimeService, realtimePlugin, RoutingService, UI_PREFIX, uiPlugin } from '@federator/server'
import { HEALTH_KIND, Network, SoftPersistence, SoftState, tunables as netTunables, parseHostPort as parseNetHostPort, type KeyPair, type Tunables } from '@federator/net'
import HyperDHT from 'hyperdht'
import { CALLSTATE_KIND, CHANNELS_KIND, DEVSTATE_KIND } from '@federator/core'
import { AmiClient, AsteriskLink, SorceryCacheExpiry, callStateFeature, ContactMirror, PjsipPush, type CallStateTunables, type FeatureFactory } from '@federator/asterisk'
import type { Config } from './config.js'
import { firstToken, localToken, readToken } from './token.js'
import { clientUrl, removeHttpAddress, writeHttpAddress } from './http-address.js'
import { VERSION } from './version.js'
import { Membership } from './membership.js'
import { checkNotAlone } from './cluster-record.js'
import { clusterPlugin, metricsPlugin } from './http/plugins.js'
import { registrationsPlugin } from './http/registrations.js'
import { callStatePlugin } from './http/callstate.js'
import { tightenDataDir } from './data-dir.js'
import { NameGuard } from './name-guard.js'
import { exposureWarning, sipAddressWarning } from './config.js'
import { ClusterDns, dnsHealthInfo } from './dns/cluster-dns.js'

export interface NodeOptions {
  config: Config
  logger: Logger
  store?: Partial<StoreOptions>
  /** network tunables (heartbeat, failure detection…); tests shrink them */
  net?: Partial<Tunables>
  /** live call state tunables (TTL, refresh, coalescing); tests shrink them */
  callstate?: Partial<CallStateTunables>
  /** run alone although the data directory was in a cluster (else that is FED_ERR_CLUSTER_MISSING) */
  standalone?: boolean
}

/** Directory (in the data directory) of the node's own soft state kept across restarts. */
export const SOFT_DIR = 'soft'

/** The soft-state kinds a node keeps across restarts: everything it owns but its health and live call state (both regenerated at start). */
export const keepsSoftKind = (kind: string): boolean => kind !== HEALTH_KIND && kind !== DEVSTATE_KIND && kind !== CHANNELS_KIND && kind !== CALLSTATE_KIND

/** Where the node's swarm socket binds when in a cluster and nothing else is configured. */
export const DEFAULT_SWARM_HOST = '0.0.0.0'

export class FederatorNode {
  readonly config: Config
  readonly log: Logger
  store!: Store
  app!: FastifyInstance
  membership!: Membership
  /** the peer network (null when the node is not in a cluster) */
  network: Network | null = null
  /** soft state: the network's when in a cluster, else a local table (registrations still work) */
  soft!: SoftState
  /** routing: the snapshot behind /route, generated inter-node trunks and dialplan rows (extraRows) */
  routing!: RoutingService
  /** the res_config_curl realtime API (/realtime) */
  realtime!: RealtimeService
  readonly startedAt = Date.now()
  private sweeper: NodeJS.Timeout | null = null
  /** one live node per name: reports a clash on both sides (name-guard.ts) */
  names: NameGuard | null = null
  /** the cluster DNS server (null unless dns.listen is set; docs/dns.md) */
  dns: ClusterDns | null = null
  /** the link to the local Asterisk over ARI (null unless ari.url is set; docs/asterisk.md) */
  asterisk: AsteriskLink | null = null
  /** realtime mode with AMI: Asterisk's sorcery memory cache entries expired when their records change (null otherwise) */
  cacheExpiry: SorceryCacheExpiry | null = null
  private softDb: LocalDb | null = null
  private softKeeper: SoftPersistence | null = null
  url = ''
  token = ''
  /** true when the admin token was generated by this start (print it once) */
  tokenGenerated = false
  private opening: Promise<void> | null = null
  private fullyLoaded: Promise<void> | null = null
  private closing: Promise<void> | null = null
  private readonly opts: NodeOptions

  constructor (opts: NodeOptions) {
    this.opts = opts
    this.config = opts.config
    this.log = opts.logger
  }

  ready (): Promise<void> {
    this.opening ??= this.open()
    return this.opening
  }

  private async open (): Promise<void> {
    const { config } = this
    await mkdir(config.data, { recursive: true })
    const tightened = await tightenDataDir(config.data)
    if (tightened > 0) this.log.warn({ data: config.data, files: tightened }, 'the data directory was readable by others: set to 0700, its files to 0600')
    this.store = new Store({ dir: config.data, logger: this.log, ...(config.snapshotJoin === true ? { snapshot: { snapshotJoin: true } } : {}), ...this.opts.store })
    await this.store.ready()
    if (config.join === undefined && this.opts.standalone !== true) {
      const self = await this.store.get('node', this.store.writerKey)
      checkNotAlone(config.data, { otherWriters: this.store.writers().filter((w) => !w.local).length, hadSwarmKey: typeof self?.swarmKey === 'string' })
    }
    this.membership = new Membership(this.store)
    await this.membership.ready()
    // admin tokens (token.ts): the cluster's token records, and this node's local token if it has one
    const local = await localToken(config.data, config.adminToken)
    if (config.adminToken === undefined && local === undefined && config.join === undefined && this.store.revocation() === undefined) {
      const first = await firstToken(this.store, config.data)
      if (first !== undefined) { this.token = first; this.tokenGenerated = true }
    }
    if (this.token === '') this.token = config.adminToken ?? await readToken(config.data) ?? ''
    if (this.token === '') this.log.info('no admin token in this data directory: use a token of the cluster (federator token create on a node that has one)')
    await this.startNetwork()
    let routeUrl: string | undefined
    this.routing = new RoutingService({
      store: this.store,
      soft: this.soft,
      nodeStates: this.network,
      name: config.name,
      ...(config.sipAddress !== undefined ? { sipAddress: config.sipAddress } : {}),
      ...(config.routing !== undefined ? { config: config.routing } : {}),
      routeUrl: () => routeUrl,
      log: this.log
    })
    await this.routing.start() // the snapshot's records load in the background (see loaded())
    this.realtime = new RealtimeService({ store: this.store, registrations: this.soft, logger: this.log, projection: { node: config.name }, extraRows: this.routing.extraRows, ...(config.realtimeCacheMb !== undefined ? { limits: { cacheMaxBytes: Math.round(config.realtimeCacheMb * 1024 * 1024) } } : {}) })
    this.routing.onExtraRowsChange(() => this.realtime.extraRowsChanged())
    const sources = { store: this.store, membership: this.membership, network: this.network, name: config.name, version: VERSION, startedAt: this.startedAt, names: { clashes: () => this.names?.clashes() ?? [] } }
    this.app = await buildApp({
      store: this.store,
      logger: this.log,
      ...(local !== undefined ? { adminToken: local } : {}),
      cursorSecret: local ?? await this.store.cursorSecret(),
      version: VERSION,
      ready: ((loading) => () => this.names?.notReadyReason() ?? loading())(loadingCheck(this.routing, this.realtime)),
      apiPlugins: [
        { plugin: clusterPlugin(sources), prefix: '/cluster' },
        { plugin: registrationsPlugin({ soft: this.soft, membership: this.membership, network: this.network, name: config.name }), prefix: '/cluster/registrations' },
        { plugin: callStatePlugin({ soft: this.soft, membership: this.membership, network: this.network, name: config.name }), prefix: '/cluster' },
        { plugin: configAdminPlugin(this.store), prefix: CONFIGS_PREFIX }
      ],
      plugins: [
        { name: 'metrics', plugin: metricsPlugin(sources, [() => this.routing.metrics(), () => this.realtime.metrics(), () => this.softMetrics(), () => this.dns?.metrics() ?? [], () => this.asterisk?.metrics() ?? [], () => this.cacheExpiry?.metrics() ?? []]) },
        { name: 'route', plugin: this.routing.plugin },
        { name: 'ui', prefix: UI_PREFIX, plugin: uiPlugin() },
        { name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(this.realtime, { auth: config.realtimeAuth, allow: config.realtimeAllow }) }
      ]
    })
    await this.app.listen({ host: config.http.host, port: config.http.port })
    const addr = this.app.server.address()
    const port = typeof addr === 'object' && addr !== null ? addr.port : config.http.port
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host
    this.url = `http://${host}:${port}`
    routeUrl = defaultRouteUrl(config.http.host, port)
    await writeHttpAddress(config.data, clientUrl(config.http.host, port))
    const exposed = exposureWarning(config)
    if (exposed !== undefined) this.log.warn({ http: this.url }, exposed)
    const noSip = sipAddressWarning(config, config.join !== undefined)
    if (noSip !== undefined) this.log.warn({ name: config.name }, noSip)
    this.followLoading()
    this.watchRevocation()
    // a fresh node joining from a snapshot writes its own record once the join settled (its hash check
    // compares the view with the peer's, which cannot hold this node's entries yet)
    if (this.store.revocation() === undefined) {
      if (this.store.snapshotPending) {
        this.store.snapshotSettled().then(async () => { if (this.closing === null) await this.registerSelf() })
          .catch((err: unknown) => this.log.error({ err }, 'writing this node\'s record after the snapshot join failed'))
      } else await this.registerSelf()
    }
    this.names = new NameGuard({ store: this.store, membership: this.membership, network: this.network, name: config.name, log: this.log })
    this.names.start()
    if (config.dns?.listen !== undefined) {
      this.dns = new ClusterDns(config, this.network, this.log)
      await this.dns.listen()
      this.log.info({ dns: `${config.dns.listen.host}:${this.dns.port}`, zone: config.dns.zone }, 'DNS server listening (UDP and TCP)')
    }
    if (config.asterisk.mode === 'realtime' && config.asterisk.ami !== undefined) {
      this.cacheExpiry = new SorceryCacheExpiry({ ami: new AmiClient(config.asterisk.ami), store: this.store, log: this.log })
      this.cacheExpiry.ready()
    }
    if (config.asterisk.ari !== undefined) {
      this.asterisk = new AsteriskLink({ ari: config.asterisk.ari, log: this.log, features: this.asteriskFeatures() })
      await this.asterisk.ready()
    }
    this.log.info({ url: this.url, name: config.name, writer: this.store.writerKey, swarm: this.network?.address ?? null }, 'node ready')
  }

  /** The soft-state table with this node's items kept on disk put back, following it to disk from here on. */
  private async openSoftState (keyPair: KeyPair, tun: Tunables): Promise<void> {
    this.soft = new SoftState({
      keyPair,
      maxItems: tun.softMaxItems,
      maxItemBytes: tun.softMaxItemBytes,
      maxTtlMs: tun.softMaxTtlMs,
      keepsKind: keepsSoftKind,
      isRevoked: (swarmKey) => this.membership.isRevokedSwarmKey(swarmKey)
    })
    this.softDb = await LocalDb.open(join(this.config.data, SOFT_DIR))
    this.softKeeper = new SoftPersistence(this.soft, { db: this.softDb, flushMs: tun.softPersistMs, keepsKind: keepsSoftKind, log: this.log.child({ component: 'soft-persist' }) })
    const loaded = await this.softKeeper.load()
    this.log.info({ ...loaded, seq: this.soft.seq }, 'soft state put back from disk')
  }

  /** Counters of the soft state kept on disk (batches, items written, failed writes: each one is also logged). */
  private softMetrics (): Array<{ name: string, help: string, type: 'counter', samples: Array<{ value: number }> }> {
    const c = this.softKeeper?.counters ?? { flushes: 0, written: 0, deleted: 0, failures: 0 }
    return [
      { name: 'federator_soft_kept_batches_total', help: 'Batches of this node\'s soft state (registrations) written to disk', type: 'counter', samples: [{ value: c.flushes }] },
      { name: 'federator_soft_kept_items_written_total', help: 'Soft-state items (registrations, removals) written to disk', type: 'counter', samples: [{ value: c.written }] },
      { name: 'federator_soft_kept_failures_total', help: 'Failed writes of soft state to disk (retried)', type: 'counter', samples: [{ value: c.failures }] }
    ]
  }

  /** Join the cluster when configured; otherwise keep a local soft-state table and open no socket. */
  private async startNetwork (): Promise<void> {
    const { config } = this
    const tun = netTunables({ ...(config.net as Partial<Tunables> | undefined), ...this.opts.net })
    const keyPair = await this.store.swarmKeyPair()
    await this.openSoftState(keyPair, tun)
    if (config.join === undefined) {
      // the network sweeps its table; a node alone drops expired registrations and tombstones itself
      const soft = this.soft
      this.sweeper = setInterval(() => soft.sweep(), tun.softSweepMs)
      this.sweeper.unref()
      this.log.info('not in a cluster (no --join): no peer networking')
      return
    }
    const bootstrap = (config.bootstrap ?? []).map((b) => parseNetHostPort(b))
    if (config.dht === true) {
      for (const b of HyperDHT.BOOTSTRAP) bootstrap.push(parseNetHostPort(b))
    }
    this.network = new Network({
      logs: this.store,
      log: this.log,
      join: config.join,
      host: config.swarmHost ?? DEFAULT_SWARM_HOST,
      ...(config.swarmPort !== undefined ? { port: config.swarmPort } : {}),
      bootstrap,
      peers: config.peers ?? [],
      lan: config.lan === undefined || config.lan === false ? false : { interface: config.lan },
      keyPair,
      soft: this.soft,
      isRevoked: (swarmKey) => this.membership.isRevokedSwarmKey(swarmKey),
      health: () => ({
        name: config.name,
        version: VERSION,
        ...(config.sipAddress !== undefined ? { sipAddress: config.sipAddress } : {}),
        load: loadavg(),
        uptime: Math.round((Date.now() - this.startedAt) / 1000),
        viewHash: this.store.viewHash(),
        ...dnsHealthInfo(config)
      }),
      tunables: tun
    })
    await this.network.ready()
  }

  /** The features of the link to the local Asterisk this node's settings ask for (each made from the shared ARI client). */
  private asteriskFeatures (): FeatureFactory[] {
    const features: FeatureFactory[] = []
    // live call state (docs/asterisk.md "Live call state"): device states and trunk channel counts, Custom: states
    features.push(callStateFeature({
      soft: this.soft,
      directory: {
        ready: async () => { await this.routing.ready() },
        isDevice: (id) => this.routing.view.snapshot.device(id) !== undefined,
        isTrunk: (id) => this.routing.view.snapshot.trunk(id) !== undefined
      },
      decisions: (fn) => this.routing.onDecision(fn),
      log: this.log,
      ...(this.opts.callstate !== undefined ? { tunables: this.opts.callstate } : {})
    }))
    const { mode, ami, push, transports } = this.config.asterisk
    if (mode === 'push') {
      // push mode (docs/asterisk.md): PJSIP objects kept in Asterisk's memory, its registrations mirrored into the soft state
      const log = this.log
      features.push((ari) => new PjsipPush({ ari, realtime: this.realtime, store: this.store, contacts: this.realtime.book.contacts, onExtraRowsChange: (fn) => this.routing.onExtraRowsChange(fn), log, ...(push !== undefined ? { tunables: push } : {}), ...(transports !== undefined ? { transports } : {}) }))
      features.push((ari) => new ContactMirror({ ari, book: this.realtime.book.contacts, log, ...(ami !== undefined ? { ami: new AmiClient(ami) } : {}), ...(push !== undefined ? { tunables: push } : {}) }))
    }
    return features
  }

  /** Settles once everything loading in the background after ready() has loaded (routing snapshot, realtime indexes). */
  loaded (): Promise<void> {
    return this.fullyLoaded ?? Promise.reject(new Error('the node is not started'))
  }

  /** The routing snapshot first (every call needs it), then the realtime indexes (a request that needs one starts them at once). */
  private followLoading (): void {
    const routed = this.routing.ready()
    const indexed = routed.catch(() => {}).then(async () => { await this.realtime.ready() })
    this.fullyLoaded = Promise.all([routed, indexed]).then(() => {
      this.log.info({ msSinceStart: Date.now() - this.startedAt, msSinceProcessStart: Math.round(performance.now()) }, 'node fully loaded (routing snapshot and realtime indexes)')
    })
    this.fullyLoaded.catch((err: unknown) => { this.log.error({ err }, 'loading in the background failed') })
  }

  /** Log an error when this node is (or becomes) revoked: it refuses writes from then on (FED_ERR_REVOKED) and is not ready. */
  private watchRevocation (): void {
    let said = false
    const check = (): void => {
      const r = this.store.revocation()
      if (r === undefined || said) return
      said = true
      this.log.error({ code: 'FED_ERR_REVOKED', revoked: r, writer: this.store.writerKey }, 'this node was revoked: it refuses writes and reports not ready; set up a new node with a fresh data directory')
    }
    this.store.on('changes', (changes) => { if (changes.some((c) => c.type === 'node' && c.id === this.store.writerKey)) check() })
    check()
  }

  /** Write (or refresh) this node's own membership record. */
  private async registerSelf (): Promise<void> {
    const want: Record<string, unknown> = { name: this.config.name, version: VERSION }
    if (this.config.sipAddress !== undefined) want.sipAddress = this.config.sipAddress
    if (this.network?.swarmKey != null) want.swarmKey = this.network.swarmKey
    const current = await this.store.get('node', this.store.writerKey)
    if (current === undefined) {
      await this.store.write({ op: 'create', type: 'node', id: this.store.writerKey, fields: want })
      return
    }
    const changed = Object.fromEntries(Object.entries(want).filter(([k, v]) => current[k] !== v))
    if (Object.keys(changed).length > 0) await this.store.write({ op: 'patch', type: 'node', id: this.store.writerKey, set: changed })
  }

  close (): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown (): Promise<void> {
    if (this.opening === null) return
    await this.opening.catch(() => {})
    if (this.sweeper !== null) clearInterval(this.sweeper)
    this.names?.close()
    await this.asterisk?.close()
    await this.cacheExpiry?.close()
    await this.dns?.close()
    await this.app?.close()
    if (this.url !== '') await removeHttpAddress(this.config.data).catch((err: unknown) => this.log.warn({ err }, 'could not remove the recorded HTTP address'))
    await this.realtime?.close()
    this.routing?.close()
    await this.network?.close()
    await this.softKeeper?.close().catch((err: unknown) => this.log.error({ err }, 'soft state: last write failed'))
    await this.softDb?.close()
    this.membership?.close()
    await this.store?.close()
    this.log.info('node stopped')
  }
}
