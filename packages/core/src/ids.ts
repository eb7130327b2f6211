/** Branded identifiers. A writer is a node's log: its hypercore key (hex). */
export type WriterKey = string & { readonly __brand: 'WriterKey' }
/**
 * The first 16 hex digits (8 bytes) of a writer key: how entries and record
 * states refer to writers compactly. Distinct writers have distinct tags with
 * overwhelming probability (2^-64 per pair).
 */
export type WriterTag = string & { readonly __brand: 'WriterTag' }
export type RecordId = string & { readonly __brand: 'RecordId' }

const WRITER_KEY = /^[0-9a-f]{64}$/
const WRITER_TAG = /^[0-9a-f]{16}$/

export function isWriterKey (x: unknown): x is WriterKey {
  return typeof x === 'string' && WRITER_KEY.test(x)
}

export function isWriterTag (x: unknown): x is WriterTag {
  return typeof x === 'string' && WRITER_TAG.test(x)
}

export function writerTag (key: WriterKey): WriterTag {
  return key.slice(0, 16) as WriterTag
}

export function asWriterKey (x: string): WriterKey {
  if (!isWriterKey(x)) throw new TypeError('not a writer key: ' + x)
  return x
}
