/** `federator export [file]`: all records (or some types) from a running node, as NDJSON or a JSON array. */
import { createWriteStream } from 'node:fs'
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

export async function runExport (t: Target, path: string, opts: { format?: string, types?: string }): Promise<void> {
  const format = detectFormat(path === '-' ? 'x.ndjson' : path, opts.format)
  const q = opts.types !== undefined ? '?types=' + encodeURIComponent(opts.types) : ''
  const res = await call(t, '/api/v1/export' + q)
  const src = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)
  const dest = path === '-' ? process.stdout : createWriteStream(path)
  if (format === 'json') await pipeline(src, ndjsonToArray(), dest)
  else await pipeline(src, dest)
}
