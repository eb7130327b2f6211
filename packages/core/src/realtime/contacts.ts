/**
 * PJSIP registrations (`ps_contacts`) as data. They are soft state owned by
 * the node whose Asterisk accepted them (docs/federation.md, "Soft state"): this module only
 * defines the shape and turns Asterisk's requests into contacts and contacts
 * back into rows (docs/asterisk-protocol.md §6).
 *
 * The id is `<aor>;@<hash>` (hash: md5 of the Contact URI in current
 * versions); the AOR is the text before the first `;@`. Values are kept as
 * Asterisk sent them (`qualify_timeout=3.000000`, `path=`), so a contact
 * read back answers the same bytes; `expiration_time` (epoch seconds) is a
 * number for cheap expiry checks. Columns this version does not know (a
 * newer Asterisk) are kept in `extra`.
 */
import { FedError } from '../errors.js'
import type { Assignment, Criterion } from './request.js'

export const PS_CONTACT_COLUMNS = [
  'id', 'uri', 'expiration_time', 'qualify_frequency', 'outbound_proxy', 'path', 'user_agent', 'qualify_timeout',
  'reg_server', 'authenticate_qualify', 'via_addr', 'via_port', 'call_id', 'endpoint', 'prune_on_boot', 'qualify_2xx_only'
] as const

type TextColumn = Exclude<(typeof PS_CONTACT_COLUMNS)[number], 'id' | 'expiration_time'>

export type PjsipContact = { [K in TextColumn]?: string } & {
  /** `<aor>;@<hash>` */
  id: string
  /** the AOR: the id up to its first `;@` */
  aor: string
  /** absolute expiry, epoch seconds */
  expiration_time: number
  /** columns of a newer Asterisk, as sent */
  extra?: Record<string, string>
}

const TEXT_COLUMNS = new Set<string>(PS_CONTACT_COLUMNS.filter((c) => c !== 'id' && c !== 'expiration_time'))

function contactError (message: string): FedError {
  return new FedError('FED_ERR_REALTIME_REQUEST', message, { reason: 'bad_contact' })
}

/** The AOR of a contact id, or undefined when the id is not `<aor>;@<something>`. */
export function contactAor (id: string): string | undefined {
  const at = id.indexOf(';@')
  return at <= 0 || at + 2 >= id.length ? undefined : id.slice(0, at)
}

function epoch (value: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) throw contactError(`Invalid expiration_time ${JSON.stringify(value)}`)
  return Number(value)
}

function setColumn (c: PjsipContact, column: string, value: string): void {
  if (column === 'id' || column === 'aor') return
  if (column === 'expiration_time') c.expiration_time = epoch(value)
  else if (TEXT_COLUMNS.has(column)) (c as Record<string, unknown>)[column] = value
  else (c.extra ??= {})[column] = value
}

/** A contact from a `ps_contacts/store` request; FED_ERR_REALTIME_REQUEST (reason bad_contact) when it is not one. */
export function contactFromStore (values: readonly Assignment[]): PjsipContact {
  const id = values.find((a) => a.column === 'id')?.value
  if (id === undefined) throw contactError('A contact without an id')
  const aor = contactAor(id)
  if (aor === undefined) throw contactError(`Invalid contact id ${JSON.stringify(id)} (expected <aor>;@<hash>)`)
  const exp = values.find((a) => a.column === 'expiration_time')
  if (exp === undefined) throw contactError('A contact without expiration_time')
  const c: PjsipContact = { id, aor, expiration_time: 0 }
  for (const a of values) setColumn(c, a.column, a.value)
  if (c.uri === undefined || c.uri.length === 0) throw contactError('A contact without uri')
  return c
}

/** The contact after a `ps_contacts/update?id=…` (sorcery sends every column but id). */
export function contactWithUpdate (existing: PjsipContact, set: readonly Assignment[]): PjsipContact {
  const c: PjsipContact = { ...existing }
  if (existing.extra !== undefined) c.extra = { ...existing.extra }
  for (const a of set) setColumn(c, a.column, a.value)
  return c
}

/** The contact id addressed by update/destroy criteria (`id=<id>`), or undefined. */
export function contactIdOf (criteria: readonly Criterion[]): string | undefined {
  const c = criteria.find((x) => x.column === 'id' && x.op === '=' && !x.truncated)
  return c === undefined || contactAor(c.value) === undefined ? undefined : c.value
}

/** The `ps_contacts` row of a contact (id first; every column kept, empty ones included). */
export function contactRow (c: PjsipContact): Record<string, string> {
  const row: Record<string, string> = { id: c.id }
  for (const col of PS_CONTACT_COLUMNS) {
    if (col === 'id') continue
    if (col === 'expiration_time') { row[col] = String(c.expiration_time); continue }
    const v = c[col]
    if (v !== undefined) row[col] = v
  }
  if (c.extra !== undefined) for (const [k, v] of Object.entries(c.extra)) if (!Object.hasOwn(row, k)) row[k] = v
  return row
}

/** True when the contact's expiry has passed (what Asterisk's pruning asks: `expiration_time <= now`). */
export function contactExpired (c: PjsipContact, nowSeconds: number): boolean {
  return c.expiration_time <= nowSeconds
}
