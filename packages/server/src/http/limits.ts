/** Limits of the HTTP layer: named defaults, each overridable through `buildApp({ limits })`. */
import { FedError } from '@federator/core'

/** largest JSON request body (bytes) */
export const DEFAULT_BODY_LIMIT = 1024 * 1024
/** largest bulk import stream (bytes); a stream that goes over is cut with 413 */
export const DEFAULT_IMPORT_MAX_BYTES = 1024 * 1024 * 1024
/** longest NDJSON line of an import (bytes); a longer line is reported and skipped */
export const DEFAULT_IMPORT_MAX_LINE = 1024 * 1024
/** records per store.writeMany() call during an import */
export const DEFAULT_IMPORT_CHUNK = 2000
/** writeMany() calls in flight during an import (parsing overlaps committing) */
export const DEFAULT_IMPORT_IN_FLIGHT = 2
/** line errors reported in an import answer; the rest are only counted */
export const DEFAULT_IMPORT_MAX_ERRORS = 100
/** list page size when `limit` is not given */
export const DEFAULT_LIST_LIMIT = 100
/** largest `limit` of a list page */
export const DEFAULT_LIST_MAX = 1000
/** records a filtered list may examine per request before it answers with what it found and a cursor */
export const DEFAULT_LIST_SCAN_MAX = 100_000
/** longest accepted pagination cursor (characters) */
export const DEFAULT_CURSOR_MAX = 2048
/** bytes of NDJSON gathered per chunk written to an export stream */
export const DEFAULT_EXPORT_CHUNK_BYTES = 64 * 1024

export interface Limits {
  bodyLimit: number
  importMaxBytes: number
  importMaxLine: number
  importChunk: number
  importInFlight: number
  importMaxErrors: number
  listLimit: number
  listMax: number
  listScanMax: number
  cursorMax: number
  exportChunkBytes: number
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  bodyLimit: DEFAULT_BODY_LIMIT,
  importMaxBytes: DEFAULT_IMPORT_MAX_BYTES,
  importMaxLine: DEFAULT_IMPORT_MAX_LINE,
  importChunk: DEFAULT_IMPORT_CHUNK,
  importInFlight: DEFAULT_IMPORT_IN_FLIGHT,
  importMaxErrors: DEFAULT_IMPORT_MAX_ERRORS,
  listLimit: DEFAULT_LIST_LIMIT,
  listMax: DEFAULT_LIST_MAX,
  listScanMax: DEFAULT_LIST_SCAN_MAX,
  cursorMax: DEFAULT_CURSOR_MAX,
  exportChunkBytes: DEFAULT_EXPORT_CHUNK_BYTES
})

export function resolveLimits (given: Partial<Limits> = {}): Limits {
  const out = { ...DEFAULT_LIMITS, ...given }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new FedError('FED_ERR_CONFIG', `limits.${k} must be a positive integer, got ${String(v)}`)
  }
  if (out.listLimit > out.listMax) throw new FedError('FED_ERR_CONFIG', 'limits.listLimit must not exceed limits.listMax')
  return out
}
