/**
 * Routing for one node, ready to wire: the RoutingView (snapshot kept
 * current from the store, soft state and node health), the generated rows
 * for the realtime plugin (inter-node trunks, dialplan), the `/route` plugin
 * and its metrics. The composition root constructs it once the store and the
 * network are ready, awaits `ready()`, registers `plugin` and hands
 * `extraRows` to the realtime plugin, and calls `close()` on shutdown.
 *
 * `start()` is enough to serve: nodes, registrations and the generated rows
 * are current. `ready()` then loads the snapshot's routing records in the
 * background (RoutingView) and resolves when they are; `loading()` names what is
 * still loading (for /readyz), and `/route` waits for the build, bounded
 * (plugin.ts).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import { routingSettings, type RouteDecision, type RoutingSettings } from '@federator/core'
import type { RoutingConfig } from './config.js'
import { RouteCounters, routePlugin, type Metric } from './plugin.js'
import { GeneratedRows, type GeneratedRow } from './rows.js'
import type { NodeStateSource, RoutingStore, SoftTable } from '../ports.js'
import { RoutingView } from './view.js'

export interface RoutingServiceOptions {
  store: RoutingStore
  soft?: SoftTable
  nodeStates?: NodeStateSource | null
  /** this node's name and the SIP address its Asterisk takes inter-node calls at */
  name: string
  sipAddress?: string
  config?: RoutingConfig
  /** the /route URL as Asterisk reaches it, once known (config.routeUrl wins) */
  routeUrl?: () => string | undefined
  log?: Logger
  bodyLimit?: number
  /** longest a /route request waits for the snapshot being built after a start (ms, default ROUTE_BUILD_WAIT_MS) */
  buildWaitMs?: number
}

export class RoutingService {
  readonly view: RoutingView
  readonly counters = new RouteCounters()
  readonly settings: RoutingSettings
  #rows: GeneratedRows | null = null
  readonly #opts: RoutingServiceOptions
  readonly #rowListeners = new Set<() => void>()
  readonly #decisionListeners = new Set<(d: RouteDecision) => void>()
  #starting: Promise<void> | null = null

  constructor (opts: RoutingServiceOptions) {
    this.#opts = opts
    const c = opts.config ?? {}
    const { contexts: _c, routeUrl: _u, httpTimeout: _h, codecs: _x, pjsipTransport: _p, sipTransport: _s, ...settings } = c
    this.settings = routingSettings(settings)
    this.view = new RoutingView({
      store: opts.store,
      ...(opts.soft !== undefined ? { soft: opts.soft } : {}),
      nodeStates: opts.nodeStates ?? null,
      self: { name: opts.name, ...(opts.sipAddress !== undefined ? { sipAddress: opts.sipAddress } : {}), tech: this.settings.tech },
      settings: this.settings,
      ...(opts.log !== undefined ? { log: opts.log.child({ component: 'routing' }) } : {})
    })
  }

  /** Serving: nodes, registrations and generated rows current; the snapshot keeps building in the background. */
  start (): Promise<void> {
    this.#starting ??= this.#start()
    return this.#starting
  }

  /** Everything loaded: started, then the snapshot built (this starts the build: call it once serving). */
  ready (): Promise<void> {
    return this.start().then(async () => { await this.view.ready() })
  }

  /** What is still loading (empty once ready), e.g. for /readyz. */
  loading (): string[] {
    return this.view.built ? [] : ['routing snapshot']
  }

  async #start (): Promise<void> {
    await this.view.start()
    const c = this.#opts.config ?? {}
    const rows = this.#rows = new GeneratedRows({
      view: this.view,
      ...(c.contexts !== undefined ? { contexts: c.contexts } : {}),
      routeUrl: () => c.routeUrl ?? this.#opts.routeUrl?.(),
      ...(c.httpTimeout !== undefined ? { httpTimeout: c.httpTimeout } : {}),
      trunks: {
        ...(c.codecs !== undefined ? { codecs: c.codecs } : {}),
        ...(c.pjsipTransport !== undefined ? { pjsipTransport: c.pjsipTransport } : {}),
        ...(c.sipTransport !== undefined ? { sipTransport: c.sipTransport } : {})
      },
      ...(this.#opts.log !== undefined ? { log: this.#opts.log.child({ component: 'routing' }) } : {})
    })
    rows.on('change', () => { for (const fn of this.#rowListeners) fn() })
  }

  /** The `/route` plugin (register at the root, no prefix). */
  get plugin (): FastifyPluginAsync {
    return routePlugin({
      snapshot: () => this.view.snapshot,
      counters: this.counters,
      building: () => this.view.built ? undefined : this.view.ready(),
      onDecision: (d) => { for (const fn of this.#decisionListeners) fn(d) },
      ...(this.#opts.buildWaitMs !== undefined ? { buildWaitMs: this.#opts.buildWaitMs } : {}),
      ...(this.#opts.bodyLimit !== undefined ? { bodyLimit: this.#opts.bodyLimit } : {})
    })
  }

  /** The realtime plugin's extra-rows hook: generated rows of a family (none before start()). */
  readonly extraRows = (family: string): readonly GeneratedRow[] => this.#rows?.rows(family) ?? []

  /** Calls `fn` whenever the generated rows change (the realtime plugin drops its cached answers); returns an unsubscribe. */
  onExtraRowsChange (fn: () => void): () => void {
    this.#rowListeners.add(fn)
    return () => { this.#rowListeners.delete(fn) }
  }

  /** Calls `fn` with every decision /route answers to a dialplan (live call state reserves trunk channels with it); returns an unsubscribe. */
  onDecision (fn: (d: RouteDecision) => void): () => void {
    this.#decisionListeners.add(fn)
    return () => { this.#decisionListeners.delete(fn) }
  }

  /** The inter-node trunks now (endpoint names), for status and tests. */
  trunks (): string[] {
    return this.#rows?.trunks.trunks.map((t) => t.endpoint) ?? []
  }

  metrics (): Metric[] {
    const states = this.view.nodeStates()
    return [
      ...this.counters.metrics(),
      { name: 'federator_route_nodes', help: 'Nodes as routing sees them, by state', type: 'gauge', samples: Object.entries(states).map(([state, value]) => ({ labels: { state }, value })) },
      { name: 'federator_route_internode_trunks', help: 'Generated inter-node trunks', type: 'gauge', samples: [{ value: this.#rows?.trunks.trunks.length ?? 0 }] },
      { name: 'federator_route_unusable_records', help: 'Records left out of routing (malformed fields, invalid patterns)', type: 'gauge', samples: [{ value: this.view.snapshot.invalid().size }] },
      { name: 'federator_route_snapshot_entries', help: 'What the in-memory routing snapshot holds, by part (every routing record is in it: it is not a cache)', type: 'gauge', samples: Object.entries(this.view.snapshot.sizes()).map(([part, value]) => ({ labels: { part }, value })) },
      { name: 'federator_route_snapshot_bytes', help: 'Heap held by the in-memory routing snapshot, by part (estimated: entries × measured bytes per entry)', type: 'gauge', samples: Object.entries(this.view.snapshot.bytes()).map(([part, value]) => ({ labels: { part }, value })) }
    ]
  }

  close (): void {
    this.#rows?.close()
    this.view.close()
    this.#rowListeners.clear()
    this.#decisionListeners.clear()
  }
}
