/**
 * This node's own soft state kept on disk, so its registrations survive a
 * restart (docs/federation.md, "Soft state"). Only the node's own items of the kinds it keeps are
 * written (PJSIP contacts, chan_sip registrations…; node health is
 * regenerated at start, never kept), each as published: signed body,
 * signature, publication time. Tombstones are kept too, so a removal done
 * before a restart cannot come back from a stale copy. Nothing of this enters
 * the replicated log: the database is local (a LocalDb of @federator/store,
 * or anything with the same three methods).
 *
 * Writes are behind: an accepted item marks its key dirty and the first dirty
 * key schedules one batch `flushMs` later; `close()` writes what is pending.
 * A process killed with SIGKILL loses at most the items of the last
 * `flushMs` (plus the batch being written). Expired items are deleted from
 * disk as flushes pass them, and skipped (and deleted) at load.
 *
 * Record layout: key `i!<kind>\0<key>` → msgpack `{ v: 1, b: body, g: signature,
 * t: bornAt ms, e: expiresAt ms }` (unknown fields are ignored); `m!seq` → the
 * highest seq used, so the next run's seqs are higher even if the clock went
 * back.
 */
import type { Logger } from 'pino'
import type { SoftItem, SoftState } from './soft-state.js'
import { isBytes, pack, unpack } from './wire.js'

/** The local database the items are kept in (@federator/store's LocalDb satisfies it). */
export interface KeptDb {
  entries (prefix: string): AsyncIterable<[string, Uint8Array]>
  get (key: string): Promise<Uint8Array | undefined>
  write (puts: Iterable<[string, Uint8Array]>, dels?: Iterable<string>): Promise<void>
}

export interface SoftPersistOptions {
  db: KeptDb
  /** longest time between an item's acceptance and its write to disk */
  flushMs: number
  /** the kinds kept on disk */
  keepsKind: (kind: string) => boolean
  log?: Logger
  now?: () => number
}

export interface LoadResult { restored: number, expired: number, dropped: number }

const ITEM = 'i!'
const SEQ_KEY = 'm!seq'
const RECORD_VERSION = 1

const keyOf = (kind: string, key: string): string => ITEM + kind + '\u0000' + key

interface Kept { b: Uint8Array, g: Uint8Array, t: number, e: number }

function decodeKept (bytes: Uint8Array): Kept | null {
  let r: unknown
  try { r = unpack(bytes) } catch { return null }
  if (r === null || typeof r !== 'object') return null
  const k = r as Record<string, unknown>
  if (!isBytes(k.b) || !isBytes(k.g, 64) || typeof k.t !== 'number' || typeof k.e !== 'number') return null
  return k as unknown as Kept
}

export class SoftPersistence {
  private dirty = new Map<string, SoftItem>()
  /** key → expiresAt of what is on disk */
  private readonly onDisk = new Map<string, number>()
  private timer: NodeJS.Timeout | null = null
  private writing: Promise<void> = Promise.resolve()
  private savedSeq = 0
  private following = false
  private closed = false
  private readonly now: () => number
  /** batches written, items written, write failures */
  readonly counters = { flushes: 0, written: 0, deleted: 0, failures: 0 }

  private readonly onitem = (item: SoftItem): void => {
    if (!item.local || !this.opts.keepsKind(item.kind)) return
    this.dirty.set(keyOf(item.kind, item.key), item)
    this.schedule()
  }

  private schedule (): void {
    if (this.timer === null && !this.closed) this.timer = setTimeout(() => { this.timer = null; this.flush().catch(() => {}) }, this.opts.flushMs)
  }

  constructor (private readonly state: SoftState, private readonly opts: SoftPersistOptions) {
    this.now = opts.now ?? Date.now
  }

  /** Puts the kept items back into the table, then follows it. Call before anything else follows the table. */
  async load (): Promise<LoadResult> {
    const res: LoadResult = { restored: 0, expired: 0, dropped: 0 }
    const dels: string[] = []
    const seq = await this.opts.db.get(SEQ_KEY)
    if (seq !== undefined) {
      let n: unknown
      try { n = unpack(seq) } catch { n = undefined }
      if (Number.isSafeInteger(n)) this.state.observeSeq(this.savedSeq = n as number)
      else dels.push(SEQ_KEY)
    }
    for await (const [k, v] of this.opts.db.entries(ITEM)) {
      const kept = decodeKept(v)
      const r = kept === null ? 'malformed' : this.state.restore(kept.b, kept.g, kept.t)
      if (r === 'restored') {
        res.restored++
        this.onDisk.set(k, kept!.e)
        continue
      }
      if (r === 'expired') res.expired++
      else {
        res.dropped++
        this.opts.log?.warn({ key: k, why: r }, 'kept soft-state item dropped at load')
      }
      dels.push(k)
    }
    await this.opts.db.write([], dels)
    this.state.on('item', this.onitem)
    this.following = true
    return res
  }

  /** Writes what is pending now (resolves when it is on disk). */
  flush (): Promise<void> {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null }
    const p = this.writing.then(async () => await this.write())
    this.writing = p.catch(() => {})
    return p
  }

  private async write (): Promise<void> {
    const batch = this.dirty
    this.dirty = new Map()
    const now = this.now()
    const puts: Array<[string, Uint8Array]> = []
    const dels: string[] = []
    for (const [k, it] of batch) {
      if (it.expiresAt <= now) {
        if (this.onDisk.delete(k)) dels.push(k)
        continue
      }
      puts.push([k, pack({ v: RECORD_VERSION, b: it.body, g: it.signature, t: it.bornAt, e: it.expiresAt })])
      this.onDisk.set(k, it.expiresAt)
    }
    if (puts.length > 0) {
      for (const [k, e] of this.onDisk) if (e <= now && !batch.has(k)) { this.onDisk.delete(k); dels.push(k) }
    }
    const seq = this.state.seq
    if (seq > this.savedSeq && puts.length > 0) puts.push([SEQ_KEY, pack(seq)])
    if (puts.length === 0 && dels.length === 0) return
    try {
      await this.opts.db.write(puts, dels)
      if (seq > this.savedSeq && puts.length > 0) this.savedSeq = seq
      this.counters.flushes++
      this.counters.written += puts.length
      this.counters.deleted += dels.length
    } catch (err) {
      this.counters.failures++
      this.opts.log?.error({ err, items: batch.size }, 'writing soft state to disk failed (retried)')
      // put back what no newer version replaced meanwhile, and retry later
      for (const [k, it] of batch) if (!this.dirty.has(k)) this.dirty.set(k, it)
      this.schedule()
      throw err
    }
  }

  /** Stops following the table and writes what is pending. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.following) this.state.off('item', this.onitem)
    await this.flush()
  }
}
