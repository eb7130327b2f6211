/**
 * NDJSON line splitting over a byte stream, without buffering more than one
 * line: chunks are cut at `\n` (which never occurs inside a UTF-8 multi-byte
 * sequence, so each line decodes on its own). A line longer than `maxLine`
 * bytes is not kept: it is reported as `tooLong` and skipped up to its end.
 * Lines are numbered from 1, blank lines included; they come out in arrays,
 * one array per input chunk, to keep the per-line overhead low.
 */
export interface NdjsonLine {
  line: number
  /** the line's text (undefined when tooLong) */
  text?: string
  tooLong?: true
}

function toBuffer (chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

export async function * ndjsonLines (source: AsyncIterable<Buffer | Uint8Array | string>, maxLine: number): AsyncGenerator<NdjsonLine[]> {
  let carry: Buffer[] = []
  let carryLength = 0
  let skipping = false
  let line = 0
  for await (const chunk of source) {
    const buf = toBuffer(chunk)
    const out: NdjsonLine[] = []
    let start = 0
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      line++
      const length = carryLength + nl - start
      if (skipping || length > maxLine) {
        out.push({ line, tooLong: true })
      } else {
        const piece = buf.subarray(start, nl)
        const text = carryLength === 0 ? piece.toString('utf8') : Buffer.concat([...carry, piece]).toString('utf8')
        out.push({ line, text })
      }
      skipping = false
      carry = []
      carryLength = 0
      start = nl + 1
    }
    if (start < buf.length && !skipping) {
      carry.push(buf.subarray(start))
      carryLength += buf.length - start
      if (carryLength > maxLine) { skipping = true; carry = []; carryLength = 0 }
    }
    if (out.length > 0) yield out
  }
  if (skipping) yield [{ line: line + 1, tooLong: true }]
  else if (carryLength > 0) yield [{ line: line + 1, text: Buffer.concat(carry).toString('utf8') }]
}
