/**
 * A small LevelDB for this node's own local state that is not replicated and
 * is not part of the view: today the node's soft state (its registrations),
 * kept across restarts. It lives in its own directory beside the view, so a
 * view rebuild (which replaces `view/`) never touches it, and nothing in it
 * ever enters the log.
 *
 * Keys are strings, values bytes (the caller encodes them). Writes go to
 * LevelDB's write-ahead log with one `write()` per batch: a batch that
 * resolved survives the process being killed (SIGKILL); it is not fsynced, so
 * an OS crash may lose the last batches. A format marker (`\0format`) guards
 * against opening a directory written by an incompatible future version.
 */
import { ClassicLevel } from 'classic-level'
import { FedError } from '@federator/core'

/** format of a LocalDb directory; a directory of a higher format is refused */
export const LOCAL_DB_FORMAT = 1
const FORMAT_KEY = '\u0000format'
/** entries read from LevelDB per step when iterating */
const ENTRIES_BATCH = 1024

export class LocalDb {
  private constructor (private readonly db: ClassicLevel<string, Uint8Array>, readonly dir: string) {}

  /** Open (creating it when missing) the database in `dir`. */
  static async open (dir: string): Promise<LocalDb> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause
      throw new FedError('FED_ERR_INTERNAL', `cannot open the local state database at ${dir}: ${cause?.message ?? (err as Error).message}`)
    }
    const format = await db.get(FORMAT_KEY)
    const n = format === undefined ? undefined : Number(Buffer.from(format).toString())
    if (n === undefined) {
      await db.put(FORMAT_KEY, Buffer.from(String(LOCAL_DB_FORMAT)))
    } else if (!(n <= LOCAL_DB_FORMAT)) {
      await db.close()
      throw new FedError('FED_ERR_INTERNAL', `the local state database at ${dir} has format ${String(n)}; this version reads up to ${LOCAL_DB_FORMAT}`)
    }
    return new LocalDb(db, dir)
  }

  /** Every entry whose key starts with `prefix`, in key order. */
  async * entries (prefix = ''): AsyncGenerator<[string, Uint8Array]> {
    const range = prefix === '' ? { gt: FORMAT_KEY } : { gte: prefix, lt: prefix + '\uffff' }
    const it = this.db.iterator(range)
    try {
      for (;;) {
        const batch = await it.nextv(ENTRIES_BATCH)
        if (batch.length === 0) return
        yield * batch
      }
    } finally {
      await it.close()
    }
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    return await this.db.get(key)
  }

  /** One atomic batch: `puts` written, `dels` deleted. */
  async write (puts: Iterable<[string, Uint8Array]>, dels: Iterable<string> = []): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }> = []
    for (const [key, value] of puts) ops.push({ type: 'put', key, value })
    for (const key of dels) ops.push({ type: 'del', key })
    if (ops.length > 0) await this.db.batch(ops)
  }

  async close (): Promise<void> {
    await this.db.close()
  }
}
