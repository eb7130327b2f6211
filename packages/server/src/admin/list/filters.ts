/**
 * List filters: `?field=value` equality on a record's top-level fields, parsed
 * against the record schema (so `?enabled=true` compares a boolean and
 * `?port=5060` an integer; an array field matches when it contains the value).
 * Some filters are answered from the store's secondary indexes: users
 * `?extension=`, devices `?user=` and `?username=` (the auth username: the
 * `username` field, else the device id), trunks `?ip=`. Rows filter on their
 * columns (`?name=support`). Anything else is FED_ERR_BAD_QUERY.
 */
import { addWork, FedError, RECORD_FIELDS, type IndexName, type RecordType } from '@federator/core'
import type { TSchema } from 'typebox'

export type Check = (id: string, fields: Record<string, unknown>) => boolean

export interface FilterPlan {
  /** the index that narrows the candidates, if a filter has one */
  index?: { name: IndexName, value: string }
  /** every filter, verified on each candidate (also the indexed one: the record may have changed) */
  checks: Check[]
  /** canonical text of the filters (part of the cursor scope) */
  scope: string
}

/** Query parameters that are not filters. */
export const RESERVED_PARAMS = new Set(['limit', 'cursor'])

interface IndexedFilter { index: IndexName, check: (value: string) => Check }

const contains = (field: string) => (v: string): Check => (_id, f) => Array.isArray(f[field]) && (f[field] as unknown[]).includes(v)
const equals = (field: string) => (v: string): Check => (_id, f) => f[field] === v

/** Filters answered from an index, by record type. */
export const INDEXED_FILTERS: Partial<Record<RecordType, Record<string, IndexedFilter>>> = {
  user: { extension: { index: 'ext', check: contains('extensions') } },
  device: {
    user: { index: 'devuser', check: equals('user') },
    username: { index: 'authuser', check: (v) => (id, f) => (typeof f.username === 'string' ? f.username : id) === v }
  },
  trunk: { ip: { index: 'ip', check: contains('ips') } }
}

const COLUMN = /^[a-z][a-z0-9_]{0,63}$/

function kindOf (schema: TSchema): 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'other' {
  const s = schema as { type?: unknown, anyOf?: TSchema[], const?: unknown }
  if (s.type === 'string' || s.type === 'integer' || s.type === 'number' || s.type === 'boolean') return s.type
  if (s.type === 'array') return 'array'
  if (Array.isArray(s.anyOf) && s.anyOf.every((x) => typeof (x as { const?: unknown }).const === 'string')) return 'string'
  return 'other'
}

function filterable (schema: TSchema): boolean {
  const kind = kindOf(schema)
  if (kind === 'array') { const items = (schema as { items?: TSchema }).items; return items !== undefined && kindOf(items) === 'string' }
  return kind !== 'other'
}

function scalarCheck (type: RecordType, field: string, schema: TSchema, raw: string): Check {
  const bad = (why: string): FedError => new FedError('FED_ERR_BAD_QUERY', `Filter ${field}: ${why}`)
  switch (kindOf(schema)) {
    case 'string': return (_id, f) => f[field] === raw
    case 'integer':
    case 'number': {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad(`expected a number, got ${JSON.stringify(raw)}`)
      return (_id, f) => f[field] === n
    }
    case 'boolean': {
      if (raw !== 'true' && raw !== 'false') throw bad(`expected true or false, got ${JSON.stringify(raw)}`)
      const b = raw === 'true'
      return (_id, f) => f[field] === b
    }
    case 'array': {
      const items = (schema as { items?: TSchema }).items
      if (items === undefined || kindOf(items) !== 'string') throw bad(`cannot filter on ${type}.${field}`)
      return (_id, f) => Array.isArray(f[field]) && (f[field] as unknown[]).includes(raw)
    }
    default:
      throw bad(`cannot filter on ${type}.${field} (not a plain value)`)
  }
}

/** The indexed filter of that name (own properties only: `?constructor=` is no filter). */
function indexedFilter (type: RecordType, name: string): IndexedFilter | undefined {
  const filters = INDEXED_FILTERS[type]
  return filters !== undefined && Object.hasOwn(filters, name) ? filters[name] : undefined
}

/** The filters a type accepts (for messages and docs). */
export function filterNames (type: RecordType): string[] {
  if (type === 'row') return ['<column>']
  const fields = RECORD_FIELDS[type] as Record<string, TSchema>
  const plain = Object.keys(fields).filter((k) => filterable(fields[k]!))
  return [...new Set([...Object.keys(INDEXED_FILTERS[type] ?? {}), ...plain])]
}

/** Plan the filters of a list request; throws FED_ERR_BAD_QUERY. */
export function planFilters (type: RecordType, query: Record<string, unknown>): FilterPlan {
  const plan: FilterPlan = { checks: [], scope: '' }
  const parts: string[] = []
  const fields = RECORD_FIELDS[type] as Record<string, TSchema>
  for (const name of Object.keys(query).sort()) {
    if (RESERVED_PARAMS.has(name)) continue
    const raw = query[name]
    addWork(1 + name.length + (typeof raw === 'string' ? raw.length : 1))
    if (typeof raw !== 'string') throw new FedError('FED_ERR_BAD_QUERY', `Filter ${name}: give it once, as a single value`)
    parts.push(name + '=' + raw)
    const indexed = indexedFilter(type, name)
    if (indexed !== undefined) {
      plan.checks.push(indexed.check(raw))
      plan.index ??= { name: indexed.index, value: raw }
    } else if (type === 'row') {
      if (!COLUMN.test(name)) throw new FedError('FED_ERR_BAD_QUERY', `Filter ${name}: not a column name`)
      plan.checks.push((_id, f) => {
        const columns = f.columns as Record<string, unknown> | undefined
        return columns !== undefined && Object.hasOwn(columns, name) && columns[name] === raw
      })
    } else if (Object.hasOwn(fields, name)) {
      plan.checks.push(scalarCheck(type, name, fields[name]!, raw))
    } else {
      throw new FedError('FED_ERR_BAD_QUERY', `Unknown filter ${name} for ${type} records (filters: ${filterNames(type).join(', ')})`)
    }
  }
  plan.scope = JSON.stringify(parts)
  return plan
}
