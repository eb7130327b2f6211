/**
 * The rules the REST routes enforce beyond the record schemas, applied to
 * each line of a bulk import too, so an import cannot write what the API
 * refuses:
 *
 *   node   records are written by the nodes themselves: a line may only
 *          repeat a node record as it is (nothing to write) or change its
 *          `revoked` (the API's PATCH), and never revoke this node itself;
 *   row    its family needs key columns (a table definition, stored or
 *          earlier in the same import, or built-in defaults), and its id
 *          must be the one its key columns give;
 *   table  its key columns cannot change while it has rows.
 *
 * Lines of other types pass unchanged (the store validates them). One
 * ImportRules lives for one import: it remembers the tables defined so far.
 */
import {
  FedError, defaultKeyColumns, keyValuesOf, revocationOf, rowId, validateRecord, type Fields
} from '@federator/core'
import type { Store, WriteOp } from '../../ports.js'

type Replace = Extract<WriteOp, { op: 'replace' }>

export class ImportRules {
  /** key columns of the tables defined earlier in this import */
  private readonly tables = new Map<string, readonly string[]>()

  constructor (private readonly store: Store) {}

  /** The write for an import line (`replace`), null when there is nothing to write; throws FedError as the API would. */
  check (op: Replace): WriteOp | null | Promise<WriteOp | null> {
    switch (op.type) {
      case 'node': return this.node(op)
      case 'row': return this.row(op)
      case 'table': return this.table(op)
      default: return op
    }
  }

  private node (op: Replace): WriteOp | null {
    const fields = validateRecord('node', op.fields)
    const current = this.store.getSync('node', op.id)
    if (current === undefined) {
      throw new FedError('FED_ERR_NOT_FOUND', `No node ${op.id}: node records are written by the nodes themselves`)
    }
    const differs = [...new Set([...Object.keys(current), ...Object.keys(fields)])]
      .filter((k) => k !== 'revoked' && JSON.stringify(current[k]) !== JSON.stringify(fields[k]))
    if (differs.length > 0) {
      throw new FedError('FED_ERR_READ_ONLY_FIELD', `node fields ${differs.join(', ')} cannot be changed here (node records are written by the nodes themselves; changeable: revoked)`,
        differs.map((f) => ({ path: '/' + f, message: 'read-only' })))
    }
    const was = revocationOf(current)
    const now = revocationOf(fields)
    if (JSON.stringify(was) === JSON.stringify(now)) return null
    if (now === undefined) return { op: 'patch', type: 'node', id: op.id, set: {}, unset: ['revoked'] }
    if (op.id === this.store.writerKey) throw new FedError('FED_ERR_VALIDATION', 'A node cannot revoke itself; revoke it from another node')
    return { op: 'patch', type: 'node', id: op.id, set: { revoked: now } }
  }

  private row (op: Replace): WriteOp {
    const fields = validateRecord('row', op.fields) as { family: string, columns: Record<string, string> }
    const keys = this.tables.get(fields.family) ?? (this.store.getSync('table', fields.family)?.keys as string[] | undefined) ?? defaultKeyColumns(fields.family)
    if (keys === undefined) {
      throw new FedError('FED_ERR_UNKNOWN_TABLE', `No table ${fields.family}: define its key columns first (a "table" line before its rows, or PUT /api/v1/tables/${fields.family})`)
    }
    const id = rowId(fields.family, keyValuesOf(fields.family, fields.columns, keys))
    if (id !== op.id) throw new FedError('FED_ERR_ID_MISMATCH', `The key columns give the row id ${JSON.stringify(id)}, the line says ${JSON.stringify(op.id)}`)
    return op
  }

  private async table (op: Replace): Promise<WriteOp> {
    const fields = validateRecord('table', op.fields) as Fields & { keys: string[] }
    const current = this.store.getSync('table', op.id)
    if (current !== undefined && JSON.stringify(current.keys) !== JSON.stringify(fields.keys) &&
      (await this.store.list('row', { prefix: op.id + '/', limit: 1 })).length > 0) {
      throw new FedError('FED_ERR_TABLE_NOT_EMPTY', `Table ${op.id} has rows; its key columns cannot change`)
    }
    this.tables.set(op.id, fields.keys)
    return op
  }
}
