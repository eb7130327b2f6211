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
  const bytes = packr.pack([s.type, s.id, fields !== undefined, fields ?? {}, conflicts])
  return hash('sha256', bytes, 'buffer') as unknown as Buffer
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
