/**
 * The override columns that make a record's realtime view give exactly the
 * rows of the static file it came from.
 *
 * The mapping first sets the modelled fields (secret, codecs, context…); the
 * view of that record is then compared, object by object and column by
 * column, with the file's objects, and every difference becomes an override
 * (`device.pjsip`, `trunk.sip`, `user.voicemail.options`…; docs/asterisk.md
 * "Per-driver overrides"): a column the file sets differently is set, a
 * column the view adds (Federator's defaults, e.g. `direct_media=no`) is
 * removed with an empty value so Asterisk's own default applies, as it did
 * for the file. The view is computed under two different sets of node
 * settings (ProjectionOptions), so a column that only matches by the chance of a
 * node's defaults is pinned too. The result is checked by computing the view
 * once more: what still differs is reported, never hidden.
 */
import { tableSchema } from '../realtime/schema.js'
import { DEFAULT_PROJECTION_OPTIONS, type ProjectionOptions, type ProjectedRow } from '../realtime/projection.js'

export type Rows = Partial<Record<string, ProjectedRow>>
export type ViewOf = (opts: Partial<ProjectionOptions>) => Rows

/** A second set of node settings: every tunable the views read differs from the defaults. */
export const OTHER_VIEW_OPTIONS: Readonly<Partial<ProjectionOptions>> = Object.freeze({
  deviceContext: 'migrate-check-device',
  trunkContext: 'migrate-check-trunk',
  voicemailContext: 'migrate-check-vm',
  codecs: ['gsm'],
  qualifyFrequency: 17,
  sipCacheFriends: true,
  maxContacts: 7,
  registrationRetryInterval: 61,
  registrationForbiddenRetryInterval: 601,
  registrationMaxRetries: 10001,
  registrationExpiration: 3601
})
const OPTION_SETS: ReadonlyArray<Partial<ProjectionOptions>> = [DEFAULT_PROJECTION_OPTIONS, OTHER_VIEW_OPTIONS]

const OVERRIDE_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/ // as records.ts Overrides
export const MAX_OVERRIDE_VALUE = 255

export interface Difference { table: string, column: string, file?: string, view?: string }

export interface OverrideResult {
  overrides: Record<string, string>
  /** file objects the record's view does not yield (overrides cannot create one) */
  missing: string[]
  /** objects the view yields that the file did not have */
  extra: string[]
  /** differences no override can express (column name or value not allowed) */
  unexpressible: Difference[]
}

/** Differences between the file rows and the view rows under every option set (the key columns `keep` excluded). */
export function differences (file: Rows, view: ViewOf, keep: readonly string[]): { diffs: Difference[], missing: string[], extra: string[] } {
  const views = OPTION_SETS.map((o) => view(o))
  const tables = new Set([...Object.keys(file), ...views.flatMap((v) => Object.keys(v))])
  const diffs: Difference[] = []
  const missing: string[] = []
  const extra: string[] = []
  for (const t of tables) {
    const f = file[t]
    if (views.some((v) => v[t] === undefined)) {
      if (f !== undefined) missing.push(t)
      continue
    }
    if (f === undefined) { extra.push(t); continue }
    const cols = new Set([...Object.keys(f), ...views.flatMap((v) => Object.keys(v[t]!))])
    for (const c of cols) {
      if (keep.includes(c)) continue
      if (views.every((v) => v[t]![c] === f[c])) continue
      const d: Difference = { table: t, column: c }
      if (f[c] !== undefined) d.file = f[c]
      if (views[0]![t]![c] !== undefined) d.view = views[0]![t]![c]
      diffs.push(d)
    }
  }
  return { diffs, missing, extra }
}

/**
 * Overrides for the differences. `objects` maps override prefixes to tables
 * (`aor` → `ps_aors`; empty for one-table families): a column only one of the
 * record's tables has is written bare (`max_contacts`), else `<object>__<column>`.
 */
export function overridesFor (file: Rows, view: ViewOf, objects: Readonly<Record<string, string>>, keep: readonly string[]): OverrideResult {
  const { diffs, missing, extra } = differences(file, view, keep)
  const prefixOf = new Map(Object.entries(objects).map(([o, t]) => [t, o]))
  const yielded = Object.keys(view(DEFAULT_PROJECTION_OPTIONS)).filter((t) => view(DEFAULT_PROJECTION_OPTIONS)[t] !== undefined)
  const overrides: Record<string, string> = {}
  const unexpressible: Difference[] = []
  for (const d of diffs) {
    const value = d.file ?? ''
    const having = yielded.filter((t) => Object.hasOwn(tableSchema(t)?.columns ?? {}, d.column))
    const bare = prefixOf.size === 0 || (having.length === 1 && having[0] === d.table)
    const key = bare ? d.column : `${prefixOf.get(d.table) ?? ''}__${d.column}`
    if (!OVERRIDE_KEY.test(key) || value.length > MAX_OVERRIDE_VALUE || (!bare && !prefixOf.has(d.table))) { unexpressible.push(d); continue }
    overrides[key] = value
  }
  return { overrides, missing, extra, unexpressible }
}

/** `table.column` list of what still differs (for the report). */
export function describe (diffs: readonly Difference[]): string[] {
  return diffs.map((d) => `${d.table}.${d.column}: file ${d.file === undefined ? '(unset)' : JSON.stringify(d.file)}, Federator ${d.view === undefined ? '(unset)' : JSON.stringify(d.view)}`)
}

export interface Settled {
  /** the override keys written */
  overrides: string[]
  /** what the record still cannot reproduce (for "not mapped") */
  problems: string[]
  /** objects Federator adds that the file did not have */
  extra: string[]
}

/**
 * Write the overrides that make `view(fields)` equal `file` into
 * `fields[field]` (merged with what is there), then check the result.
 */
export function settle (
  fields: Record<string, unknown>, field: string, file: Rows,
  view: (fields: Record<string, unknown>, o: Partial<ProjectionOptions>) => Rows,
  objects: Readonly<Record<string, string>>, keep: readonly string[]
): Settled {
  const res = overridesFor(file, (o) => view(fields, o), objects, keep)
  const keys = Object.keys(res.overrides)
  if (keys.length > 0) fields[field] = { ...(fields[field] as Record<string, string> | undefined ?? {}), ...res.overrides }
  const after = differences(file, (o) => view(fields, o), keep)
  const problems = [
    ...res.missing.map((t) => `${t}: Federator cannot serve this object for the record (not modelled)`),
    ...describe(after.diffs).map((d) => `${d} (cannot be expressed as an override)`)
  ]
  return { overrides: keys.map((k) => `${field}.${k}`), problems, extra: res.extra }
}
