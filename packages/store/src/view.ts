/**
 * The merged view in LevelDB (layout in keys.ts). `apply()` takes decoded log
 * entries from any writers, merges them into the record states through
 * @federator/core, and writes — in one LevelDB batch — the new states, the
 * visible records, index and conflict keys, the per-writer checkpoints
 * (applied positions), the view hash and live-record counts. A crash between
 * two batches therefore leaves a view that is exactly "the logs up to the
 * checkpoints"; the store resumes from there.
 *
 * `apply()` is not reentrant: the store serialises all calls.
 */
import { ClassicLevel } from 'classic-level'
import {
  applyEntry, conflictsOf, encodedRecordDigest, indexEntries, revokedLength, visibleFields, xorInto,
  type Entry, type Fields, type IndexName, type RecordState, type WriterKey
} from '@federator/core'
import type { Logger } from 'pino'
import { pack, unpack } from './codec.js'
import {
  SEP, VIEW_FORMAT, conflictKey, conflictKeyAfter, conflictRange, countKey, countRange, idOfIndexKey, idOfRecordKey,
  indexKey, indexRange, metaKey, quarantineKey, quarantineRange, recordKey, recordOfConflictKey, recordRange, stateKey, stateKeyOf,
  typeOfCountKey, writerKeyOf, writerOfKey, writerRange
} from './keys.js'
import { decodeState, encodeState, type StoredState } from './state-codec.js'
import type { Change, ConflictRecord, StoredRecord } from './types.js'

/** Per-writer bookkeeping persisted with every batch. */
export interface Checkpoint {
  /** blocks applied */
  applied: number
  /** entries or blocks quarantined */
  quarantined: number
  /** entries ignored because the writer was revoked */
  ignored: number
}

/** One log block, decoded. */
export interface ApplyItem {
  writer: WriterKey
  seq: number
  entries: Entry[]
  /** unreadable entries of the block, or the whole block when `entries` is empty and `error` is set */
  bad?: Array<{ index: number, reason: string }>
  error?: string
}

export const MAX_QUARANTINE_DETAILS = 1000
/** records remembered as having no state between a write's preparation and its apply (View.absent) */
export const MAX_ABSENT_KEYS = 100_000
/** LevelDB memtable size (LevelDB's default; larger ones cost RSS and did not speed up imports) */
export const WRITE_BUFFER_BYTES = 4 * 1024 * 1024

export class ViewOpenError extends Error {
  constructor (message: string, readonly reason: 'corrupt' | 'format' | 'missing') { super(message); this.name = 'ViewOpenError' }
}

type Batch = ReturnType<ClassicLevel<string, Uint8Array>['batch']>

export class View {
  readonly db: ClassicLevel<string, Uint8Array>
  hash = Buffer.alloc(32)
  hlc = 0
  readonly counts = new Map<string, number>()
  readonly checkpoints = new Map<WriterKey, Checkpoint>()
  /** writer → log length from which its entries are ignored */
  readonly revoked = new Map<WriterKey, number>()
  /**
   * `<type>\0<id>` of records that getStates() found without a state: the apply that follows
   * (the local write being committed) need not look again. Every apply that writes a state
   * removes its key, so an entry is never stale; bounded for writes prepared but never applied.
   */
  private readonly absent = new Set<string>()
  private readonly log: Logger

  private constructor (db: ClassicLevel<string, Uint8Array>, log: Logger) {
    this.db = db
    this.log = log
  }

  /** Open the view; throws ViewOpenError when it is missing (and `create` is false), corrupt or of another format. */
  static async open (dir: string, log: Logger, opts: { create: boolean }): Promise<View> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: opts.create, writeBufferSize: WRITE_BUFFER_BYTES })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      const missing = /does not exist/.test(cause?.message ?? '')
      throw new ViewOpenError(`cannot open the view at ${dir}: ${cause?.message ?? (err as Error).message}`, missing ? 'missing' : 'corrupt')
    }
    const view = new View(db, log)
    try {
      await view.load(opts.create)
    } catch (err) {
      await db.close()
      throw err
    }
    return view
  }

  private async load (fresh: boolean): Promise<void> {
    const format = await this.db.get(metaKey('format'))
    if (format === undefined) {
      const any = await this.db.keys({ limit: 1 }).all()
      if (any.length > 0 || !fresh) throw new ViewOpenError('the view has no format marker', 'corrupt')
      await this.db.put(metaKey('format'), pack(VIEW_FORMAT))
    } else if (unpack(format) !== VIEW_FORMAT) {
      throw new ViewOpenError(`the view has format ${String(unpack(format))}, this version uses ${VIEW_FORMAT}`, 'format')
    }
    try {
      const hash = await this.db.get(metaKey('hash'))
      if (hash !== undefined) this.hash = Buffer.from(hash)
      const hlc = await this.db.get(metaKey('hlc'))
      if (hlc !== undefined) this.hlc = unpack<number>(hlc)
      for await (const [k, v] of this.db.iterator(countRange())) this.counts.set(typeOfCountKey(k), unpack<number>(v))
      for await (const [k, v] of this.db.iterator(writerRange())) this.checkpoints.set(writerOfKey(k) as WriterKey, unpack<Checkpoint>(v))
      for await (const [k, v] of this.db.iterator(recordRange('node'))) {
        const cut = revokedLength(unpack<Fields>(v))
        if (cut !== undefined) this.revoked.set(idOfRecordKey('node', k) as WriterKey, cut)
      }
    } catch (err) {
      throw new ViewOpenError('the view cannot be read: ' + (err as Error).message, 'corrupt')
    }
  }

  checkpoint (writer: WriterKey): Checkpoint {
    return this.checkpoints.get(writer) ?? { applied: 0, quarantined: 0, ignored: 0 }
  }

  getState (type: string, id: string): RecordState | undefined {
    const v = this.db.getSync(stateKey(type, id))
    return v === undefined ? undefined : decodeState(type, id, v).s
  }

  /**
   * Reads are synchronous: a LevelDB lookup served from its caches costs ~1–2 µs on the main thread,
   * the async (thread-pool) path ~15–25 µs of CPU per call — most of an acknowledged single write.
   */
  getStates (keys: Array<[string, string]>): Array<RecordState | undefined> {
    if (this.absent.size > MAX_ABSENT_KEYS) this.absent.clear()
    return keys.map(([t, i]) => {
      const v = this.db.getSync(stateKey(t, i))
      if (v === undefined) this.absent.add(t + SEP + i)
      return v === undefined ? undefined : decodeState(t, i, v).s
    })
  }

  /**
   * Merge the entries of these blocks (in order per writer) into the view and
   * advance each writer's checkpoint to `applied`. Returns the visible changes
   * and whether a revocation now cuts entries that were already applied (the
   * caller must then rebuild).
   */
  async apply (items: ApplyItem[], applied: Map<WriterKey, number>): Promise<{ changes: Change[], mustRebuild: boolean, applied: Entry[] }> {
    // a chained batch: each put goes into LevelDB's write batch at once (no operation objects built and read back)
    const batch = this.db.batch()
    try {
      return await this.fill(batch, items, applied)
    } catch (err) {
      await batch.close().catch(() => {})
      throw err
    }
  }

  private async fill (batch: Batch, items: ApplyItem[], applied: Map<WriterKey, number>): Promise<{ changes: Change[], mustRebuild: boolean, applied: Entry[] }> {
    const byRecord = new Map<string, Entry[]>()
    const cps = new Map<WriterKey, Checkpoint>()
    const cp = (w: WriterKey): Checkpoint => {
      let c = cps.get(w)
      if (c === undefined) { c = { ...this.checkpoint(w) }; cps.set(w, c) }
      return c
    }
    const used: Entry[] = []
    for (const item of items) {
      const c = cp(item.writer)
      const cut = this.revoked.get(item.writer)
      if (cut !== undefined && item.seq >= cut) { c.ignored += item.entries.length; continue }
      if (item.error !== undefined || (item.bad?.length ?? 0) > 0) {
        const list = item.error !== undefined ? [{ index: -1, reason: item.error }] : item.bad!
        for (const b of list) {
          if (c.quarantined < MAX_QUARANTINE_DETAILS) {
            batch.put(quarantineKey(item.writer, item.seq), pack({ seq: item.seq, index: b.index, reason: b.reason }))
          }
          c.quarantined++
        }
        this.log.warn({ writer: item.writer, seq: item.seq, bad: list.length, reason: list[0]?.reason }, 'quarantined log data')
      }
      for (const e of item.entries) {
        const k = e.type + SEP + e.id
        let list = byRecord.get(k)
        if (list === undefined) { list = []; byRecord.set(k, list) }
        list.push(e)
        used.push(e)
        if (e.hlc > this.hlc) this.hlc = e.hlc
      }
    }
    const keys = [...byRecord.keys()]
    const stored = keys.map((k) => this.absent.delete(k) ? undefined : this.db.getSync(stateKeyOf(k)))
    const changes: Change[] = []
    const hash = Buffer.from(this.hash)
    const counts = new Map<string, number>()
    let revocationChanged = false
    for (let i = 0; i < keys.length; i++) {
      const entries = byRecord.get(keys[i]!)!
      const { type, id } = entries[0]!
      const raw = stored[i]
      const prev = raw === undefined ? undefined : decodeState(type, id, raw)
      const before = visibleFields(prev?.s)
      let s = prev === undefined ? undefined : prev.s
      for (const e of entries) s = applyEntry(s, e)
      const state = s!
      const after = visibleFields(state)
      const conflicts = conflictsOf(state)
      // each part is encoded once: for its own key and for the record's digest
      const afterBytes = after === undefined ? undefined : pack(after)
      const conflictBytes = conflicts.length === 0 ? undefined : pack(conflicts)
      const digest = encodedRecordDigest(type, id, afterBytes, conflictBytes)
      if (prev !== undefined) xorInto(hash, prev.d)
      xorInto(hash, digest)
      const next: StoredState = { s: state, d: digest }
      if (conflictBytes !== undefined) {
        next.c = true
        batch.put(conflictKey(type, id), conflictBytes)
      } else if (prev?.c === true) {
        batch.del(conflictKey(type, id))
      }
      batch.put(stateKey(type, id), encodeState(next))
      if (afterBytes !== undefined) batch.put(recordKey(type, id), afterBytes)
      else if (before !== undefined) batch.del(recordKey(type, id))
      if ((before === undefined) !== (after === undefined)) {
        counts.set(type, (counts.get(type) ?? this.counts.get(type) ?? 0) + (after === undefined ? -1 : 1))
      }
      const oldIdx = indexEntries(type, id, before)
      const newIdx = indexEntries(type, id, after)
      for (const [n, v] of oldIdx) if (!hasPair(newIdx, n, v)) batch.del(indexKey(n, v, id))
      for (const [n, v] of newIdx) if (!hasPair(oldIdx, n, v)) batch.put(indexKey(n, v, id), EMPTY)
      if (type === 'node' && revokedLength(before) !== revokedLength(after)) revocationChanged = true
      if (!sameValue(before, after)) changes.push({ type, id, before, after })
    }
    for (const [w, length] of applied) {
      const c = cp(w)
      if (length > c.applied) c.applied = length
    }
    for (const [w, c] of cps) batch.put(writerKeyOf(w), pack(c))
    for (const [t, n] of counts) batch.put(countKey(t), pack(n))
    batch.put(metaKey('hash'), hash)
    batch.put(metaKey('hlc'), pack(this.hlc))
    await batch.write()
    this.hash = hash
    for (const [w, c] of cps) this.checkpoints.set(w, c)
    for (const [t, n] of counts) this.counts.set(t, n)
    let mustRebuild = false
    if (revocationChanged) {
      for (const ch of changes) {
        if (ch.type !== 'node') continue
        const cut = revokedLength(ch.after)
        if (cut === undefined) { if (this.revoked.delete(ch.id as WriterKey)) mustRebuild = true; continue }
        this.revoked.set(ch.id as WriterKey, cut)
        if (this.checkpoint(ch.id as WriterKey).applied > cut) mustRebuild = true
      }
    }
    return { changes, mustRebuild, applied: used }
  }

  // ---- reads ----

  /** the visible fields of a live record (a synchronous read: see getStates) */
  get (type: string, id: string): Fields | undefined {
    const v = this.db.getSync(recordKey(type, id))
    return v === undefined ? undefined : unpack<Fields>(v)
  }

  async list (type: string, opts: { after?: string, prefix?: string, limit: number }): Promise<StoredRecord[]> {
    const r = recordRange(type, opts.prefix)
    const gt = opts.after !== undefined ? recordKey(type, opts.after) : undefined
    const it = this.db.iterator(gt !== undefined && gt >= r.gte ? { gt, lt: r.lt, limit: opts.limit } : { ...r, limit: opts.limit })
    const out: StoredRecord[] = []
    for await (const [k, v] of it) out.push({ type, id: idOfRecordKey(type, k), fields: unpack<Fields>(v) })
    return out
  }

  async * scan (type: string, prefix = ''): AsyncGenerator<StoredRecord> {
    for await (const [k, v] of this.db.iterator(recordRange(type, prefix))) yield { type, id: idOfRecordKey(type, k), fields: unpack<Fields>(v) }
  }

  async lookup (index: IndexName, value: string): Promise<string[]> {
    const ids: string[] = []
    for await (const k of this.db.keys(indexRange(index, value))) ids.push(idOfIndexKey(index, value, k))
    return ids
  }

  async conflicts (opts: { after?: string, limit: number }): Promise<ConflictRecord[]> {
    const r = conflictRange()
    const it = this.db.iterator(opts.after !== undefined ? { gt: conflictKeyAfter(opts.after), lt: r.lt, limit: opts.limit } : { ...r, limit: opts.limit })
    const out: ConflictRecord[] = []
    for await (const [k, v] of it) out.push({ ...recordOfConflictKey(k), conflicts: unpack(v) })
    return out
  }

  async conflictCount (): Promise<number> {
    let n = 0
    for await (const _ of this.db.keys(conflictRange())) n++ // eslint-disable-line @typescript-eslint/no-unused-vars
    return n
  }

  async quarantined (writer: WriterKey, limit = 100): Promise<Array<{ seq: number, index: number, reason: string }>> {
    const out: Array<{ seq: number, index: number, reason: string }> = []
    for await (const v of this.db.values({ ...quarantineRange(writer), limit })) out.push(unpack(v))
    return out
  }

  /**
   * Memory LevelDB holds for the view (its memtables and the blocks in its block cache: LevelDB's
   * `approximate-memory-usage`, bounded by WRITE_BUFFER_BYTES ×2 plus the block cache); 0 when closed.
   * Records, states and indexes live on disk, not in the heap.
   */
  memoryBytes (): number {
    if (this.db.status !== 'open') return 0
    const v = Number(this.db.getProperty('leveldb.approximate-memory-usage'))
    return Number.isFinite(v) ? v : 0
  }

  async close (): Promise<void> {
    await this.db.close()
  }
}

const EMPTY = new Uint8Array(0)

function hasPair (list: Array<[string, string]>, name: string, value: string): boolean {
  for (const [n, v] of list) if (n === name && v === value) return true
  return false
}

/** Structural equality of two field values (plain data: what msgpack and JSON carry). */
function sameValue (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}
