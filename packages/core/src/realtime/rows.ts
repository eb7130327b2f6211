/**
 * Generic realtime tables (queues, queue_members, extensions, musiconhold,
 * custom families): each row is a durable `row` record
 * `{ family, columns }` with the id `<family>/<key values>`.
 *
 * Id escaping, reversible: in each key value `%` becomes `%25`, `/` `%2F`
 * and NUL `%00`; the values are joined with `/`: `queue_members/77`,
 * `extensions/from-internal/_9X./1`, and an exten `a/b` gives
 * `extensions/from-internal/a%2Fb/1`. Key values must be present and not
 * empty (an empty key cannot address a row).
 *
 * Key columns come from the family's `table` record; DEFAULT_KEY_COLUMNS are
 * the defaults for the well-known families. queue_members is keyed by
 * `uniqueid`, not by its SQL primary key (queue_name, interface): app_queue
 * addresses every write by uniqueid (`update?uniqueid=77`), and uniqueid must
 * be present and unique anyway.
 */
import { FedError } from '../errors.js'
import type { RowRecord } from '../records.js'
import { assertId, validateRecord } from '../validate.js'
import type { Assignment, Criterion } from './request.js'

export const DEFAULT_KEY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  queues: ['name'],
  queue_members: ['uniqueid'],
  queue_rules: ['rule_name', 'time'],
  extensions: ['context', 'exten', 'priority'],
  musiconhold: ['name'],
  musiconhold_entry: ['name', 'position'],
  meetme: ['confno'],
  followme: ['name'],
  followme_numbers: ['name', 'ordinal'],
  iaxfriends: ['name'],
  iaxusers: ['name'],
  iaxpeers: ['name'],
  voicemail_data: ['filename'],
  ps_domain_aliases: ['id'],
  ps_globals: ['id'],
  ps_systems: ['id'],
  ps_transports: ['id'],
  ps_outbound_publishes: ['id'],
  ps_inbound_publications: ['id'],
  ps_asterisk_publications: ['id'],
  ps_resource_list: ['id'],
  ps_subscription_persistence: ['id'],
  stir_tn: ['id']
}

export function defaultKeyColumns (family: string): readonly string[] | undefined {
  return Object.hasOwn(DEFAULT_KEY_COLUMNS, family) ? DEFAULT_KEY_COLUMNS[family] : undefined
}

const escapeKey = (v: string): string => v.replace(/[%/\u0000]/g, (c) => c === '%' ? '%25' : c === '/' ? '%2F' : '%00')
const unescapeKey = (v: string): string => v.replace(/%(25|2F|00)/g, (_, h: string) => h === '25' ? '%' : h === '2F' ? '/' : '\u0000')

/** `<family>/<escaped key values joined by />`; FED_ERR_INVALID_ID when empty or too long. */
export function rowId (family: string, keyValues: readonly string[]): string {
  if (keyValues.length === 0 || keyValues.some((v) => v.length === 0)) {
    throw new FedError('FED_ERR_INVALID_ID', `A ${family} row needs a non-empty value in every key column`)
  }
  const id = family + '/' + keyValues.map(escapeKey).join('/')
  assertId('row', id)
  return id
}

export function parseRowId (id: string): { family: string, values: string[] } {
  const slash = id.indexOf('/')
  if (slash <= 0) throw new FedError('FED_ERR_INVALID_ID', `Invalid row id: ${JSON.stringify(id)}`)
  return { family: id.slice(0, slash), values: id.slice(slash + 1).split('/').map(unescapeKey) }
}

/** The key values of a row's columns; FED_ERR_VALIDATION when one is missing or empty. */
export function keyValuesOf (family: string, columns: Readonly<Record<string, string>>, keys: readonly string[]): string[] {
  return keys.map((k) => {
    const v = columns[k]
    if (v === undefined || v.length === 0) throw new FedError('FED_ERR_VALIDATION', `A ${family} row needs its key column ${k}`, [{ path: '/columns/' + k, message: 'is required (key column)' }])
    return v
  })
}

function assign (columns: Record<string, string>, values: readonly Assignment[]): Record<string, string> {
  for (const a of values) columns[a.column] = a.value
  return columns
}

/** The row record for an Asterisk `store` (validated: column names and sizes as the row schema wants). */
export function rowFromStore (family: string, keys: readonly string[], values: readonly Assignment[]): { id: string, fields: RowRecord } {
  const columns = assign(Object.create(null) as Record<string, string>, values)
  const fields: RowRecord = { family, columns: { ...columns } }
  validateRecord('row', fields)
  return { id: rowId(family, keyValuesOf(family, fields.columns, keys)), fields }
}

/** The columns after an Asterisk `update` (validated); the id changes when a key column does. */
export function applyRowUpdate (family: string, keys: readonly string[], columns: Readonly<Record<string, string>>, set: readonly Assignment[]): { id: string, fields: RowRecord } {
  const fields: RowRecord = { family, columns: assign({ ...columns }, set) }
  validateRecord('row', fields)
  return { id: rowId(family, keyValuesOf(family, fields.columns, keys)), fields }
}

/**
 * The id of the one row the criteria can select when they compare every key
 * column with `=` (not cut), else undefined. Other criteria (destroy's
 * `name=bob&host=dynamic`) must still be tested on that row.
 */
export function rowIdFromCriteria (family: string, keys: readonly string[], criteria: readonly Criterion[]): string | undefined {
  const values: string[] = []
  for (const k of keys) {
    const c = criteria.find((x) => x.column === k && x.op === '=' && !x.truncated)
    if (c === undefined || c.value.length === 0) return undefined
    values.push(c.value)
  }
  try { return rowId(family, values) } catch { return undefined }
}
