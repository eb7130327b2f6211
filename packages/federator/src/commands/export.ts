/**
 * `federator export [file]`: all records (or some types) from a running node,
 * as NDJSON or a JSON array. The records hold secrets (device and trunk
 * passwords, voicemail PINs): a file is created, or truncated and tightened,
 * with mode 0600. Resolves with the number of records written.
 */
import { chmod, open } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { call, type Target } from '../client.js'
import { detectFormat } from './import.js'

/** Wraps NDJSON lines into one JSON array. */
function ndjsonToArray (): Transform {
  let first = true
  let rest = ''
  return new Transform({
    transform (chunk: Buffer, _enc, cb) {
      const text = rest + chunk.toString('utf8')
      const lines = text.split('\n')
      rest = lines.pop()!
      let out = ''
      for (const line of lines) {
        if (line.trim() === '') continue
        out += (first ? '[\n' : ',\n') + line
        first = false
      }
      cb(null, out)
    },
    flush (cb) {
      let out = ''
      if (rest.trim() !== '') { out += (first ? '[\n' : ',\n') + rest; first = false }
      cb(null, out + (first ? '[]\n' : '\n]\n'))
    }
  })
}

/** Counts the records (non-empty NDJSON lines) passing through. */
function lineCounter (): Transform & { count: number } {
  let last = 0x0a
  const t = new Transform({
    transform (chunk: Buffer, _enc, cb) {
      for (const b of chunk) {
        if (b === 0x0a && last !== 0x0a) t.count++
        last = b
      }
      cb(null, chunk)
    },
    flush (cb) { if (last !== 0x0a) t.count++; cb() }
  }) as Transform & { count: number }
  t.count = 0
  return t
}

/** The export file: created with mode 0600, or (existing) tightened to it before anything is written. */
async function privateFile (path: string): Promise<NodeJS.WritableStream> {
  const fh = await open(path, 'w', 0o600)
  await chmod(path, 0o600)
  return fh.createWriteStream()
}

export async function runExport (t: Target, path: string, opts: { format?: string, types?: string }): Promise<number> {
  const format = detectFormat(path === '-' ? 'x.ndjson' : path, opts.format)
  const q = opts.types !== undefined ? '?types=' + encodeURIComponent(opts.types) : ''
  const res = await call(t, '/api/v1/export' + q)
  const src = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)
  const dest = path === '-' ? process.stdout : await privateFile(path)
  const counter = lineCounter()
  if (format === 'json') await pipeline(src, counter, ndjsonToArray(), dest)
  else await pipeline(src, counter, dest)
  return counter.count
}
