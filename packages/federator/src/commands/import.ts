/**
 * `federator import <file>`: streams records to a running node's bulk import
 * (NDJSON), with a progress bar on a TTY counting records, with a steady ETA
 * (import-progress.ts). Input: NDJSON (one record per line) or JSON (an array
 * of records); a record is `{ "type": "device", "id": …, …fields }`.
 */
import { createReadStream } from 'node:fs'
import { stat, readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import cliProgress from 'cli-progress'
import { FedError } from '@federator/core'
import { DEFAULT_IMPORT_MAX_ERRORS } from '@federator/server'
import { call, type Target } from '../client.js'
import { chunkRecords, countRecords, EtaEstimator, formatEta } from './import-progress.js'

export interface ImportResult { imported: number, failed: number, errors: Array<{ line: number, code: string, message: string }>, omittedErrors?: number }

async function jsonToNdjson (path: string): Promise<{ buf: Buffer, records: number }> {
  // a UTF-8 byte order mark (editors on Windows write one) is not JSON
  const text = (path === '-' ? await readStdin() : await readFile(path, 'utf8')).replace(/^\uFEFF/, '')
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch (err) { throw new FedError('FED_ERR_INVALID_JSON', `${path}: ${(err as Error).message}`) }
  const records = Array.isArray(parsed) ? parsed : (parsed as { records?: unknown }).records
  if (!Array.isArray(records)) throw new FedError('FED_ERR_VALIDATION', `${path}: expected a JSON array of records (or { "records": [...] })`)
  return { buf: Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'), records: records.length }
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
  let total: number // records; 0: unknown (stdin), no bar
  if (format === 'json') {
    const { buf, records } = await jsonToNdjson(path)
    body = Readable.from([buf])
    total = records
  } else if (path === '-') {
    body = process.stdin
    total = 0
  } else {
    await stat(path).catch((err) => { throw new FedError('FED_ERR_CONFIG', `cannot read ${path}: ${(err as Error).message}`) })
    total = opts.progress === true ? await countRecords(path) : 0
    body = createReadStream(path)
  }
  const url = '/api/v1/import' + (opts.dryRun === true ? '?dryRun=true' : '')
  const send = async (data: Readable | Buffer): Promise<ImportResult> => {
    const payload = Buffer.isBuffer(data) ? { body: data } : { body: Readable.toWeb(data as Readable) as unknown as ReadableStream, duplex: 'half' as const }
    const res = await call(t, url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, ...payload })
    return await res.json() as ImportResult
  }
  // a dry run writes nothing, so a row whose table an earlier request defined would fail: one request
  if (opts.progress !== true || total === 0 || opts.dryRun === true) return await send(body)

  const bar = new cliProgress.SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} records | {speed} | ETA {left}', stream: process.stderr }, cliProgress.Presets.shades_classic)
  const eta = new EtaEstimator(total)
  const result: ImportResult = { imported: 0, failed: 0, errors: [], omittedErrors: 0 }
  const show = (): void => {
    const done = result.imported + result.failed
    const now = Date.now()
    const left = formatEta(eta.eta(done, now))
    const rate = eta.rate(done, now)
    bar.update(Math.min(done, total), { left, speed: rate === undefined ? '…' : `${rate}/s` })
  }
  bar.start(total, 0, { left: formatEta(undefined), speed: '…' })
  eta.start(Date.now()) // the clock starts with the first request
  try {
    for await (const chunk of chunkRecords(body)) {
      const r = await send(chunk.body)
      result.imported += r.imported
      result.failed += r.failed
      for (const e of r.errors) {
        if (result.errors.length < DEFAULT_IMPORT_MAX_ERRORS) result.errors.push({ ...e, line: e.line + chunk.firstLine - 1 })
        else result.omittedErrors!++
      }
      result.omittedErrors! += r.omittedErrors ?? 0
      show()
    }
  } finally {
    bar.stop()
  }
  return result
}
