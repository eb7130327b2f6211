/**
 * The rows projection (records → realtime rows; not the store's LevelDB view
 * nor the routing view): the shared pieces of the family projections, the input
 * shape, defensive field readers, the tunable defaults and the per-driver
 * override maps.
 *
 * The projections read the merged, visible fields of records as the store returns
 * them. Entries from peers are not validated against this node's schemas (a
 * newer node may write fields we do not know), so every field is read with a
 * type check and a field of an unexpected type counts as absent.
 *
 * A row is `Record<string, string>`; a column that is not set is absent (SQL
 * NULL: Asterisk takes its own default). The projections never produce empty
 * strings.
 */
import { tableSchema } from './schema.js'

/** A record as the store returns it: its id and visible fields. */
export interface RecordLike { id: string, fields: Readonly<Record<string, unknown>> }
export type ProjectedRow = Record<string, string>

export interface ProjectionOptions {
  /** This node's name: a trunk whose `nodes` list does not name it yields no rows here. */
  node?: string
  /** Dialplan context of devices without one. */
  deviceContext: string
  /** Dialplan context of trunks without one. */
  trunkContext: string
  /** Voicemail context of mailboxes without one. */
  voicemailContext: string
  /** Codecs of devices and trunks without a list (allowed after `disallow=all`). */
  codecs: readonly string[]
  /** OPTIONS ping interval of device and trunk AORs, seconds (0: off). */
  qualifyFrequency: number
  /**
   * chan_sip's `rtcachefriends` on the Asterisk this node serves. With `false` (the documented
   * `rtcachefriends=no`) chan_sip peers carry no `qualify`: chan_sip turns qualify off on every
   * uncached realtime peer and logs a warning at each lookup. With `true` they carry `qualify=yes`
   * and `qualifyfreq` = `qualifyFrequency`.
   */
  sipCacheFriends: boolean
  /** max_contacts of a device without maxContacts. */
  maxContacts: number
  /** Outbound registrations: seconds between retries, after a 403, and how many retries. */
  registrationRetryInterval: number
  registrationForbiddenRetryInterval: number
  registrationMaxRetries: number
  /** Expiry asked for by outbound registrations, seconds. */
  registrationExpiration: number
}

export const DEFAULT_PROJECTION_OPTIONS: Readonly<ProjectionOptions> = Object.freeze({
  deviceContext: 'from-internal',
  trunkContext: 'from-trunk',
  voicemailContext: 'default',
  codecs: Object.freeze(['ulaw', 'alaw']),
  qualifyFrequency: 60,
  sipCacheFriends: false,
  maxContacts: 1,
  registrationRetryInterval: 60,
  registrationForbiddenRetryInterval: 600,
  registrationMaxRetries: 10000,
  registrationExpiration: 3600
})

export function projectionOptions (o?: Partial<ProjectionOptions>): ProjectionOptions {
  return { ...DEFAULT_PROJECTION_OPTIONS, ...(o ?? {}) }
}

export function str (x: unknown): string | undefined {
  return typeof x === 'string' && x.length > 0 ? x : undefined
}
export function bool (x: unknown): boolean | undefined {
  return typeof x === 'boolean' ? x : undefined
}
export function int (x: unknown): number | undefined {
  return typeof x === 'number' && Number.isSafeInteger(x) ? x : undefined
}
export function strs (x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string' && v.length > 0) : []
}
export function obj (x: unknown): Readonly<Record<string, unknown>> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? x as Record<string, unknown> : undefined
}
export const yesNo = (b: boolean): string => b ? 'yes' : 'no'

/** Set a column when the value is a non-empty string. */
export function put (row: ProjectedRow, column: string, value: string | number | undefined): void {
  if (value === undefined) return
  const s = String(value)
  if (s.length > 0) row[column] = s
}

/** A record is served unless `enabled` is false. */
export function enabled (r: RecordLike): boolean {
  return r.fields.enabled !== false
}

/**
 * Caller id for a device without `callerId`: `"<user name>" <<first
 * extension>>`, or the name alone. Characters that would break Asterisk's
 * caller id parser (`"`, `<`, `>`) are removed from the name.
 */
export function userCallerId (user: RecordLike | undefined): string | undefined {
  if (user === undefined) return undefined
  const name = str(user.fields.name)?.replace(/["<>\\]/g, '').trim()
  const ext = strs(user.fields.extensions)[0]
  if (name !== undefined && name.length > 0) return ext === undefined ? `"${name}"` : `"${name}" <${ext}>`
  return ext === undefined ? undefined : `<${ext}>`
}

/**
 * Apply a per-driver override map (`device.pjsip`, `trunk.sip`…) to the rows
 * one record yields. For each `column: value`:
 * - `<object>__<column>` (object = a key of `aliases`, e.g. `aor__qualify_frequency`)
 *   sets that column of that row only;
 * - otherwise the column is set in every row whose table has that column in
 *   Asterisk's schema, or, when none has it, in the `fallback` row (an option
 *   of a newer Asterisk: sorcery ignores columns it does not know);
 * - an empty value removes the column (Asterisk's default applies);
 * - the rows' key columns (`keep`) cannot be overridden.
 * Overrides never create a row the record does not yield.
 */
export function applyOverrides (
  rows: Partial<Record<string, ProjectedRow>>, overrides: unknown,
  aliases: Readonly<Record<string, string>>, fallback: string, keep: readonly string[]
): void {
  const map = obj(overrides)
  if (map === undefined) return
  for (const [key, raw] of Object.entries(map)) {
    if (typeof raw !== 'string') continue
    let targets: string[]
    let column = key
    const m = /^([a-z]+)__(.+)$/.exec(key)
    if (m !== null && Object.hasOwn(aliases, m[1]!)) {
      targets = [aliases[m[1]!]!]
      column = m[2]!
    } else {
      targets = Object.keys(rows).filter((t) => rows[t] !== undefined && Object.hasOwn(tableSchema(t)?.columns ?? {}, key))
      if (targets.length === 0) targets = [fallback]
    }
    if (keep.includes(column)) continue
    for (const t of targets) {
      const row = rows[t]
      if (row === undefined) continue
      if (raw.length === 0) delete row[column]
      else row[column] = raw
    }
  }
}
