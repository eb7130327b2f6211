/**
 * Follows one writer's hypercore: whenever its length grows, reads the new
 * blocks in order (in chunks of `chunk` blocks), decodes them and hands them
 * to the store's apply queue. A block that cannot be decoded becomes a
 * quarantine item; it never stops the follower. Reads of blocks that are not
 * yet downloaded wait for replication; closing the core cancels them.
 */
import { BlockError, decodeBlock, writerTag, type WriterKey } from '@federator/core'
import type Hypercore from 'hypercore'
import type { Logger } from 'pino'
import type { ApplyItem } from './view.js'

export const READ_CHUNK_BLOCKS = 64

export class Follower {
  private running: Promise<void> | null = null
  private again = false
  private closed = false
  private readonly onAppend = (): void => this.kick()
  /** when the applied position first fell behind the log length (for lag in ms) */
  behindSince = 0

  constructor (
    readonly key: WriterKey,
    readonly core: Hypercore,
    private readonly applied: () => number,
    private readonly apply: (items: ApplyItem[], upto: number) => Promise<void>,
    private readonly log: Logger,
    private readonly chunk = READ_CHUNK_BLOCKS
  ) {}

  /**
   * Start following. A remote log is followed live (every append) and fully
   * downloaded; the node's own log only needs catching up once, at start (its
   * new blocks are applied by the store's commit as they are written).
   */
  start (): void {
    if (!this.core.writable) {
      this.core.on('append', this.onAppend)
      // from the applied position: below it a log joined from a snapshot keeps only its live blocks
      this.core.download({ start: this.applied(), end: -1 })
    }
    this.kick()
  }

  kick (): void {
    if (this.closed) return
    if (this.running !== null) { this.again = true; return }
    this.running = this.run().finally(() => {
      this.running = null
      if (this.again && !this.closed) { this.again = false; this.kick() }
    })
  }

  private async run (): Promise<void> {
    try {
      while (!this.closed) {
        const from = this.applied()
        const length = this.core.length
        if (from >= length) { this.behindSince = 0; return }
        if (this.behindSince === 0) this.behindSince = Date.now()
        const upto = Math.min(length, from + this.chunk)
        const seqs = Array.from({ length: upto - from }, (_, i) => from + i)
        const blocks = await Promise.all(seqs.map((i) => this.core.get(i)))
        if (this.closed) return
        await this.apply(blocks.map((buf, i) => Follower.decode(this.key, from + i, buf)), upto)
      }
    } catch (err) {
      if (this.closed || (err as { code?: string }).code === 'REQUEST_CANCELLED' || (err as { code?: string }).code === 'SESSION_CLOSED') return
      this.log.error({ err, writer: this.key }, 'following a writer log failed')
    }
  }

  /** Decode one block of `writer` into an apply item (quarantine items for unreadable data). */
  static decode (writer: WriterKey, seq: number, buf: Buffer | null): ApplyItem {
    if (buf === null) return { writer, seq, entries: [], error: 'block missing' }
    try {
      const { entries, bad } = decodeBlock(buf, writerTag(writer))
      return bad.length > 0 ? { writer, seq, entries, bad } : { writer, seq, entries }
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      return { writer, seq, entries: [], error: err.message }
    }
  }

  async close (): Promise<void> {
    this.closed = true
    this.core.off('append', this.onAppend)
    await this.running?.catch(() => {})
  }
}
