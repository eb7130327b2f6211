/**
 * The view hash: XOR of sha256(canonical view) over every record the node has
 * state for (live, deleted, with their conflicts). XOR makes it incremental
 * (replace a record's digest by XOR-ing out the old one) and independent of
 * order; two nodes have the same hash exactly when they show the same records,
 * values and conflicts (up to sha256 collisions).
 */
import { createHash } from 'node:crypto'
import { canonicalView, type RecordState } from './merge.js'

export const EMPTY_HASH = '0'.repeat(64)

export function recordDigest (s: RecordState | undefined): Buffer {
  if (s === undefined) return Buffer.alloc(32)
  return createHash('sha256').update(canonicalView(s)).digest()
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
