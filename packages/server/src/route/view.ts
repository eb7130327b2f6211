/**
 * RoutingView: the one routing snapshot of this node, kept current.
 *
 * Opening runs in two steps, so that a node with many records answers at
 * once after a restart. `start()` attaches to the store's `'changes'` first
 * (buffering them), scans the node records (a few dozen), then — in one
 * synchronous step, so nothing slips between — reads the registrations and
 * node heartbeats from soft state and attaches to its `'change'` events and
 * to the node-state source: the nodes (hence the generated inter-node trunks)
 * and the registrations are current from here on. The routing records
 * (users, devices, trunks, providers, routes) are then scanned into the
 * snapshot in the background, yielding to the event loop every
 * `BUILD_YIELD_EVERY` records; record changes arriving meanwhile are buffered
 * and replayed after the scan (node changes apply at once). `ready()` waits
 * for both steps; `built` says whether the snapshot is complete — until then
 * `/route` must not answer from it (plugin.ts waits, bounded). From then on
 * every event touches only the records it concerns (MemorySnapshot's
 * incremental updates); `/route` reads the snapshot without any per-call
 * preparation.
 *
 * Nodes (nodes.ts) are recomputed as a whole when a node record changes, a
 * node changes state, or a heartbeat brings a new name, SIP address or writer
 * key (a few dozen nodes at most; not on every heartbeat); only
 * nodes that differ are written to the snapshot. When the soft-state owner
 * behind a node changes (first heartbeat, record replicated, revocation), that
 * node's registrations are reloaded from soft state. `'nodes'` is emitted when
 * any node changed: the generated inter-node trunks may differ (rows.ts).
 *
 * When the store rebuilds its view (a revocation cuts a writer's later
 * entries: records change without change events), a fresh snapshot is built
 * the same way beside the current one, which keeps answering and following
 * changes meanwhile, and swapped in (readers take `snapshot` per call).
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { CONTACT_KIND, HEALTH_KEY, HEALTH_KIND, MemorySnapshot, ROUTING_RECORD_TYPES, SIPREG_KIND, type NodeInput, type RouteIndexOptions, type RoutingContact, type RoutingSettings } from '@federator/core'
import { mergeNodes, nodeRecordInfo, sameNode, type NodeRecordInfo, type SelfInfo } from './nodes.js'
import { isRegistrationKind, routingContact } from './registrations.js'
import { isCallStateKind, RoutingCallState } from './callstate.js'
import type { NodeStateSource, RecordChange, RoutingStore, SoftChange, SoftTable } from '../ports.js'

/** The background scan of the routing records yields to the event loop after this many records (requests are served meanwhile). */
export const BUILD_YIELD_EVERY = 500

const yieldToLoop = async (): Promise<void> => { await new Promise<void>((resolve) => setImmediate(resolve)) }

export interface RoutingViewOptions {
  store: RoutingStore
  /** registrations and heartbeats; absent: no registrations are known */
  soft?: SoftTable
  /** node health; absent or null (not in a cluster): every other node counts as dead */
  nodeStates?: NodeStateSource | null
  /** this node: name, SIP address for inter-node calls, driver */
  self: Omit<SelfInfo, 'id' | 'owner'>
  settings?: Partial<RoutingSettings>
  index?: RouteIndexOptions
  log?: Logger
  now?: () => number
  /** records scanned between two yields to the event loop (default BUILD_YIELD_EVERY) */
  yieldEvery?: number
}

export declare interface RoutingView {
  on (event: 'nodes', fn: () => void): this
  off (event: 'nodes', fn: () => void): this
}

export class RoutingView extends EventEmitter {
  #snapshot: MemorySnapshot
  readonly #opts: RoutingViewOptions
  readonly #self: SelfInfo
  readonly #now: () => number
  #records = new Map<string, NodeRecordInfo>()
  #nodes = new Map<string, NodeInput>()
  #owners = new Map<string, string>()
  /** record changes during the first load (applied after it; node changes too until the nodes are loaded) */
  #buffer: RecordChange[] | null = null
  /** changes during a reload (applied to the current snapshot too, and replayed on the new one) */
  #reloadBuffer: RecordChange[] | null = null
  #starting: Promise<void> | null = null
  #opening: Promise<void> | null = null
  #built = false
  #reloading: Promise<void> = Promise.resolve()
  #closed = false
  #attached = false
  /** soft-state owner → name, SIP address and writer key of its last heartbeat (see #heardNew) */
  #heard = new Map<string, string>()
  #refreshQueued = false
  /** live call state (busy devices, channels per trunk) from every node's items */
  readonly #calls = new RoutingCallState()

  readonly #onChanges = (changes: RecordChange[]): void => {
    if (this.#buffer !== null) {
      // once the nodes are loaded (#attached), node changes apply at once; the rest waits for the scan
      const now: RecordChange[] = []
      for (const c of changes) (this.#attached && c.type === 'node' ? now : this.#buffer).push(c)
      if (now.length > 0) this.#guard('store changes', () => this.#applyChanges(now))
      return
    }
    if (this.#reloadBuffer !== null) for (const c of changes) this.#reloadBuffer.push(c)
    this.#guard('store changes', () => this.#applyChanges(changes))
  }

  readonly #onRebuilt = (): void => {
    this.#reloading = this.#reloading
      .then(async () => { await (this.#opening ?? this.#starting); await this.#reload() })
      .catch((err: unknown) => { this.#opts.log?.error({ err }, 'routing view: reload after a store rebuild failed') })
  }

  readonly #onSoft = (c: SoftChange): void => {
    this.#guard('soft-state change', () => this.#applySoft(c))
  }

  readonly #onNodeState = (): void => {
    this.#guard('node state', () => this.#refreshNodes())
  }

  constructor (opts: RoutingViewOptions) {
    super()
    this.#opts = opts
    this.#now = opts.now ?? Date.now
    this.#self = { ...opts.self, id: opts.store.writerKey, ...(opts.soft !== undefined ? { owner: opts.soft.owner } : {}) }
    this.#snapshot = this.#emptySnapshot()
  }

  /** The current snapshot (a new object after a store rebuild: read it per call). */
  get snapshot (): MemorySnapshot { return this.#snapshot }

  #emptySnapshot (): MemorySnapshot {
    const { settings, index } = this.#opts
    return new MemorySnapshot({ self: this.#self.id, settings: settings ?? {}, ...(index !== undefined ? { index } : {}) })
  }

  /** The node records. */
  async #scanNodes (): Promise<Map<string, NodeRecordInfo>> {
    const records = new Map<string, NodeRecordInfo>()
    for await (const r of this.#opts.store.scan('node')) {
      const info = this.#nodeInfo(r.id, r.fields)
      if (info !== undefined) records.set(r.id, info)
    }
    return records
  }

  /** Scans the routing records into `snap`, yielding to the event loop every `yieldEvery` records. */
  async #scanRecords (snap: MemorySnapshot): Promise<void> {
    const every = Math.max(1, this.#opts.yieldEvery ?? BUILD_YIELD_EVERY)
    let n = 0
    for (const type of ROUTING_RECORD_TYPES) {
      for await (const r of this.#opts.store.scan(type)) {
        if (this.#closed) return
        snap.put(type, r.id, r.fields)
        if (++n % every === 0) await yieldToLoop()
      }
    }
  }

  /** Whether the snapshot holds every routing record (false while the first scan runs). */
  get built (): boolean { return this.#built }

  /** Nodes and registrations loaded and followed; the routing records load in the background (see `ready()`). */
  start (): Promise<void> {
    this.#starting ??= this.#start()
    return this.#starting
  }

  /** Everything loaded: the snapshot is complete (`built`). */
  ready (): Promise<void> {
    this.#opening ??= this.#open()
    return this.#opening
  }

  async #start (): Promise<void> {
    const { store, soft, nodeStates } = this.#opts
    this.#buffer = []
    store.on('changes', this.#onChanges)
    store.on('rebuilt', this.#onRebuilt)
    this.#records = await this.#scanNodes()
    if (this.#closed) return
    const buffered = this.#buffer
    this.#buffer = buffered.filter((c) => c.type !== 'node')
    for (const c of buffered) if (c.type === 'node') this.#setRecord(c.id, c.after)
    // one synchronous step: current soft state, then its events
    soft?.on('change', this.#onSoft)
    this.#calls.load(this.#snapshot, soft)
    nodeStates?.on('node-state', this.#onNodeState)
    this.#attached = true
    this.#refreshNodes()
  }

  async #open (): Promise<void> {
    const t0 = performance.now()
    await this.start()
    if (this.#closed) return
    try {
      await this.#scanRecords(this.#snapshot)
    } finally {
      const buffered = this.#buffer ?? []
      this.#buffer = null
      if (!this.#closed) this.#applyChanges(buffered)
    }
    if (this.#closed) return
    this.#built = true
    this.#opts.log?.info({ ms: Math.round(performance.now() - t0), routes: this.#snapshot.routeCount, nodes: this.#nodes.size, unusable: this.#snapshot.invalid().size }, 'routing view ready')
  }

  /** After a store rebuild: a fresh snapshot from the store, swapped in with nodes and registrations. */
  async #reload (): Promise<void> {
    if (this.#closed || !this.#attached) return
    const t0 = performance.now()
    const buffer: RecordChange[] = this.#reloadBuffer = []
    const next = this.#emptySnapshot()
    let records: Map<string, NodeRecordInfo>
    try {
      records = await this.#scanNodes()
      await this.#scanRecords(next)
    } finally {
      this.#reloadBuffer = null
    }
    if (this.#closed) return
    // one synchronous step: swap, replay, then every node and registration afresh
    this.#snapshot = next
    this.#records = records
    this.#applyChanges(buffer, false)
    this.#calls.writeAll(next)
    this.#nodes = new Map()
    this.#owners = new Map()
    this.#refreshNodes()
    this.#opts.log?.info({ ms: Math.round(performance.now() - t0), routes: next.routeCount }, 'routing view reloaded after a store rebuild')
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#opts.store.off('changes', this.#onChanges)
    this.#opts.store.off('rebuilt', this.#onRebuilt)
    if (this.#attached) {
      this.#opts.soft?.off('change', this.#onSoft)
      this.#opts.nodeStates?.off('node-state', this.#onNodeState)
    }
  }

  /** Node ids by state (for metrics). */
  nodeStates (): Record<'alive' | 'suspect' | 'dead', number> {
    const out = { alive: 0, suspect: 0, dead: 0 }
    for (const n of this.#nodes.values()) out[n.state]++
    return out
  }

  // ---- internals -------------------------------------------------------------

  #guard (what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.#opts.log?.error({ err }, `routing view: ${what} not applied`)
    }
  }

  /** A node record as routing uses it, with the version of its name (who claimed the name first). */
  #nodeInfo (id: string, fields: Record<string, unknown> | undefined): NodeRecordInfo | undefined {
    const info = nodeRecordInfo(id, fields)
    const since = info === undefined ? undefined : this.#opts.store.fieldVersion?.('node', id, 'name')
    if (since !== undefined) info!.nameSince = since as NodeRecordInfo['nameSince']
    return info
  }

  #setRecord (id: string, fields: Record<string, unknown> | undefined): void {
    const info = this.#nodeInfo(id, fields)
    if (info === undefined) this.#records.delete(id)
    else this.#records.set(id, info)
  }

  #applyChanges (changes: readonly RecordChange[], refresh = true): void {
    let nodes = false
    for (const c of changes) {
      if (c.type === 'node') { this.#setRecord(c.id, c.after); nodes = true } else this.#snapshot.applyChange(c)
    }
    if (nodes && refresh && this.#attached) this.#refreshNodes()
  }

  #applySoft (c: SoftChange): void {
    if (c.kind === HEALTH_KIND) {
      if (c.owner !== this.#opts.soft?.owner && this.#heardNew(c)) this.#queueRefresh()
      return
    }
    if (isCallStateKind(c.kind)) { this.#calls.apply(this.#snapshot, c); return }
    if (!isRegistrationKind(c.kind)) return
    const node = this.#owners.get(c.owner)
    if (node === undefined) return // owner not known yet: loaded when it is (#refreshNodes)
    const contact = c.value === undefined ? undefined : routingContact(c.kind, c.key, node, c.value, this.#now())
    if (contact === undefined) this.#snapshot.removeContact(node, c.key)
    else this.#snapshot.putContact(contact)
  }

  /**
   * Whether a health item may change what routing knows of its node: a heartbeat whose name, SIP address
   * and writer key are those of the owner's last one does not (its state changes come as node-state
   * events), so the nodes are not recomputed on every heartbeat (O(N) each, N heartbeats per period).
   */
  #heardNew (c: SoftChange): boolean {
    if (c.key !== HEALTH_KEY) return true
    if (c.value === undefined) { this.#heard.delete(c.owner); return true }
    const v = c.value as { name?: unknown, sipAddress?: unknown, writerKey?: unknown } | null
    const print = `${String(v?.name)}\n${String(v?.sipAddress)}\n${String(v?.writerKey)}`
    if (this.#heard.get(c.owner) === print) return false
    this.#heard.set(c.owner, print)
    return true
  }

  /**
   * The nodes recomputed once the soft-state change being delivered has reached every listener (node
   * health among them: nodes() then shows the new heartbeat).
   */
  #queueRefresh (): void {
    if (this.#refreshQueued) return
    this.#refreshQueued = true
    queueMicrotask(() => {
      this.#refreshQueued = false
      if (this.#attached && !this.#closed) this.#guard('node heartbeat', () => this.#refreshNodes())
    })
  }

  /** Recompute the nodes; write those that differ; reload the registrations of nodes whose owner changed. */
  #refreshNodes (): void {
    const merged = mergeNodes(this.#self, this.#records.values(), this.#opts.nodeStates?.nodes() ?? [])
    let changed = false
    const next = new Map<string, NodeInput>()
    for (const n of merged.nodes) {
      next.set(n.id, n)
      if (!sameNode(this.#nodes.get(n.id), n)) { this.#snapshot.setNode(n); changed = true }
    }
    for (const id of this.#nodes.keys()) {
      if (!next.has(id)) { this.#snapshot.removeNode(id); changed = true }
    }
    const affected = new Set<string>()
    for (const [owner, id] of merged.owners) if (this.#owners.get(owner) !== id) affected.add(id)
    for (const [owner, id] of this.#owners) if (merged.owners.get(owner) !== id) affected.add(id)
    this.#nodes = next
    this.#owners = merged.owners
    if (affected.size > 0) this.#reloadContacts(affected)
    if (changed) this.emit('nodes')
  }

  /** Registrations of these nodes, afresh from soft state (their owners changed). */
  #reloadContacts (nodes: ReadonlySet<string>): void {
    const soft = this.#opts.soft
    const found = new Map<string, RoutingContact[]>()
    for (const id of nodes) found.set(id, [])
    if (soft !== undefined) {
      const now = this.#now()
      for (const kind of [CONTACT_KIND, SIPREG_KIND]) {
        for (const it of soft.get(kind)) {
          const id = this.#owners.get(it.owner)
          const list = id === undefined ? undefined : found.get(id)
          if (list === undefined || id === undefined) continue
          const c = routingContact(kind, it.key, id, it.value, it.seq ?? now)
          if (c !== undefined) list.push(c)
        }
      }
    }
    for (const [id, list] of found) this.#snapshot.replaceContacts(id, list)
  }
}
