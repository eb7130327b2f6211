/** The public shapes of the store: what server, net and the CLI program against. */
import type { Fields, RecordType, WriterKey, Conflict } from '@federator/core'

/** A live record as readers see it: its visible fields. */
export interface StoredRecord {
  type: RecordType | string
  id: string
  fields: Fields
}

/** One local write. Acknowledged (the promise resolves) once it is in the log and applied. */
export type WriteOp =
  /** A new record; FED_ERR_EXISTS when a live record has this id. */
  | { op: 'create', type: RecordType, id: string, fields: Record<string, unknown> }
  /** The record's content becomes exactly `fields`; creates the record when it does not exist. */
  | { op: 'replace', type: RecordType, id: string, fields: Record<string, unknown> }
  /** Field-level change; `null` in `set` removes a field. FED_ERR_NOT_FOUND when absent. */
  | { op: 'patch', type: RecordType, id: string, set: Record<string, unknown>, unset?: string[] }
  /** FED_ERR_NOT_FOUND when absent. */
  | { op: 'delete', type: RecordType, id: string }

export interface WriteResult {
  type: RecordType
  id: string
  /** The record after the write (undefined after a delete). */
  fields?: Fields
  /** true when the write created the record */
  created: boolean
}

/** A record's visible change, emitted after each applied batch (local or remote). */
export interface Change {
  type: string
  id: string
  /** visible fields before (undefined: the record did not exist) */
  before?: Fields
  /** visible fields after (undefined: the record does not exist now) */
  after?: Fields
}

export interface WriterInfo {
  key: WriterKey
  /** entries (blocks) available locally in this writer's log */
  length: number
  /** blocks applied to the view */
  applied: number
  /** entries quarantined (malformed) from this writer */
  quarantined: number
  /** true for this node's own log */
  local: boolean
}

export interface ConflictRecord {
  type: string
  id: string
  conflicts: Conflict[]
}
