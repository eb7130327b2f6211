/**
 * Group commit for the node's own log. Writers enqueue entries; whenever no
 * append is in flight, everything queued (up to MAX_FLUSH_BYTES) is packed into
 * blocks of at most MAX_BLOCK_BYTES and appended to the hypercore in one call,
 * then handed to `commit` (which applies them to the view). A single write
 * therefore costs one append and one view batch; under load the queue fills
 * while the previous flush runs, and blocks carry many entries: per-block cost
 * dominates hypercore replication, so this is what makes bulk writes fast.
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
  resolve: () => void
  reject: (err: Error) => void
}

export interface Flushed {
  /** the blocks appended, in order, each with its entries */
  blocks: Array<{ seq: number, entries: NewEntry[] }>
  /** log length after the append */
  length: number
}

export class Batcher {
  private queue: Pending[] = []
  private flushing: Promise<void> | null = null
  private readonly maxBlockBytes: number
  private readonly maxBlockEntries: number
  private readonly maxFlushBytes: number

  constructor (
    private readonly append: (blocks: Buffer[]) => Promise<number>,
    private readonly commit: (f: Flushed) => Promise<void>,
    opts: BatcherOptions = {}
  ) {
    this.maxBlockBytes = opts.maxBlockBytes ?? MAX_BLOCK_BYTES
    this.maxBlockEntries = opts.maxBlockEntries ?? MAX_BLOCK_ENTRIES
    this.maxFlushBytes = opts.maxFlushBytes ?? MAX_FLUSH_BYTES
  }

  get size (): number {
    return this.queue.length
  }

  /** Queue an entry; resolves once it is appended and committed. */
  push (entry: NewEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, bytes: entryBytes(entry), resolve, reject })
      if (this.flushing === null) this.flushing = this.loop()
    })
  }

  /** Resolves when everything queued so far is committed (or failed). */
  async drain (): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  private async loop (): Promise<void> {
    // let callers of the same tick join the first flush
    await new Promise<void>((resolve) => setImmediate(resolve))
    try {
      while (this.queue.length > 0) await this.flushOnce()
    } finally {
      this.flushing = null
    }
  }

  private async flushOnce (): Promise<void> {
    const take: Pending[] = []
    let bytes = 0
    while (this.queue.length > 0 && (take.length === 0 || bytes + this.queue[0]!.bytes.length <= this.maxFlushBytes)) {
      const p = this.queue.shift()!
      take.push(p)
      bytes += p.bytes.length
    }
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
    try {
      const length = await this.append(groups.map((g) => blockFromBytes(g.map((p) => p.bytes))))
      const first = length - groups.length
      await this.commit({ blocks: groups.map((g, i) => ({ seq: first + i, entries: g.map((p) => p.entry) })), length })
      for (const p of take) p.resolve()
    } catch (err) {
      for (const p of take) p.reject(err as Error)
    }
  }
}
