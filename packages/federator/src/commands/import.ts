/**
 * `federator import <file>`: streams records to a running node's bulk import
 * (NDJSON), with a progress bar on a TTY. Input: NDJSON (one record per line)
 * or JSON (an array of records); a record is `{ "type": "device", "id": …, …fields }`.
 */
import { createReadStream } from 'node:fs'
import { stat, readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import cliProgress from 'cli-progress'
import { FedError } from '@federator/core'
import { call, type Target } from '../client.js'

export interface ImportResult { imported: number, failed: number, errors: Array<{ line: number, code: string, message: string }>, omittedErrors?: number }

async function jsonToNdjson (path: string): Promise<Buffer> {
  // a UTF-8 byte order mark (editors on Windows write one) is not JSON
  const text = (path === '-' ? await readStdin() : await readFile(path, 'utf8')).replace(/^\uFEFF/, '')
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch (err) { throw new FedError('FED_ERR_INVALID_JSON', `${path}: ${(err as Error).message}`) }
  const records = Array.isArray(parsed) ? parsed : (parsed as { records?: unknown }).records
  if (!Array.isArray(records)) throw new FedError('FED_ERR_VALIDATION', `${path}: expected a JSON array of records (or { "records": [...] })`)
  return Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n')
}

async function readStdin (): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export function detectFormat (path: string, format?: string): 'ndjson' | 'json' {
  if (format === 'json' || format === 'ndjson') return format
  if (format !== undefined) throw new FedError('FED_ERR_CONFIG', `--format: json or ndjson, got ${JSON.stringify(format)}`)
  return /\.json$/i.test(path) ? 'json' : 'ndjson'
}

export async function runImport (t: Target, path: string, opts: { format?: string, progress?: boolean, dryRun?: boolean }): Promise<ImportResult> {
  const format = detectFormat(path, opts.format)
  let body: Readable
  let total: number
  if (format === 'json') {
    const buf = await jsonToNdjson(path)
    body = Readable.from([buf])
    total = buf.length
  } else if (path === '-') {
    body = process.stdin
    total = 0
  } else {
    total = (await stat(path).catch((err) => { throw new FedError('FED_ERR_CONFIG', `cannot read ${path}: ${(err as Error).message}`) })).size
    body = createReadStream(path)
  }
  const bar = opts.progress === true && total > 0
    ? new cliProgress.SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} bytes | {eta}s left', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined
  bar?.start(total, 0)
  let sent = 0
  body.on('data', (chunk: Buffer) => { sent += chunk.length; bar?.update(sent) })
  try {
    const res = await call(t, '/api/v1/import' + (opts.dryRun === true ? '?dryRun=true' : ''), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: Readable.toWeb(body) as unknown as ReadableStream,
      duplex: 'half'
    })
    return await res.json() as ImportResult
  } finally {
    bar?.update(sent)
    bar?.stop()
  }
}
