/**
 * Bulk import and export of records as NDJSON, one record a line:
 * `{ "type": "device", "id": "d1", ...fields }`.
 *
 * Import streams: lines are parsed as they arrive and written in chunks
 * through `store.writeMany()` as upserts (op `replace`: the record becomes
 * exactly the line), with a few chunks in flight so parsing overlaps
 * committing; memory stays bounded by chunk size × in-flight chunks. A line
 * that is not JSON, not a record, or fails validation is reported (line
 * number, code, message) and skipped; every other line is imported. A line
 * passes the same rules as the REST routes (admin/bulk/import-rules.ts: read-only node
 * fields, rows of defined tables only…). Nothing here knows HTTP: the CLI can
 * import into a store directly.
 */
import {
  FedError, RECORD_TYPES, assertId, assertType, validateRecord, type ErrorCode, type RecordType
} from '@federator/core'
import type { Store, WriteOp, WriteResult } from '../../ports.js'
import { ImportRules } from './import-rules.js'
import { ndjsonLines } from './ndjson.js'
import { isPlainObject } from '../../http/merge-patch.js'
import { DEFAULT_LIMITS } from '../../http/limits.js'

export interface ImportOptions {
  /** validate only, write nothing */
  dryRun?: boolean
  chunk?: number
  inFlight?: number
  maxLine?: number
  maxBytes?: number
  maxErrors?: number
}

export interface ImportError { line: number, code: ErrorCode, message: string }

export interface ImportResult {
  imported: number
  failed: number
  /** the first `maxErrors` failures, by line */
  errors: ImportError[]
  /** failures not listed in `errors` */
  omittedErrors: number
  dryRun?: true
}

/** Admin tokens are credentials of one cluster: never exported, never imported. */
const TOKENS_NOT_BULK = 'token records (admin credentials) are neither imported nor exported: create tokens with POST /api/v1/tokens or federator token create'

/** One NDJSON line → an upsert; throws FedError. */
export function lineToOp (text: string, validate = false): WriteOp {
  let rec: unknown
  try {
    rec = JSON.parse(text)
  } catch (err) {
    throw new FedError('FED_ERR_INVALID_JSON', `The line is not JSON: ${(err as Error).message}`)
  }
  if (!isPlainObject(rec)) throw new FedError('FED_ERR_VALIDATION', 'A line must be a JSON object { "type": …, "id": …, …fields }')
  const { type, id, ...fields } = rec
  assertType(type)
  if (type === 'token') throw new FedError('FED_ERR_UNKNOWN_TYPE', TOKENS_NOT_BULK)
  assertId(type, id)
  if (type === 'row' && typeof fields.family === 'string' && !id.startsWith(fields.family + '/')) {
    throw new FedError('FED_ERR_ID_MISMATCH', `A row's id must start with its family: ${JSON.stringify(id)} is not in ${fields.family}`)
  }
  if (validate) validateRecord(type, fields)
  return { op: 'replace', type, id, fields }
}

async function * counted (source: AsyncIterable<Buffer | Uint8Array | string>, maxBytes: number): AsyncGenerator<Buffer | Uint8Array | string> {
  let n = 0
  for await (const chunk of source) {
    n += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
    if (n > maxBytes) throw new FedError('FED_ERR_BODY_TOO_LARGE', `The import is larger than ${maxBytes} bytes; the lines before the limit were processed`)
    yield chunk
  }
}

export async function importNdjson (store: Store, source: AsyncIterable<Buffer | Uint8Array | string>, opts: ImportOptions = {}): Promise<ImportResult> {
  const chunkSize = opts.chunk ?? DEFAULT_LIMITS.importChunk
  const inFlight = opts.inFlight ?? DEFAULT_LIMITS.importInFlight
  const maxErrors = opts.maxErrors ?? DEFAULT_LIMITS.importMaxErrors
  const dryRun = opts.dryRun === true
  const result: ImportResult = { imported: 0, failed: 0, errors: [], omittedErrors: 0 }
  if (dryRun) result.dryRun = true
  const fail = (line: number, err: unknown): void => {
    result.failed++
    const e = err instanceof FedError ? err : new FedError('FED_ERR_INTERNAL', (err as Error)?.message ?? String(err))
    if (result.errors.length < maxErrors) result.errors.push({ line, code: e.code, message: e.message })
    else result.omittedErrors++
  }
  const pending: Array<{ lines: number[], done: Promise<Array<WriteResult | FedError>> }> = []
  const settle = async (): Promise<void> => {
    const { lines, done } = pending.shift()!
    const res = await done
    res.forEach((r, i) => { if (r instanceof Error) fail(lines[i]!, r); else result.imported++ })
  }
  let ops: WriteOp[] = []
  let lines: number[] = []
  const flush = async (): Promise<void> => {
    if (ops.length === 0) return
    while (pending.length >= inFlight) await settle()
    const done = store.writeMany(ops)
    done.catch(() => {}) // handled in settle(); this only keeps a rejection from counting as unhandled meanwhile
    pending.push({ lines, done })
    ops = []
    lines = []
  }
  const rules = new ImportRules(store)
  let stopped: unknown
  try {
    for await (const batch of ndjsonLines(counted(source, opts.maxBytes ?? DEFAULT_LIMITS.importMaxBytes), opts.maxLine ?? DEFAULT_LIMITS.importMaxLine)) {
      for (const l of batch) {
        if (l.tooLong === true) { fail(l.line, new FedError('FED_ERR_BODY_TOO_LARGE', `The line is longer than ${opts.maxLine ?? DEFAULT_LIMITS.importMaxLine} bytes`)); continue }
        // a UTF-8 byte order mark (editors on Windows write one) before the first line is not part of it
        const text = l.line === 1 && l.text!.charCodeAt(0) === 0xfeff ? l.text!.slice(1) : l.text!
        if (text.trim() === '') continue
        try {
          const checked = rules.check(lineToOp(text, dryRun) as Extract<WriteOp, { op: 'replace' }>)
          const op = checked instanceof Promise ? await checked : checked
          if (dryRun || op === null) { result.imported++; continue } // null: a node line as it is, nothing to write
          ops.push(op)
          lines.push(l.line)
        } catch (err) {
          fail(l.line, err)
        }
        if (ops.length >= chunkSize) await flush()
      }
    }
    await flush()
  } catch (err) {
    stopped = err
  }
  // whatever happened, account for every write already handed to the store
  let storeError: unknown
  while (pending.length > 0) await settle().catch((err) => { storeError ??= err })
  result.errors.sort((a, b) => a.line - b.line)
  const cause = stopped ?? storeError
  if (cause !== undefined) {
    // a FedError from the store or the limits; anything else broke the input stream (e.g. the client went away)
    const e = cause instanceof FedError ? cause : new FedError('FED_ERR_BAD_REQUEST', `The import stream broke off: ${(cause as Error)?.message ?? String(cause)}`)
    throw new FedError(e.code, e.message, { ...result, ...(e.details !== undefined ? { cause: e.details } : {}) })
  }
  return result
}

/**
 * What an export holds unless asked otherwise: every type but `node` (cluster
 * membership, written by the nodes themselves; an import accepts a node line
 * only as the record already is here, or with another `revoked`), so an
 * export restores into another cluster without failed lines.
 */
export const EXPORT_DEFAULT_TYPES: readonly RecordType[] = RECORD_TYPES.filter((t) => t !== 'node')

/** Check a list of record type names (`user,device`); throws FED_ERR_BAD_QUERY. Empty: EXPORT_DEFAULT_TYPES. */
export function parseTypes (list: string | undefined): RecordType[] {
  if (list === undefined || list.trim() === '') return [...EXPORT_DEFAULT_TYPES]
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (names.includes('token')) throw new FedError('FED_ERR_BAD_QUERY', TOKENS_NOT_BULK)
  const unknown = names.filter((n) => !(RECORD_TYPES as string[]).includes(n))
  if (unknown.length > 0) throw new FedError('FED_ERR_BAD_QUERY', `Unknown record type${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (types: ${RECORD_TYPES.join(', ')})`)
  return RECORD_TYPES.filter((t) => names.includes(t)) // dependency order: tables before rows
}

/** Every record of these types as NDJSON text, in chunks of about `chunkBytes`. */
export async function * exportNdjson (store: Store, types: readonly RecordType[] = RECORD_TYPES, chunkBytes = DEFAULT_LIMITS.exportChunkBytes): AsyncGenerator<string> {
  let buf = ''
  for (const type of types) {
    for await (const rec of store.scan(type)) {
      const line: Record<string, unknown> = { type, id: rec.id, ...rec.fields }
      line.type = type
      line.id = rec.id
      buf += JSON.stringify(line) + '\n'
      if (buf.length >= chunkBytes) { yield buf; buf = '' }
    }
  }
  if (buf.length > 0) yield buf
}
