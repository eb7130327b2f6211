/**
 * The view hash: XOR of sha256(encoded view) over every record the node has
 * state for (live, deleted, with their conflicts). XOR makes it incremental
 * (replace a record's digest by XOR-ing out the old one) and independent of
 * order; two nodes have the same hash exactly when they show the same records,
 * values and conflicts (up to sha256 collisions).
 *
 * The encoding is msgpack of [type, id, alive, fields (sorted by name),
 * conflicts (sorted)]. Nested values keep the key order of the entry that
 * wrote them, which is the same on every node (they all decode the same log
 * bytes), so the bytes are canonical without sorting nested keys.
 */
import { hash } from 'node:crypto'
import { Packr } from 'msgpackr'
import { conflictsOf, visibleFields, type Conflict, type RecordState } from './merge.js'
import type { Fields } from './entry.js'

export const EMPTY_HASH = '0'.repeat(64)
const packr = new Packr({ useRecords: false, variableMapSize: true })

/**
 * sha256 of a record's view. Pass `shown` when the visible fields (undefined:
 * not alive) and conflicts are already computed.
 */
export function recordDigest (s: RecordState | undefined, shown?: { fields: Fields | undefined, conflicts: Conflict[] }): Buffer {
  if (s === undefined) return Buffer.alloc(32)
  const fields = shown !== undefined ? shown.fields : visibleFields(s)
  const conflicts = shown !== undefined ? shown.conflicts : conflictsOf(s)
  return encodedRecordDigest(s.type, s.id, fields === undefined ? undefined : packr.pack(fields), conflicts.length === 0 ? undefined : packr.pack(conflicts))
}

let scratch = Buffer.alloc(4096)

/**
 * The same digest from parts already encoded (the store encodes the fields and
 * conflicts once for its own keys): msgpack of an array is its header followed
 * by its items' encodings, so the bytes hashed are assembled here instead of
 * packing the whole view again. `fields`: msgpack of the visible fields
 * (undefined: not alive); `conflicts`: msgpack of the conflicts (undefined: none).
 */
export function encodedRecordDigest (type: string, id: string, fields: Uint8Array | undefined, conflicts: Uint8Array | undefined): Buffer {
  const max = 1 + 2 * 5 + 3 * (type.length + id.length) + 1 + (fields?.length ?? 1) + (conflicts?.length ?? 1)
  if (scratch.length < max) scratch = Buffer.alloc(Math.max(max, scratch.length * 2))
  let n = 0
  scratch[n++] = 0x95 // fixarray of 5
  n = writeStr(scratch, n, type)
  n = writeStr(scratch, n, id)
  scratch[n++] = fields !== undefined ? 0xc3 : 0xc2
  if (fields !== undefined) { scratch.set(fields, n); n += fields.length } else scratch[n++] = 0x80 // {}
  if (conflicts !== undefined) { scratch.set(conflicts, n); n += conflicts.length } else scratch[n++] = 0x90 // []
  return hash('sha256', scratch.subarray(0, n), 'buffer') as unknown as Buffer
}

/** A msgpack string (shortest header, as msgpackr writes it) at `at`; returns the end. */
function writeStr (buf: Buffer, at: number, s: string): number {
  const len = Buffer.byteLength(s)
  if (len < 0x20) buf[at++] = 0xa0 | len
  else if (len < 0x100) { buf[at++] = 0xd9; buf[at++] = len } else if (len < 0x10000) { buf[at++] = 0xda; buf.writeUInt16BE(len, at); at += 2 } else { buf[at++] = 0xdb; buf.writeUInt32BE(len, at); at += 4 }
  return at + buf.write(s, at, 'utf8')
}

export function xorInto (acc: Buffer, digest: Uint8Array): Buffer {
  for (let i = 0; i < 32; i++) acc[i] = acc[i]! ^ digest[i]!
  return acc
}

/** View hash of a whole set of record states (for tests and rebuild checks). */
export function viewHashOf (states: Iterable<RecordState>): string {
  const acc = Buffer.alloc(32)
  for (const s of states) xorInto(acc, recordDigest(s))
  return acc.toString('hex')
}
