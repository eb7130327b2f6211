/**
 * The store: this node's log (one writable hypercore in a corestore), the logs
 * of the other writers it knows, and the merged LevelDB view.
 *
 * Everything that reads-and-modifies the view runs through one serial queue:
 * preparing local writes (existence checks, causal context, HLC) and applying
 * batches (local flushes from the Batcher, remote blocks from Followers). A
 * local write resolves only after its entry is in the log *and* applied; the
 * append and the view batch of a flush run concurrently (the write waits for
 * the slower one), so after a crash the view may hold the last flush while the
 * log does not: a view ahead of this node's own log is rebuilt on open.
 * Between preparation and application, `pending` holds each touched record's
 * state including the in-flight local entries, so later writes in the same
 * burst see earlier ones; remote entries applied meanwhile are merged into
 * those pending states too (the merge is order-independent, so this is exact).
 *
 * On open the view resumes from its per-writer checkpoints; a view that is
 * missing, unreadable or of another format is rebuilt from the logs.
 */
import { EventEmitter } from 'node:events'
import { mkdir, rm, readFile, appendFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import type Hypercore from 'hypercore'
import pino, { type Logger } from 'pino'
import {
  FedError, HlcClock, applyEntry, isAlive, isWriterKey, revocationOf, visibleFields, writerTag,
  type Entry, type Revocation, type Version, type Fields, type Hlc, type IndexName, type NewEntry, type RecordState, type WriterKey, type WriterTag
} from '@federator/core'
import { Batcher, type BatcherOptions, type Flushed } from './batcher.js'
import { Follower, READ_CHUNK_BLOCKS } from './follower.js'
import { View, ViewOpenError, type ApplyItem } from './view.js'
import { SEP } from './keys.js'
import { checkOp, entryFor, revokedError, toFedError } from './write-ops.js'
import type { SnapshotManifest } from './snapshot.js'
import { SparseBounds, type JoinResult, type SnapshotOptions } from './snapshot-join.js'
import { buildView } from './view-build.js'
import { StoreSnapshots } from './store-snapshots.js'
import type { Change, ConflictRecord, StoredRecord, WriteOp, WriteResult, WriterInfo } from './types.js'

export interface StoreOptions {
  /** data directory: cores/ (corestore), view/ (LevelDB), writers (known writer keys) */
  dir: string
  logger?: Logger
  /** wall clock for the HLC (tests skew it) */
  now?: () => number
  batcher?: BatcherOptions
  /** blocks read per apply batch when following a log */
  readChunk?: number
  /** ignore the existing view and rebuild it from the logs */
  rebuild?: boolean
  /** RocksDB memtable size of the log storage */
  logWriteBufferBytes?: number
  /** snapshot join of a fresh store (snapshot-join.ts) */
  snapshot?: SnapshotOptions
}

/** labels of the key pairs derived from the corestore's primary key */
export const SWARM_KEY_LABEL = 'federator-swarm'
export const CURSOR_KEY_LABEL = 'federator-cursor'
/** RocksDB memtable of the hypercore storage (its default, 64 MiB, costs RSS for nothing at our block rates) */
export const LOG_WRITE_BUFFER_BYTES = 8 * 1024 * 1024

interface PendingState { state: RecordState | undefined, inflight: number }

export declare interface Store {
  on (event: 'changes', fn: (changes: Change[]) => void): this
  on (event: 'writer', fn: (key: WriterKey) => void): this
  on (event: 'applied', fn: (key: WriterKey, applied: number) => void): this
  on (event: 'rebuilt', fn: (hash: string) => void): this
  on (event: 'snapshot-joined', fn: (result: JoinResult) => void): this
}

export class Store extends EventEmitter {
  readonly dir: string
  readonly log: Logger
  readonly clock: HlcClock
  private corestore!: Corestore
  /** this node's own log (read-only outside the store: tests read its length) */
  get core (): Hypercore { return this.ownLog }
  private ownLog!: Hypercore
  writerKey!: WriterKey
  writerTag!: WriterTag
  private view!: View
  private batcher!: Batcher
  private readonly followers = new Map<WriterKey, Follower>()
  private readonly pending = new Map<string, PendingState>()
  /** the append of the flush in flight (its view batch may be applied before it is done) */
  private appending: Promise<unknown> | null = null
  /** local writes waiting in the serial queue to be prepared (the last one starts the flush) */
  private preparing = 0
  private serial: Promise<unknown> = Promise.resolve()
  private opening: Promise<void> | null = null
  private closing: Promise<void> | null = null
  private readonly opts: StoreOptions
  private rebuildScheduled = false
  /** set while a rebuilt view is being swapped in */
  private swapping: Promise<void> | null = null
  /** below these log lengths a block missing locally is dead (snapshot join) */
  private sparse!: SparseBounds
  /** the snapshot side: the hold of a fresh store, manifests served, the join (store-snapshots.ts) */
  private readonly snapshots: StoreSnapshots

  constructor (opts: StoreOptions) {
    super()
    this.opts = opts
    this.dir = opts.dir
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'store' })
    this.clock = new HlcClock(opts.now)
    this.snapshots = new StoreSnapshots({
      log: this.log,
      writerKey: () => this.writerKey,
      options: opts.snapshot,
      ready: () => this.ready(),
      closing: () => this.closing !== null,
      view: () => this.view,
      sparse: () => this.sparse,
      core: (key) => key === this.writerKey ? this.ownLog : this.followers.get(key)?.core,
      addWriter: (key) => this.addWriter(key),
      quiet: async () => {
        if (this.swapping !== null) await this.swapping
        // a flush in flight may have its view batch applied before its append: wait until the log has it
        while (this.appending !== null) await this.appending.catch(() => {})
      },
      run: (fn) => this.run(fn),
      apply: async (items, applied) => {
        for (const item of items) for (const e of item.entries) this.clock.observe(e.hlc)
        await this.applyToView(items, applied, false)
      },
      viewHash: () => this.viewHash(),
      resetView: () => this.resetView(),
      kickAll: () => { for (const f of this.followers.values()) f?.kick() },
      joined: (result) => this.emit('snapshot-joined', result)
    })
  }

  ready (): Promise<void> {
    this.opening ??= this.open()
    return this.opening
  }

  private async open (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    // our own storage instance: RocksDB's default 64 MiB memtable (×2) is most of a node's native memory
    this.corestore = new Corestore(new CoreStorage(join(this.dir, 'cores'), { writeBufferSize: this.opts.logWriteBufferBytes ?? LOG_WRITE_BUFFER_BYTES }))
    this.ownLog = this.corestore.get({ name: 'log' })
    try {
      await this.core.ready()
    } catch (err) {
      await this.corestore.close().catch(() => {})
      if (/lock/i.test((err as Error)?.message ?? '')) {
        throw new FedError('FED_ERR_DATA_LOCKED', `The data directory ${this.dir} is in use by another process (a running node, or \`federator rebuild\`): stop it first, or give this one another data directory`)
      }
      throw err
    }
    this.writerKey = this.core.key.toString('hex') as WriterKey
    this.writerTag = writerTag(this.writerKey)
    this.batcher = new Batcher((blocks) => this.appendBlocks(blocks), (f) => this.commitLocal(f), this.opts.batcher, () => this.core.length)
    this.sparse = await SparseBounds.load(join(this.dir, 'sparse'))
    const fresh = !(await this.hasLogs())
    if (this.opts.rebuild === true) {
      await this.rebuildView('requested')
    } else {
      try {
        this.view = await View.open(this.viewDir, this.log, { create: !(await this.hasLogs()) })
      } catch (err) {
        if (!(err instanceof ViewOpenError)) throw err
        await this.rebuildView(err.reason === 'missing' ? 'the view is missing' : err.message)
      }
      // a flush's view batch landed but its append did not (a crash between the two, see Batcher)
      if (this.view.checkpoint(this.writerKey).applied > this.core.length) {
        await this.rebuildView(`the view holds ${this.view.checkpoint(this.writerKey).applied} blocks of this node's log, the log has ${this.core.length}`)
      }
    }
    this.clock.observe(this.view.hlc as Hlc)
    this.snapshots.start(fresh)
    const known = new Set<WriterKey>([...await this.readWritersFile(), ...this.view.checkpoints.keys()])
    known.delete(this.writerKey)
    this.follow(this.writerKey, this.core)
    for (const key of known) await this.addWriter(key)
    this.log.info({ writer: this.writerKey, writers: known.size + 1, hash: this.viewHash() }, 'store ready')
  }

  private get viewDir (): string { return join(this.dir, 'view') }
  private get writersFile (): string { return join(this.dir, 'writers') }

  private async hasLogs (): Promise<boolean> {
    return this.core.length > 0 || (await this.readWritersFile()).length > 0
  }

  private async readWritersFile (): Promise<WriterKey[]> {
    const text = await readFile(this.writersFile, 'utf8').catch(() => '')
    return text.split('\n').map((l) => l.trim()).filter(isWriterKey)
  }

  /** Run `fn` after every earlier queued job (serialises view read-modify-write). */
  private run<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.serial.then(fn)
    this.serial = p.catch(() => {})
    return p
  }

  // ---- replication side ----

  /** Follow another writer's log (idempotent): open its core, download it, apply its entries. */
  async addWriter (key: string): Promise<void> {
    if (!isWriterKey(key)) throw new FedError('FED_ERR_VALIDATION', `not a writer key: ${key}`)
    if (key === this.writerKey || this.followers.has(key)) return
    if (this.closing !== null) return
    const core = this.corestore.get({ key: Buffer.from(key, 'hex') })
    this.followers.set(key, undefined as unknown as Follower) // reserve against concurrent calls
    await core.ready()
    if (!(await this.readWritersFile()).includes(key)) await appendFile(this.writersFile, key + '\n')
    this.follow(key, core)
    this.emit('writer', key)
  }

  private follow (key: WriterKey, core: Hypercore): void {
    const f = new Follower(key, core, () => this.view.checkpoint(key).applied,
      (items, upto) => this.run(() => this.applyItems(items, key, upto)), this.log, this.opts.readChunk ?? READ_CHUNK_BLOCKS)
    this.followers.set(key, f)
    if (!this.snapshots.hold(f)) f.start()
  }

  // ---- snapshot join (store-snapshots.ts) ----

  /** true while this fresh store waits for a snapshot join (its remote followers are held) */
  get awaitingSnapshot (): boolean { return this.snapshots.awaiting }
  /** true from the start of a fresh store set to join from a snapshot until the join settled (joining included) */
  get snapshotPending (): boolean { return this.snapshots.pending }
  /** Restarts the wait for a snapshot (the network calls it while a peer prepares a manifest). */
  keepWaitingForSnapshot (): void { this.snapshots.keepWaiting() }
  /** Stops waiting for a snapshot: the held followers replay their logs from their checkpoints. */
  releaseSnapshotHold (): void { this.snapshots.release() }
  /**
   * Resolves once this store no longer waits for a snapshot join (joined, failed and replaying, or
   * never waiting): a node holds its own first writes until then, so they are not in the view the
   * join compares with the peer's hash.
   */
  snapshotSettled (): Promise<void> { return this.snapshots.whenSettled() }
  /** The manifest served to a joining node (its view hash, applied lengths, live blocks); undefined while it waits for one itself. */
  snapshotManifest (): Promise<SnapshotManifest | undefined> { return this.snapshots.manifest() }
  /** snapshotManifest() as plain data for the wire */
  encodedSnapshot (): Promise<Record<string, unknown> | undefined> { return this.snapshots.encoded() }
  /**
   * Frees the dead blocks of every log on disk; this node can then no longer serve those blocks to a
   * node replaying in full (see docs/design.md).
   */
  clearDead (): Promise<{ cleared: number, live: number }> { return this.snapshots.clearDead() }
  /** Joins from a peer's manifest; on failure the logs are replayed in full (store-snapshots.ts). */
  joinSnapshot (manifest: unknown): Promise<JoinResult> { return this.snapshots.join(manifest) }
  /** Drops the view and the logs' sparse bounds and replays every log from block 0 (an unconfirmed snapshot join). */
  replayInFull (why: string): Promise<void> { return this.snapshots.replayInFull(why) }

  /** An empty view in place of the current one (a failed snapshot join). */
  private async resetView (): Promise<void> {
    if (this.closing !== null) return
    await this.view.close()
    await rm(this.viewDir, { recursive: true, force: true })
    this.view = await View.open(this.viewDir, this.log, { create: true })
    this.pending.clear()
    this.emit('rebuilt', this.viewHash())
    // this node's own entries are applied again from block 0 (its follower reads the empty view's checkpoint)
    this.followers.get(this.writerKey)?.kick()
  }

  /** Writers known here with their log length, applied position and lag. */
  writers (): Array<WriterInfo & { lagEntries: number, lagMs: number, remoteLength: number }> {
    const now = Date.now()
    return [...this.followers.values()].filter((f) => f !== undefined).map((f) => {
      const cp = this.view.checkpoint(f.key)
      const length = f.core.length
      let remoteLength = 0
      for (const p of f.core.peers as Array<{ remoteLength?: number }>) if ((p.remoteLength ?? 0) > remoteLength) remoteLength = p.remoteLength!
      return {
        key: f.key,
        length,
        applied: cp.applied,
        quarantined: cp.quarantined,
        local: f.key === this.writerKey,
        remoteLength,
        lagEntries: Math.max(0, Math.max(length, remoteLength) - cp.applied),
        lagMs: cp.applied < length && f.behindSince > 0 ? now - f.behindSince : 0
      }
    })
  }

  /**
   * Replicate every log over a connection (an admitted peer's stream), or — given `true`/`false`
   * (initiator) — return a fresh replication stream to pipe to another store.
   */
  replicate (conn: unknown): unknown {
    return this.corestore.replicate(conn)
  }

  /** The swarm identity, derived from the store's key material: the same pair on every start. */
  swarmKeyPair (): Promise<{ publicKey: Buffer, secretKey: Buffer }> {
    return this.corestore.createKeyPair(SWARM_KEY_LABEL)
  }

  /** The secret that signs list cursors when no admin token is configured (derived like the swarm key). */
  async cursorSecret (): Promise<Buffer> {
    return Buffer.from((await this.corestore.createKeyPair(CURSOR_KEY_LABEL)).secretKey)
  }

  getCore (key: WriterKey): Hypercore | undefined {
    return this.followers.get(key)?.core
  }

  private async applyItems (items: ApplyItem[], writer: WriterKey, upto: number): Promise<void> {
    const from = this.view.checkpoint(writer).applied
    // keep only the blocks that continue this writer's applied prefix
    const fresh = items.filter((i) => i.seq >= from)
    if (fresh.length === 0 || fresh[0]!.seq !== from) return
    for (const item of fresh) for (const e of item.entries) this.clock.observe(e.hlc)
    if (this.clock.lastDrift > 60_000) this.log.warn({ writer, driftMs: this.clock.lastDrift }, 'a writer\'s clock is ahead of ours')
    await this.applyToView(fresh, new Map([[writer, upto]]), false)
  }

  private async applyToView (items: ApplyItem[], applied: Map<WriterKey, number>, local: boolean): Promise<void> {
    const { changes, mustRebuild, applied: used } = await this.view.apply(items, applied)
    // no local write in flight (a reader applying remote logs): nothing to keep up to date
    if (this.pending.size > 0) this.updatePending(used, local)
    for (const [w, n] of applied) this.emit('applied', w, n)
    if (changes.length > 0) this.emit('changes', changes)
    if (mustRebuild && !this.rebuildScheduled) {
      this.rebuildScheduled = true
      this.log.warn('a revocation cuts entries already applied: rebuilding the view')
      this.run(async () => { this.rebuildScheduled = false; await this.rebuildView('revocation') })
        .catch((err) => this.log.error({ err }, 'rebuilding the view failed'))
    }
  }

  /** Local entries applied leave `pending`; remote ones are merged into the pending states they touch. */
  private updatePending (used: Entry[], local: boolean): void {
    for (const e of used) {
      const key = e.type + SEP + e.id
      const p = this.pending.get(key)
      if (p === undefined) continue
      if (local) {
        if (--p.inflight === 0) this.pending.delete(key)
      } else {
        p.state = applyEntry(p.state, e)
      }
    }
  }

  // ---- local writes ----

  private async appendBlocks (blocks: Buffer[]): Promise<number> {
    const p = this.core.append(blocks)
    this.appending = p
    try {
      return (await p).length
    } catch (err) {
      // the flush's view batch (concurrent with this append) may hold entries the log does not: rebuild
      // after it (it is queued already); the writers of the flush get the error
      if (this.closing === null) {
        this.log.error({ err }, 'appending to this node\'s log failed: rebuilding the view')
        this.run(async () => { await this.rebuildView('an append to this node\'s log failed') })
          .catch((e: unknown) => this.log.error({ err: e }, 'rebuilding the view failed'))
      }
      throw err
    } finally {
      if (this.appending === p) this.appending = null
    }
  }

  private commitLocal (f: Flushed): Promise<void> {
    return this.run(async () => {
      // the entries are ours (built in prepare): tag them with their writer in place
      const items: ApplyItem[] = f.blocks.map((b) => {
        for (const e of b.entries) (e as Entry).writer = this.writerTag
        return { writer: this.writerKey, seq: b.seq, entries: b.entries as Entry[] }
      })
      await this.applyToView(items, new Map([[this.writerKey, f.length]]), true)
    })
  }

  /** One write; resolves when it is in the log and applied. Throws FedError. */
  async write (op: WriteOp): Promise<WriteResult> {
    const [r] = await this.writeMany([op])
    if (r instanceof Error) throw r
    return r!
  }

  /**
   * Several writes, prepared in order and committed together (bulk import).
   * Each result is the write's outcome or its FedError; a failed write does not
   * stop the others.
   */
  async writeMany (ops: WriteOp[]): Promise<Array<WriteResult | FedError>> {
    await this.ready()
    if (this.closing !== null) throw new FedError('FED_ERR_CLOSED')
    const refused = this.revokedError()
    if (refused !== undefined) throw refused
    const checked = ops.map((op) => { try { return checkOp(op) } catch (err) { return err as FedError } })
    this.preparing++
    const prepared = await this.run(async () => {
      try {
        return await this.prepare(checked)
      } finally {
        // no other write is waiting to be prepared: its entries go out now, not on the next turn of the loop
        if (--this.preparing === 0) this.batcher.flushNow()
      }
    })
    // entries committed together share one promise: wait for each distinct one once
    const failed = new Map<Promise<void>, FedError | null>()
    for (const p of prepared) {
      if (p instanceof Error || failed.has(p.committed)) continue
      failed.set(p.committed, await p.committed.then(() => null, (err: unknown) => toFedError(err)))
    }
    return prepared.map((p) => p instanceof Error ? p : failed.get(p.committed) ?? p.result)
  }

  private async prepare (ops: Array<WriteOp | FedError>): Promise<Array<FedError | { result: WriteResult, committed: Promise<void> }>> {
    const refused = this.revokedError() // a revocation applied while these writes waited in the queue
    if (refused !== undefined) return ops.map(() => refused)
    const keys = ops.filter((o): o is WriteOp => !(o instanceof Error)).map((o) => o.type + SEP + o.id)
    const missing = [...new Set(keys)].filter((k) => !this.pending.has(k))
    const states = this.view.getStates(missing.map((k) => k.split(SEP) as [string, string]))
    const loaded = new Map(missing.map((k, i) => [k, states[i]]))
    return ops.map((op) => {
      if (op instanceof Error) return op
      const key = op.type + SEP + op.id
      const p = this.pending.get(key)
      const state = p !== undefined ? p.state : loaded.get(key)
      let entry: NewEntry
      try {
        entry = entryFor(op, state, this.writerTag)
        entry.hlc = this.clock.tick()
      } catch (err) {
        return toFedError(err)
      }
      const next = applyEntry(state === undefined ? undefined : structuredClone(state), { ...entry, writer: this.writerTag })
      if (p !== undefined) { p.state = next; p.inflight++ } else this.pending.set(key, { state: next, inflight: 1 })
      const committed = this.batcher.push(entry)
      const alive = isAlive(next)
      const result: WriteResult = { type: op.type, id: op.id, created: !isAlive(state) && alive }
      // the visible fields are computed only when a caller looks (bulk imports do not)
      if (alive) Object.defineProperty(result, 'fields', { enumerable: true, get: () => visibleFields(next) })
      return { result, committed }
    })
  }

  /**
   * This node's own revocation, once its `node` record says so (written by
   * another node, replicated here): from then on every write is refused with
   * FED_ERR_REVOKED, since its log entries past the cut are ignored everywhere,
   * here too.
   */
  revocation (): Revocation | undefined {
    if (this.view === undefined || !this.view.revoked.has(this.writerKey)) return undefined
    return revocationOf(this.swapping === null ? this.view.get('node', this.writerKey) : undefined) ?? { length: this.view.revoked.get(this.writerKey)!, at: '' }
  }

  private revokedError (): FedError | undefined {
    const r = this.revocation()
    return r === undefined ? undefined : revokedError(r)
  }

  // ---- reads ----

  async get (type: string, id: string): Promise<Fields | undefined> {
    if (this.swapping !== null) await this.swapping
    return this.view.get(type, id)
  }

  /** Synchronous read (hot paths); undefined while a rebuilt view is being swapped in. */
  getSync (type: string, id: string): Fields | undefined {
    if (this.swapping !== null) return undefined
    return this.view.get(type, id)
  }

  async list (type: string, opts: { after?: string, prefix?: string, limit: number }): Promise<StoredRecord[]> {
    if (this.swapping !== null) await this.swapping
    return await this.view.list(type, opts)
  }

  async * scan (type: string, prefix = ''): AsyncGenerator<StoredRecord> {
    if (this.swapping !== null) await this.swapping
    yield * this.view.scan(type, prefix)
  }

  async lookup (index: IndexName, value: string): Promise<string[]> {
    if (this.swapping !== null) await this.swapping
    return await this.view.lookup(index, value)
  }

  async conflicts (opts: { after?: string, limit: number }): Promise<ConflictRecord[]> {
    if (this.swapping !== null) await this.swapping
    return await this.view.conflicts(opts)
  }

  async conflictCount (): Promise<number> {
    if (this.swapping !== null) await this.swapping
    return await this.view.conflictCount()
  }

  async quarantined (writer: WriterKey, limit?: number): Promise<Array<{ seq: number, index: number, reason: string }>> {
    return await this.view.quarantined(writer, limit)
  }

  /** The version (HLC, writer tag) of a record's field as merged here: when it was last set (node names: who claimed first). */
  fieldVersion (type: string, id: string, field: string): Readonly<Version> | undefined {
    if (this.swapping !== null) return undefined
    return this.view.getState(type, id)?.fields[field]?.v
  }

  count (type: string): number {
    return this.view.counts.get(type) ?? 0
  }

  viewHash (): string {
    return this.view.hash.toString('hex')
  }

  /** Memory LevelDB holds for the view (memtables, block cache; View.memoryBytes): for /metrics. */
  viewMemoryBytes (): number {
    return this.view?.memoryBytes() ?? 0
  }

  // ---- rebuild ----

  /** Rebuild the view from the logs (serialised with writes). Resolves with the new view hash. */
  async rebuild (): Promise<string> {
    await this.ready()
    return await this.run(async () => { await this.rebuildView('requested'); return this.viewHash() })
  }

  /**
   * Build a fresh view from the logs next to the current one (view-build.ts), then swap it in:
   * readers keep using the old view until the new one is complete.
   */
  private async rebuildView (why: string): Promise<void> {
    const start = Date.now()
    this.log.warn({ why }, 'rebuilding the view from the logs')
    const next = this.viewDir + '.new'
    // the log must hold what the current view may already show (a flush in flight applies before its append ends)
    while (this.appending !== null) await this.appending.catch(() => {})
    await buildView(next, this.log, await this.allCores(), this.sparse, this.view?.revoked ?? new Map())
    // swap: readers wait the few milliseconds between closing the old view and opening the new one
    let done!: () => void
    this.swapping = new Promise<void>((resolve) => { done = resolve })
    try {
      await this.view?.close()
      await rm(this.viewDir, { recursive: true, force: true })
      await rename(next, this.viewDir)
      this.view = await View.open(this.viewDir, this.log, { create: false })
    } finally {
      this.swapping = null
      done()
    }
    this.log.info({ ms: Date.now() - start, hash: this.viewHash() }, 'view rebuilt')
    this.emit('rebuilt', this.viewHash())
    for (const f of this.followers.values()) f?.kick()
  }

  private async allCores (): Promise<Array<[WriterKey, Hypercore]>> {
    const out: Array<[WriterKey, Hypercore]> = [[this.writerKey, this.core]]
    for (const key of await this.readWritersFile()) {
      if (key === this.writerKey) continue
      const core = this.followers.get(key)?.core ?? this.corestore.get({ key: Buffer.from(key, 'hex') })
      await core.ready()
      out.push([key, core])
    }
    return out
  }

  // ---- lifecycle ----

  close (): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown (): Promise<void> {
    if (this.opening === null) return
    await this.opening.catch(() => {})
    await this.batcher?.drain()
    this.snapshots.close()
    for (const f of this.followers.values()) await f?.close()
    await this.serial.catch(() => {})
    await this.view?.close()
    await this.corestore?.close()
    this.log.info('store closed')
  }
}

export type { Entry }
