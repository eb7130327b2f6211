/**
 * Turning admin writes into log entries: validation against the record
 * schemas (before anything is queued), and the entry each operation becomes
 * given the record's current state — `create` and a `replace` of a missing
 * record are puts, a `replace` of a live record is a patch that also unsets
 * the fields not given, `delete` is a tombstone. The caller stamps the HLC.
 */
import {
  FedError, assertId, assertType, contextFor, isAlive, validatePatch, validateRecord, visibleFields,
  type Fields, type Hlc, type NewEntry, type RecordState, type Revocation, type WriterTag
} from '@federator/core'
import type { WriteOp } from './types.js'

/** Validate an operation; throws FedError (unknown type, bad id, schema). */
export function checkOp (op: WriteOp): WriteOp {
  assertType(op.type)
  assertId(op.type, op.id)
  switch (op.op) {
    case 'create':
    case 'replace':
      return { ...op, fields: validateRecord(op.type, op.fields) }
    case 'patch': {
      const { set, unset } = validatePatch(op.type, op.set, op.unset ?? [])
      return { ...op, set, unset }
    }
    case 'delete':
      return op
    default:
      throw new FedError('FED_ERR_VALIDATION', `unknown operation ${String((op as { op: unknown }).op)}`)
  }
}

/** The entry for a checked operation on a record in `state`; throws FED_ERR_EXISTS / FED_ERR_NOT_FOUND. */
export function entryFor (op: WriteOp, state: RecordState | undefined, self: WriterTag): NewEntry {
  const alive = isAlive(state)
  // every entry is built with its final shape (no property deleted afterwards: the batcher encodes each one)
  const ctx = contextFor(state, self)
  const entry = (kind: NewEntry['op'], set?: Fields, unset?: string[]): NewEntry => {
    const e: NewEntry = { type: op.type, id: op.id, hlc: 0 as Hlc, op: kind }
    if (set !== undefined) e.set = set
    if (unset !== undefined && unset.length > 0) e.unset = unset
    if (ctx !== undefined) e.ctx = ctx
    return e
  }
  switch (op.op) {
    case 'create':
      if (alive) throw new FedError('FED_ERR_EXISTS', `${op.type} ${op.id} already exists`)
      return entry('put', op.fields as Fields)
    case 'replace': {
      if (!alive) return entry('put', op.fields as Fields)
      const current = visibleFields(state) ?? {}
      const unset = Object.keys(current).filter((k) => !(k in op.fields))
      return entry('patch', op.fields as Fields, unset)
    }
    case 'patch':
      if (!alive) throw new FedError('FED_ERR_NOT_FOUND', `${op.type} ${op.id} not found`)
      return entry('patch', op.set as Fields, op.unset ?? [])
    case 'delete':
      if (!alive) throw new FedError('FED_ERR_NOT_FOUND', `${op.type} ${op.id} not found`)
      return entry('del')
  }
}

export function toFedError (err: unknown): FedError {
  if (err instanceof FedError) return err
  return new FedError('FED_ERR_INTERNAL', (err as Error)?.message ?? String(err))
}

/** The refusal of every write once this node's own record says it is revoked. */
export function revokedError (r: Revocation): FedError {
  return new FedError('FED_ERR_REVOKED', `This node was revoked${r.at !== '' ? ' at ' + r.at : ''}${r.reason !== undefined ? ' (' + r.reason + ')' : ''}: ` +
    `it refuses writes; its log entries from position ${r.length} on are ignored everywhere. Set up a new node with a fresh data directory.`,
  { length: r.length, ...(r.at !== '' ? { at: r.at } : {}), ...(r.reason !== undefined ? { reason: r.reason } : {}) })
}
