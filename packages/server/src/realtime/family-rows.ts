/**
 * Generic replicated tables: every family that is not a view (`queues`,
 * `queue_members`, `extensions`, `musiconhold`, `ps_domain_aliases`, custom
 * ones) is a set of `row` records `{ family, columns }` with the id
 * `<family>/<key values>` (core rows.ts). Key columns come from the family's
 * `table` record, else the defaults for well-known families.
 *
 * Lookups use the in-memory RowIndex (one map read for the planned index),
 * else scan the family's rows. Asterisk's own writes land in the log through
 * `store.writeMany`, with SQL semantics: `store` inserts (an existing key is
 * `-1`), `update` and `destroy` change every matching row and answer how many
 * matched. Everything is validated before anything is written, so a refused
 * write writes nothing.
 */
import {
  applyRowUpdate, compileCriteria, isFedError, isNumericColumn, obj, planLookup, rowFromStore, type Criterion, type DestroyRequest,
  type FedError, type LookupPlan, type Row, type StoreRequest, type UpdateRequest
} from '@federator/core'
import type { WriteOp } from '../ports.js'
import { tag, type CacheTag } from './cache-tags.js'
import { WriteRefused, type FamilyHandler, type LookupContext } from './context.js'

interface FoundRow { id: string, columns: Record<string, string> }

function columnsOf (fields: unknown): Record<string, string> | undefined {
  const cols = obj(obj(fields)?.columns)
  if (cols === undefined) return undefined
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(cols)) if (typeof v === 'string') out[k] = v
  return out
}

function readRow (ctx: LookupContext, id: string): FoundRow | undefined {
  const columns = columnsOf(ctx.store.getSync('row', id))
  return columns === undefined ? undefined : { id, columns }
}

function found (ctx: LookupContext, family: string, plan: LookupPlan, tags: CacheTag[]): FoundRow[] | Promise<FoundRow[]> {
  const c = ctx.rows.candidates(family, plan)
  if (c !== undefined) {
    tags.push(c.tag)
    const out: FoundRow[] = []
    for (const id of c.ids) { const r = readRow(ctx, id); if (r !== undefined) out.push(r) }
    return out
  }
  tags.push(tag.familyRows(family))
  return (async () => {
    const out: FoundRow[] = []
    for await (const r of ctx.store.scan('row', family + '/')) {
      const columns = columnsOf(r.fields)
      if (columns !== undefined) out.push({ id: r.id, columns })
    }
    return out
  })()
}

async function matching (ctx: LookupContext, family: string, criteria: readonly Criterion[]): Promise<FoundRow[]> {
  const numeric = (c: string): boolean => isNumericColumn(family, c)
  const match = compileCriteria(criteria, numeric)
  const rows = await found(ctx, family, planLookup(criteria, ctx.rows.indexesOf(family), numeric), [])
  return rows.filter((r) => match(r.columns))
}

function keysFor (ctx: LookupContext, family: string): readonly string[] {
  const keys = ctx.keysOf(family)
  if (keys === undefined) throw new WriteRefused('unknown_table', `${family}: no table definition (PUT /api/v1/tables/${family} { "keys": [...] })`)
  return keys
}

function validated<T> (family: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (isFedError(err)) throw new WriteRefused('invalid_row', `${family}: ${err.message}`)
    throw err
  }
}

async function commit (ctx: LookupContext, family: string, ops: WriteOp[], rows: number): Promise<number> {
  if (ops.length === 0) return rows
  const results = await ctx.store.writeMany(ops)
  const failed = results.filter((r): r is FedError => r instanceof Error)
  if (failed.length > 0) {
    const exists = failed.some((f) => f.code === 'FED_ERR_EXISTS')
    const revoked = failed.some((f) => f.code === 'FED_ERR_REVOKED')
    if (failed.length === results.length) throw new WriteRefused(revoked ? 'revoked' : exists ? 'exists' : 'write_failed', `${family}: ${failed[0]!.message}`)
  }
  return rows
}

export function genericHandler (ctx: LookupContext): FamilyHandler {
  return {
    indexes: (family) => ctx.rows.indexesOf(family),
    candidates (family, _req, plan, tags): Row[] | Promise<Row[]> {
      const rows = found(ctx, family, plan, tags)
      // generated rows of the hook (the routing dialplan's `extensions`), after the stored ones
      const extra = ctx.extra.rows(family)
      tags.push(tag.extraRows)
      return Array.isArray(rows) ? [...rows.map((r) => r.columns), ...extra] : rows.then((list) => [...list.map((r) => r.columns), ...extra])
    },
    async store (family: string, req: StoreRequest): Promise<number> {
      const keys = keysFor(ctx, family)
      const row = validated(family, () => rowFromStore(family, keys, req.values))
      return await commit(ctx, family, [{ op: 'create', type: 'row', id: row.id, fields: row.fields }], 1)
    },
    async update (family: string, req: UpdateRequest): Promise<number> {
      const keys = keysFor(ctx, family)
      const rows = await matching(ctx, family, req.where)
      const next = validated(family, () => rows.map((r) => ({ old: r.id, ...applyRowUpdate(family, keys, r.columns, req.set) })))
      const moving = new Set(next.filter((n) => n.id !== n.old).map((n) => n.old))
      const targets = new Set<string>()
      const ops: WriteOp[] = []
      for (const n of next) {
        if (targets.has(n.id) || (n.id !== n.old && !moving.has(n.id) && ctx.store.getSync('row', n.id) !== undefined)) {
          throw new WriteRefused('exists', `${family}: the update would give two rows the key ${n.id.slice(family.length + 1)}`)
        }
        targets.add(n.id)
        if (n.id !== n.old) ops.push({ op: 'delete', type: 'row', id: n.old })
      }
      for (const n of next) ops.push({ op: 'replace', type: 'row', id: n.id, fields: n.fields })
      return await commit(ctx, family, ops, rows.length)
    },
    async destroy (family: string, req: DestroyRequest): Promise<number> {
      const rows = await matching(ctx, family, req.criteria)
      return await commit(ctx, family, rows.map((r) => ({ op: 'delete', type: 'row', id: r.id })), rows.length)
    }
  }
}
