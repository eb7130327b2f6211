/**
 * The import's progress, in records the node has answered for. Counting what
 * the upload has sent is no measure: the socket buffers alone hold megabytes,
 * a whole small import, so such a bar runs to 100 % and then waits. With a
 * bar, the import goes out in requests of `IMPORT_REQUEST_RECORDS` records
 * (`chunkRecords`, whole lines, line numbers kept), one after the other, and
 * the bar moves by what each answer counts (imported + failed). The total is
 * counted beforehand (the file's non-blank lines, or the JSON array's length).
 *
 * The ETA is the remaining records at the average rate since the first
 * record went out — not cli-progress's own estimate over its last few
 * updates, which swings with every pause of the node (a batch being applied)
 * and every buffer fill. It is shown once `ETA_WARMUP_MS` have passed, so the
 * first burst (filling the socket buffers) does not promise an instant end.
 */
import { createReadStream } from 'node:fs'

/** No ETA before this much time since the first record (ms). */
export const ETA_WARMUP_MS = 1000

/** Records per import request when a progress bar is shown. */
export const IMPORT_REQUEST_RECORDS = 5000

/** Counts non-blank lines across chunks (a last line without newline counts at end()). */
export class LineCounter {
  count = 0
  private blank = true

  push (chunk: Uint8Array): number {
    let n = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!
      if (c === 0x0a) {
        if (!this.blank) n++
        this.blank = true
      } else if (this.blank && c !== 0x20 && c !== 0x09 && c !== 0x0d) {
        this.blank = false
      }
    }
    this.count += n
    return n
  }

  end (): number {
    if (!this.blank) { this.count++; this.blank = true }
    return this.count
  }
}

/** The number of records (non-blank lines) in an NDJSON file. */
export async function countRecords (path: string): Promise<number> {
  const lines = new LineCounter()
  for await (const chunk of createReadStream(path)) lines.push(chunk as Buffer)
  return lines.end()
}

/** Seconds left for `total` records at the average rate so far; undefined while it cannot be told. */
export class EtaEstimator {
  private started: number | undefined

  constructor (readonly total: number, readonly warmupMs = ETA_WARMUP_MS) {}

  /** Starts the clock (else the first eta() with records done does). */
  start (now: number): void { this.started ??= now }

  eta (done: number, now: number): number | undefined {
    if (done <= 0) return undefined
    this.started ??= now
    const elapsed = now - this.started
    if (elapsed < this.warmupMs) return undefined
    if (done >= this.total) return 0
    return Math.ceil((this.total - done) * elapsed / done / 1000)
  }

  /** records per second since the first one, or undefined before the warm-up */
  rate (done: number, now: number): number | undefined {
    if (this.started === undefined) return undefined
    const elapsed = now - this.started
    return elapsed < this.warmupMs ? undefined : Math.round(done * 1000 / elapsed)
  }
}

/** `1h02m`, `3m05s`, `42s`; `…` when unknown. */
export function formatEta (seconds: number | undefined): string {
  if (seconds === undefined) return '…'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`
  return `${s}s`
}

/** A run of whole lines: `firstLine` is the file's number of its first line (1-based), `records` its non-blank lines. */
export interface RecordChunk { body: Buffer, firstLine: number, records: number }

/**
 * Cuts an NDJSON byte stream into runs of whole lines holding `perChunk`
 * records each (the last may hold fewer); blank lines travel with the run
 * they are in, so the node's line numbers, offset by `firstLine - 1`, are the file's.
 */
export async function * chunkRecords (source: AsyncIterable<Uint8Array | string>, perChunk = IMPORT_REQUEST_RECORDS): AsyncGenerator<RecordChunk> {
  let parts: Buffer[] = []
  let partial: Buffer[] = [] // the current line so far
  let partialBlank = true
  let records = 0
  let lines = 0 // lines in parts
  let firstLine = 1
  const take = (): RecordChunk => {
    const out = { body: Buffer.concat(parts), firstLine, records }
    firstLine += lines
    parts = []
    records = 0
    lines = 0
    return out
  }
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!
      if (c === 0x0a) {
        parts.push(...partial, chunk.subarray(start, i + 1))
        partial = []
        start = i + 1
        lines++
        if (!partialBlank) records++
        partialBlank = true
        if (records >= perChunk) yield take()
      } else if (partialBlank && c !== 0x20 && c !== 0x09 && c !== 0x0d) {
        partialBlank = false
      }
    }
    if (start < chunk.length) partial.push(Buffer.from(chunk.subarray(start)))
  }
  if (partial.length > 0) {
    parts.push(...partial)
    lines++
    if (!partialBlank) records++
  }
  if (parts.length > 0) yield take()
}
