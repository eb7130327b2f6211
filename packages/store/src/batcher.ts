/**
 * Group commit for the node's own log. Writers enqueue entries; whenever no
 * append is in flight, everything queued (up to MAX_FLUSH_BYTES) is packed into
 * blocks of at most MAX_BLOCK_BYTES and appended to the hypercore in one call,
 * and handed to `commit` (which applies them to the view). A single write
 * therefore costs one append and one view batch; under load the queue fills
 * while the previous flush runs, and blocks carry many entries: per-block cost
 * dominates hypercore replication, so this is what makes bulk writes fast.
 *
 * A flush starts on the next turn of the event loop (writers of the same turn
 * join it), or at once when the caller says nothing else is coming
 * (`flushNow`: a lone write does not wait for a turn of a busy loop).
 *
 * With `start` (the log length before the append; appends go through this
 * batcher only) the append and the commit run concurrently and the flush
 * settles when both have: a write then waits for the slower of the two
 * instead of their sum. The commit may then be on disk before the append is;
 * the store detects a view ahead of its log at start and rebuilds it.
 */
import { blockFromBytes, entryBytes, type NewEntry } from '@federator/core'

export const MAX_BLOCK_BYTES = 64 * 1024
export const MAX_BLOCK_ENTRIES = 4096
export const MAX_FLUSH_BYTES = 1024 * 1024

export interface BatcherOptions {
  maxBlockBytes?: number
  maxBlockEntries?: number
  maxFlushBytes?: number
}

interface Pending {
  entry: NewEntry
  bytes: Buffer
  /** the flush this entry goes out with (one promise per flush, not per entry) */
  flush: Flush
}

/** A settle-once promise shared by every entry of one flush. */
class Flush {
  readonly done: Promise<void>
  resolve!: () => void
  reject!: (err: Error) => void
  constructor () {
    this.done = new Promise<void>((resolve, reject) => { this.resolve = resolve; this.reject = reject })
    this.done.catch(() => {}) // observed by the writers; never an unhandled rejection here
  }
}

export interface Flushed {
  /** the blocks appended, in order, each with its entries */
  blocks: Array<{ seq: number, entries: NewEntry[] }>
  /** log length after the append */
  length: number
}

export class Batcher {
  private queue: Pending[] = []
  /** bytes queued behind the newest Flush (to know when the next one starts) */
  private queuedBytes = 0
  private flushing: Promise<void> | null = null
  private readonly maxBlockBytes: number
  private readonly maxBlockEntries: number
  private readonly maxFlushBytes: number

  /** starts the flush that waits for its turn of the event loop (flushNow) */
  private startNow: (() => void) | null = null

  constructor (
    private readonly append: (blocks: Buffer[]) => Promise<number>,
    private readonly commit: (f: Flushed) => Promise<void>,
    opts: BatcherOptions = {},
    /** the log length before the next append: given, append and commit run concurrently */
    private readonly start?: () => number
  ) {
    this.maxBlockBytes = opts.maxBlockBytes ?? MAX_BLOCK_BYTES
    this.maxBlockEntries = opts.maxBlockEntries ?? MAX_BLOCK_ENTRIES
    this.maxFlushBytes = opts.maxFlushBytes ?? MAX_FLUSH_BYTES
  }

  get size (): number {
    return this.queue.length
  }

  /**
   * Queue an entry; the promise settles once it is appended and committed.
   * Entries queued together share one promise (bulk writes allocate one per
   * flush, not one per entry).
   */
  push (entry: NewEntry): Promise<void> {
    const bytes = entryBytes(entry)
    const last = this.queue[this.queue.length - 1]
    // the next flush takes entries from the head up to maxFlushBytes: share its promise while it fits
    let flush: Flush
    if (last !== undefined && this.queuedBytes + bytes.length <= this.maxFlushBytes) flush = last.flush
    else { flush = new Flush(); this.queuedBytes = 0 }
    this.queuedBytes += bytes.length
    this.queue.push({ entry, bytes, flush })
    if (this.flushing === null) this.flushing = this.loop()
    return flush.done
  }

  /**
   * Start the pending flush now rather than on the next turn of the event loop: for a caller that
   * knows no other entry is about to be pushed (a lone write is not held behind a busy loop's I/O).
   */
  flushNow (): void {
    this.startNow?.()
  }

  /** Resolves when everything queued so far is committed (or failed). */
  async drain (): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  private async loop (): Promise<void> {
    // let callers of the same turn join the first flush (flushNow: no one else is coming)
    await new Promise<void>((resolve) => { this.startNow = resolve; setImmediate(resolve) })
    this.startNow = null
    try {
      while (this.queue.length > 0) await this.flushOnce()
    } finally {
      this.flushing = null
    }
  }

  private async flushOnce (): Promise<void> {
    // everything that shares the head's Flush goes out now (push() sized the group to maxFlushBytes)
    const head = this.queue[0]!.flush
    let n = 0
    while (n < this.queue.length && this.queue[n]!.flush === head) n++
    const take = this.queue.splice(0, n)
    if (this.queue.length === 0) this.queuedBytes = 0
    const groups: Pending[][] = []
    let cur: Pending[] = []
    let curBytes = 0
    for (const p of take) {
      if (cur.length > 0 && (curBytes + p.bytes.length > this.maxBlockBytes || cur.length >= this.maxBlockEntries)) {
        groups.push(cur)
        cur = []
        curBytes = 0
      }
      cur.push(p)
      curBytes += p.bytes.length
    }
    if (cur.length > 0) groups.push(cur)
    const flushed = (first: number): Flushed => ({ blocks: groups.map((g, i) => ({ seq: first + i, entries: g.map((p) => p.entry) })), length: first + groups.length })
    try {
      const blocks = groups.map((g) => blockFromBytes(g.map((p) => p.bytes)))
      if (this.start === undefined) {
        const length = await this.append(blocks)
        await this.commit(flushed(length - groups.length))
      } else {
        const f = flushed(this.start())
        // both settle before the writers hear (a failed append must not overtake its commit)
        const [appended, committed] = await Promise.allSettled([this.append(blocks), this.commit(f)])
        if (appended.status === 'rejected') throw appended.reason
        if (committed.status === 'rejected') throw committed.reason
        if (appended.value !== f.length) throw new Error(`the log is ${appended.value} blocks long after the append, expected ${f.length}`)
      }
      head.resolve()
    } catch (err) {
      head.reject(err as Error)
    }
  }
}
