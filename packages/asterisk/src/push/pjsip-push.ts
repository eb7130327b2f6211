/**
 * Push mode (docs/asterisk.md, "Push mode"): Asterisk's PJSIP endpoints,
 * auths, AORs, domain aliases, identifies and outbound registrations live in
 * its `memory` sorcery wizard, and this feature keeps them equal to what the
 * node's realtime families answer — the same rows a realtime lookup would get,
 * read directly (RealtimeService.rows: typed, not counted as Asterisk's
 * requests; core push.ts says which family is which object, and what to send).
 *
 * One mechanism does everything: a queue of ids to make right. Working an id
 * reads its rows in the six families (realtime single lookups), compares
 * them with what was pushed for it (`pushed`) and sends the PUTs and DELETEs
 * core pushOps() lists, in its order (object-writer.ts). Two queues: `urgent` (changes: the
 * store's 'changes' events, local or replicated, a user's devices, drift
 * repairs) goes before `bulk` (the full push), so a change made during a long
 * full push still reaches Asterisk in milliseconds; an id queued again while
 * it is worked is worked again after (always with the rows of that moment).
 *
 * - ARI `connect` (Asterisk started or restarted, node started, WebSocket back):
 *   full push — every id the families list, plus every id pushed before and every
 *   PJSIP endpoint Asterisk lists that the node did not push (deleted there),
 *   forced (Asterisk may have forgotten everything). Ids with registrations go
 *   first (the phones that come back first after a restart). In two stages:
 *   every id's auth and AOR, then every id's endpoint and the rest (Asterisk
 *   reads every endpoint for each AOR created: device by device the push would
 *   cost the square of the devices); a REGISTER is never challenged for a
 *   half-pushed device. With `transports` (sorcery.conf `transport = memory`) Asterisk
 *   listens for SIP only once the first full push is done: a REGISTER sent before is
 *   not answered (never refused) and its retransmission finds its device.
 * - every `driftCheckMs` (drift-check.ts): Asterisk's endpoint list against `pushed`
 *   (missing ones pushed again, strays deleted), and a rolling read-back of
 *   `driftBatch` objects compared field by field with what was pushed (a 404 or
 *   a changed field is pushed again). Counted in /metrics.
 * - an outbound registration is acted on only when Asterisk creates it
 *   (object-writer.ts): a changed one is deleted and created again, one to create
 *   waits for the transports (the full push pushes it after them), and at a connect
 *   it is recreated only when Asterisk's differs (a node restart un-REGISTERs nothing).
 * - while ARI is down nothing is sent; the connect's full push catches up.
 */
import type { Logger } from 'pino'
import { PUSH_FAMILIES, type Metric, type PushStage, type Row, type RowsById } from '@federator/core'
import type { AriClient } from '../ari-client.js'
import type { AsteriskFeature } from '../link.js'
import type { OwnContacts, PushChange, PushStore, RealtimeRows } from '../ports.js'
import { DriftCheck } from './drift-check.js'
import { ObjectWriter, ariStatus } from './object-writer.js'

/** Tunables (overridable by options: the config file's `asterisk.push`). */
export const PUSH_TUNABLES = {
  /**
   * ids worked at once (each is 1–6 requests in a row). Asterisk's HTTP server answers fastest with
   * few requests in flight (a thread per connection): 4–8 beat 64 by 2× on 2 cores
   */
  concurrency: 8,
  /** period of the drift check (read back, compare, repair); 0: off */
  driftCheckMs: 60_000,
  /** objects read back and compared field by field per drift check (the endpoint list is read whole) */
  driftBatch: 500,
  /** a failed request is logged at most this often (the rest counted) */
  warnIntervalMs: 10_000,
  /**
   * wait between deleting an outbound registration and creating it again: Asterisk tells the
   * registration module of a deletion later, on its sorcery observer queue, and that module then drops
   * the registration of that id — the new one too, if it was created meanwhile (Asterisk 20.20.1: the
   * new account never REGISTERed, about one time in three without a wait)
   */
  registrationRecreateMs: 1000
}
export type PushTunables = typeof PUSH_TUNABLES

export interface PjsipPushOptions {
  ari: AriClient
  realtime: RealtimeRows
  store: PushStore
  /** this node's registrations: their ids go first in a full push */
  contacts?: Pick<OwnContacts, 'all'>
  /**
   * SIP transports pushed once every id of the first full push is there (sorcery.conf `transport =
   * memory`): Asterisk has no SIP listener until then, so a REGISTER sent meanwhile is not refused,
   * only unanswered, and its retransmission is answered once the device exists. Never pushed again
   * while Asterisk holds them (a transport is not reloadable).
   */
  transports?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** subscribe to the routing's extra rows changes (inter-node trunks); returns the unsubscribe */
  onExtraRowsChange?: (fn: () => void) => () => void
  log: Logger
  tunables?: Partial<PushTunables>
}

/** `stage`: a part of the id's objects only (a full push: auths and AORs of every id first); absent: all */
interface Work { force: boolean, stray: boolean, stage?: PushStage }

/** Two works of one id in one: the union of what each does. */
function mergeWork (a: Work | undefined, b: Work): Work {
  if (a === undefined) return b
  const w: Work = { force: a.force || b.force, stray: a.stray || b.stray }
  if (a.stage !== undefined && a.stage === b.stage) w.stage = a.stage
  return w
}

const ALL_IDS = [{ column: 'id', op: 'LIKE' as const, value: '%', truncated: false }]


export class PjsipPush implements AsteriskFeature {
  readonly name = 'pjsip-push'
  readonly tunables: PushTunables
  readonly counters = { fullPushes: 0, puts: 0, deletes: 0, errors: 0, driftChecks: 0, driftRepairs: 0, changes: 0, transports: 0, lookupMs: 0, requestMs: 0 }
  /** what Asterisk holds, as far as this node knows: family → id → row */
  private readonly pushed = new Map<string, Map<string, Row>>(PUSH_FAMILIES.map((f) => [f, new Map()]))
  private readonly urgent = new Map<string, Work>()
  private readonly bulk = new Map<string, Work>()
  private readonly working = new Set<string>()
  private readonly again = new Map<string, Work>()
  private readonly devicesOfUser = new Map<string, Set<string>>()
  private readonly userOfDevice = new Map<string, string>()
  private workers = 0
  private epoch = 0
  private fullPushStart = 0
  private fullPushing = false
  /** duration of the last full push, ms (-1: none finished yet) */
  lastFullPushMs = -1
  private timer: NodeJS.Timeout | null = null
  private readonly drift: DriftCheck
  private driftRunning = false
  /** the ARI side: one id's operations, outbound registrations' special cases */
  private readonly writer: ObjectWriter
  /** the last full push failed before it was done (the realtime families could not be listed…): the drift check redoes it */
  private fullPushFailed = false
  private lastWarn = 0
  private flushScheduled = false
  private readonly changed = new Set<string>()
  private fullDiffWanted = false
  private unsubscribeExtra: (() => void) | null = null
  private closed = false
  private readonly waiters: Array<() => void> = []
  private readonly log: Logger

  constructor (private readonly o: PjsipPushOptions) {
    this.tunables = { ...PUSH_TUNABLES, ...o.tunables }
    this.log = o.log.child({ component: 'pjsip-push' })
    this.writer = new ObjectWriter({ ari: o.ari, pushed: this.pushed, counters: this.counters, recreateWaitMs: () => this.tunables.registrationRecreateMs, log: this.log })
    this.drift = new DriftCheck({
      ari: o.ari,
      pushed: (family) => this.pushed.get(family)!,
      repair: (id, stray) => { this.queue(this.urgent, id, { force: true, stray }) },
      batch: () => this.tunables.driftBatch,
      log: this.log
    })
  }

  private readonly onConnect = (): void => { void this.fullPush() }
  private readonly onChanges = (changes: PushChange[]): void => { this.noteChanges(changes) }

  start (): void {
    this.o.ari.on('connect', this.onConnect)
    this.o.store.on('changes', this.onChanges)
    this.unsubscribeExtra = this.o.onExtraRowsChange?.(() => { this.fullDiffWanted = true; this.scheduleFlush() }) ?? null
    if (this.tunables.driftCheckMs > 0) {
      this.timer = setInterval(() => { void this.driftCheck() }, this.tunables.driftCheckMs)
      this.timer.unref()
    }
    if (this.o.ari.connected) void this.fullPush()
  }

  close (): void {
    this.closed = true
    this.o.ari.off('connect', this.onConnect)
    this.o.store.off('changes', this.onChanges)
    this.unsubscribeExtra?.()
    if (this.timer !== null) clearInterval(this.timer)
    for (const w of this.waiters.splice(0)) w()
  }

  /** Objects pushed and held (as far as the node knows), per family. */
  pushedCount (family?: string): number {
    if (family !== undefined) return this.pushed.get(family)?.size ?? 0
    let n = 0
    for (const m of this.pushed.values()) n += m.size
    return n
  }

  /** Ids waiting or being worked. */
  get pending (): number { return this.urgent.size + this.bulk.size + this.working.size + this.again.size }

  /** True once a full push finished since the last connect (and nothing is waiting). */
  get settled (): boolean { return !this.fullPushing && this.pending === 0 && this.o.ari.connected }

  /** Resolves when nothing is waiting (tests, the bench). */
  async idle (): Promise<void> {
    while (!this.closed && (this.pending > 0 || this.fullPushing || this.flushScheduled)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  // ---- what is wanted: the realtime answers ----

  private async rowsOf (id: string): Promise<RowsById> {
    return await this.o.realtime.rowsById(PUSH_FAMILIES, id)
  }

  private async allIds (): Promise<string[]> {
    const ids = new Set<string>()
    for (const family of PUSH_FAMILIES) {
      for (const row of await this.o.realtime.rows(family, 'multi', ALL_IDS)) {
        const id = row.id
        if (typeof id === 'string' && id !== '') ids.add(id)
      }
    }
    return [...ids]
  }

  // ---- changes ----

  private noteChanges (changes: PushChange[]): void {
    for (const c of changes) {
      if (c.type === 'device') {
        this.changed.add(c.id)
        this.trackUser(c.id, c.after?.user)
      } else if (c.type === 'trunk') {
        this.changed.add(c.id)
      } else if (c.type === 'user') {
        for (const d of this.devicesOfUser.get(c.id) ?? []) this.changed.add(d)
      } else if (c.type === 'row' || c.type === 'table' || c.type === 'node') {
        // domain aliases are generic rows; node records change the inter-node trunks (extra rows)
        if (c.type !== 'node' || this.o.onExtraRowsChange === undefined) this.fullDiffWanted = true
      } else continue
      this.counters.changes++
    }
    this.scheduleFlush()
  }

  private trackUser (device: string, user: unknown): void {
    const old = this.userOfDevice.get(device)
    if (old !== undefined) { this.devicesOfUser.get(old)?.delete(device); this.userOfDevice.delete(device) }
    if (typeof user === 'string' && user !== '') {
      this.userOfDevice.set(device, user)
      let s = this.devicesOfUser.get(user)
      if (s === undefined) this.devicesOfUser.set(user, s = new Set())
      s.add(device)
    }
  }

  /** Work the changed ids after the current event (the realtime indexes follow the same event first). */
  private scheduleFlush (): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      for (const id of this.changed) this.queue(this.urgent, id, { force: false, stray: false })
      this.changed.clear()
      if (this.fullDiffWanted && this.o.ari.connected) {
        this.fullDiffWanted = false
        void this.diffAll()
      }
      this.pump()
    })
  }

  private queue (q: Map<string, Work>, id: string, w: Work): void {
    if (this.working.has(id)) {
      this.again.set(id, mergeWork(this.again.get(id), w))
      return
    }
    q.set(id, mergeWork(q.get(id), w))
  }

  // ---- full push, full diff ----

  /** Every id again, forced: Asterisk may have forgotten everything (a connect). */
  async fullPush (): Promise<void> {
    if (this.closed) return
    const epoch = ++this.epoch
    this.fullPushing = true
    this.fullPushStart = performance.now()
    this.writer.reset(Object.keys(this.o.transports ?? {}).length > 0)
    // the changes noted so far are in the listing below (rows are read when an id is worked)
    this.urgent.clear()
    try {
      const [ids, stray] = await Promise.all([this.allIds(), this.asteriskEndpoints().catch(() => new Set<string>())])
      if (epoch !== this.epoch || this.closed) return
      await this.loadUsers()
      const wanted = new Set(ids)
      const first = new Set<string>()
      for (const c of this.o.contacts?.all() ?? []) if (wanted.has(c.aor)) first.add(c.aor)
      // two stages (core PushObject.early): every id's auth and AOR, then every id's endpoint and the rest
      this.bulk.clear()
      for (const id of first) this.queue(this.bulk, id, { force: true, stray: false, stage: 'early' })
      for (const id of ids) this.queue(this.bulk, id, { force: true, stray: false, stage: 'early' })
      this.log.info({ ids: this.bulk.size, first: first.size }, 'ARI connected: full push of the PJSIP objects')
      this.pump()
      await this.drained(epoch)
      if (epoch !== this.epoch) return
      for (const id of first) this.queue(this.bulk, id, { force: true, stray: false, stage: 'rest' })
      for (const id of ids) this.queue(this.bulk, id, { force: true, stray: false, stage: 'rest' })
      for (const m of this.pushed.values()) for (const id of m.keys()) if (!wanted.has(id)) this.queue(this.bulk, id, { force: true, stray: false })
      for (const id of stray) if (!wanted.has(id)) this.queue(this.bulk, id, { force: true, stray: true })
      this.pump()
      await this.drained(epoch)
      if (epoch !== this.epoch) return
      await this.ensureTransports()
      this.writer.transportsReady = true
      if (this.writer.deferred.size > 0) {
        // the outbound registrations, now that Asterisk has its transports (it refuses them before)
        for (const id of this.writer.deferred) this.queue(this.bulk, id, { force: true, stray: false })
        this.writer.deferred.clear()
        this.pump()
        await this.drained(epoch)
        if (epoch !== this.epoch) return
      }
      this.fullPushFailed = false
      this.lastFullPushMs = Math.round(performance.now() - this.fullPushStart)
      this.counters.fullPushes++
      this.log.info({ ms: this.lastFullPushMs, objects: this.pushedCount(), errors: this.counters.errors, lookupMs: Math.round(this.counters.lookupMs), requestMs: Math.round(this.counters.requestMs) }, 'full push done')
    } catch (err) {
      this.counters.errors++
      this.fullPushFailed = true
      this.log.error({ err }, 'full push failed: retried at the next connect or drift check')
    } finally {
      if (epoch === this.epoch) { this.fullPushing = false; this.wake() }
    }
  }

  /** Push the configured transports Asterisk does not hold (after a full push, at a drift check). */
  private async ensureTransports (): Promise<number> {
    let opened = 0
    for (const [name, fields] of Object.entries(this.o.transports ?? {})) {
      const path = `asterisk/config/dynamic/res_pjsip/transport/${encodeURIComponent(name)}`
      const held = await this.o.ari.request('GET', path).then(() => true, (err: unknown) => {
        if (ariStatus(err) === 404) return false
        throw err
      })
      if (held) continue
      await this.o.ari.request('PUT', path, { body: { fields: Object.entries(fields).map(([attribute, value]) => ({ attribute, value })) } })
      this.counters.transports++
      opened++
      this.log.info({ transport: name, bind: fields.bind }, 'SIP transport pushed: Asterisk takes SIP requests from now on')
    }
    return opened
  }

  /** Every id compared with what was pushed (not forced): after a change that may touch many ids. */
  private async diffAll (): Promise<void> {
    try {
      const ids = new Set(await this.allIds())
      for (const m of this.pushed.values()) for (const id of m.keys()) ids.add(id)
      for (const id of ids) this.queue(this.bulk, id, { force: false, stray: false })
      this.pump()
    } catch (err) {
      this.log.warn({ err }, 'push: listing the families failed')
    }
  }

  private async loadUsers (): Promise<void> {
    this.devicesOfUser.clear()
    this.userOfDevice.clear()
    for await (const d of this.o.store.scan('device')) this.trackUser(d.id, d.fields.user)
  }

  /** The PJSIP endpoints Asterisk holds (ARI `GET endpoints`). */
  private async asteriskEndpoints (): Promise<Set<string>> {
    const list = await this.o.ari.request<Array<{ technology: string, resource: string }>>('GET', 'endpoints')
    return new Set(list.filter((e) => e.technology === 'PJSIP').map((e) => e.resource))
  }

  private async drained (epoch: number): Promise<void> {
    while (epoch === this.epoch && !this.closed && (this.bulk.size > 0 || this.working.size > 0 || this.again.size > 0)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  private wake (): void {
    for (const w of this.waiters.splice(0)) w()
  }

  // ---- workers ----

  private pump (): void {
    while (this.workers < this.tunables.concurrency && this.o.ari.connected && !this.closed && (this.urgent.size > 0 || this.bulk.size > 0)) {
      this.workers++
      void this.worker().finally(() => { this.workers--; this.wake() })
    }
    this.wake()
  }

  private next (): [string, Work] | undefined {
    for (const q of [this.urgent, this.bulk]) {
      for (const [id, w] of q) {
        if (this.working.has(id)) continue
        q.delete(id)
        return [id, w]
      }
    }
    return undefined
  }

  private async worker (): Promise<void> {
    let item: [string, Work] | undefined
    while (this.o.ari.connected && !this.closed && (item = this.next()) !== undefined) {
      const [id, w] = item
      this.working.add(id)
      try {
        await this.work(id, w)
      } catch (err) {
        this.counters.errors++
        this.warn(err, id)
      } finally {
        this.working.delete(id)
        const a = this.again.get(id)
        if (a !== undefined) { this.again.delete(id); this.queue(a.stage === undefined ? this.urgent : this.bulk, id, a) } else if (this.drift.wantsVerify(id)) await this.drift.verify(id).catch(() => {})
      }
    }
  }

  private async work (id: string, w: Work): Promise<void> {
    const t0 = performance.now()
    const wanted = await this.rowsOf(id)
    const t1 = performance.now()
    this.counters.lookupMs += t1 - t0
    await this.writer.apply(id, wanted, w)
    this.counters.requestMs += performance.now() - t1
  }

  private warn (err: unknown, id: string): void {
    const now = Date.now()
    if (now - this.lastWarn < this.tunables.warnIntervalMs) return
    this.lastWarn = now
    this.log.warn({ err, id, errors: this.counters.errors }, 'push: Asterisk refused or did not answer (counted; retried at the next drift check or connect)')
  }

  // ---- drift ----

  /** Read back, compare, repair (drift-check.ts): the endpoint list, then a rolling batch of objects, field by field. */
  async driftCheck (): Promise<number> {
    if (this.driftRunning || this.fullPushing || !this.o.ari.connected || this.closed) return 0
    if (this.fullPushFailed) { void this.fullPush(); return 0 }
    this.driftRunning = true
    let repairs = 0
    try {
      this.counters.driftChecks++
      repairs += await this.drift.run()
      repairs += await this.ensureTransports()
      this.counters.driftRepairs += repairs
      if (repairs > 0) this.log.warn({ repairs }, 'drift check: Asterisk\'s objects differed from the node\'s view; pushing them again')
      this.pump()
    } catch (err) {
      this.warn(err, '(drift check)')
    } finally {
      this.driftRunning = false
    }
    return repairs
  }

  metrics (): Metric[] {
    const c = this.counters
    const m = (name: string, help: string, type: 'counter' | 'gauge', value: number): Metric => ({ name, help, type, samples: [{ value }] })
    return [
      m('federator_push_objects', 'PJSIP objects pushed into the local Asterisk\'s memory (push mode)', 'gauge', this.pushedCount()),
      m('federator_push_pending', 'Ids waiting to be pushed (changes, full push)', 'gauge', this.pending),
      m('federator_push_full_pushes_total', 'Full pushes finished (one per ARI connect)', 'counter', c.fullPushes),
      m('federator_push_last_full_push_seconds', 'Duration of the last full push', 'gauge', this.lastFullPushMs < 0 ? 0 : this.lastFullPushMs / 1000),
      m('federator_push_puts_total', 'Objects created or updated over ARI', 'counter', c.puts),
      m('federator_push_deletes_total', 'Objects deleted over ARI', 'counter', c.deletes),
      m('federator_push_errors_total', 'Pushes Asterisk refused or did not answer', 'counter', c.errors),
      m('federator_push_changes_total', 'Record changes that touched pushed objects', 'counter', c.changes),
      m('federator_push_lookup_seconds_total', 'Time spent reading the wanted rows (realtime lookups), summed over the ids worked', 'counter', c.lookupMs / 1000),
      m('federator_push_request_seconds_total', 'Time spent in ARI requests, summed over the ids worked', 'counter', c.requestMs / 1000),
      m('federator_push_drift_checks_total', 'Drift checks (read back, compare, repair)', 'counter', c.driftChecks),
      m('federator_push_transports_total', 'SIP transports pushed (each opens Asterisk\'s SIP listener)', 'counter', c.transports),
      m('federator_push_drift_uncompared_attributes', 'Attributes the drift check stopped comparing (Asterisk echoed them differently even right after a repair; each logged)', 'gauge', [...this.drift.ignored.values()].reduce((n, set) => n + set.size, 0)),
      m('federator_push_drift_repairs_total', 'Objects found missing, stray or with other field values in Asterisk, and repaired', 'counter', c.driftRepairs)
    ]
  }
}
