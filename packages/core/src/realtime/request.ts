/**
 * Request bodies of res_config_curl, parsed exactly as Asterisk writes them
 * (docs/asterisk-protocol.md §1–§3).
 *
 * A body is `name=value&name=value…`: split on `&`, empty pieces dropped (the
 * trailing `&` of destroy), each piece split at its first `=` (no `=`: empty
 * value), both halves percent-decoded (percent.ts; `+` is a literal plus).
 * A name may end in ` <operator>` (`name LIKE`, `expiration_time <=`,
 * `contact !=`): the criterion's column and operator. Field order carries no
 * meaning, except that the first criterion of a lookup names the key column
 * of a multi answer.
 *
 * Truncation: Asterisk copies each encoded name and value into a fixed buffer
 * and cuts it silently, never inside a `%XX` (ast_uri_encode stops before an
 * escape that would not fit): 255 encoded bytes for single, multi, update,
 * store and require, 199 for update2 and destroy. A value whose encoded
 * length is within 2 bytes of the limit may therefore be a prefix of what the
 * module meant; it is flagged `truncated` and matching treats it as a prefix
 * (match.ts). Writes keep the cut value as sent (the plugin may log it).
 */
import { FedError } from '../errors.js'
import { addWork } from '../work.js'
import { decodeComponent } from './percent.js'

/** Encoded bytes Asterisk keeps of each name and value (buffer of 256 / 200). */
export const ENCODED_LIMIT = 255
export const ENCODED_LIMIT_SHORT = 199

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE'
const OPERATORS: Record<string, Operator> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', LIKE: 'LIKE' }

/** One lookup condition: `column op value`. */
export interface Criterion {
  column: string
  op: Operator
  value: string
  /** The encoded value reached Asterisk's buffer limit: it may be a prefix of the intended value. */
  truncated: boolean
}

/** One `column=value` of a store or of an update's new values. */
export interface Assignment {
  column: string
  value: string
  truncated: boolean
}

/** Why a request was refused (the `reason` in the FedError's details, a metrics label). */
export type RequestProblem =
  | 'bad_escape' | 'bad_operator' | 'bad_column' | 'no_criteria' | 'no_values'
  | 'bad_update' | 'update2_unknown_columns' | 'update2_ambiguous' | 'bad_contact'

export function requestError (reason: RequestProblem, message: string): FedError {
  return new FedError('FED_ERR_REALTIME_REQUEST', message, { reason })
}

/** The reason of a FED_ERR_REALTIME_REQUEST error (undefined for any other error). */
export function requestProblem (err: unknown): RequestProblem | undefined {
  if (!(err instanceof FedError) || err.code !== 'FED_ERR_REALTIME_REQUEST') return undefined
  return (err.details as { reason?: RequestProblem } | undefined)?.reason
}

/** True when an encoded piece of this length may have been cut by Asterisk. */
export function mayBeCut (encodedLength: number, limit: number): boolean {
  return encodedLength >= limit - 2 && encodedLength <= limit
}

export interface RawPair { name: string, value: string, truncated: boolean }

/** Split a body into decoded pairs (empty pieces and pieces with an empty name dropped, as Asterisk does). */
export function parsePairs (body: string, limit = ENCODED_LIMIT): RawPair[] {
  const out: RawPair[] = []
  addWork(1 + body.length)
  if (body.length === 0) return out
  for (const piece of body.split('&')) {
    if (piece.length === 0) continue
    const eq = piece.indexOf('=')
    const rawName = eq === -1 ? piece : piece.slice(0, eq)
    const rawValue = eq === -1 ? '' : piece.slice(eq + 1)
    const truncated = mayBeCut(rawValue.length, limit)
    const name = decodeComponent(rawName, mayBeCut(rawName.length, limit))
    if (name.length === 0) continue
    out.push({ name, value: decodeComponent(rawValue, truncated), truncated })
  }
  return out
}

/** `name LIKE` → { column: 'name', op: 'LIKE' }; a plain name is `=`. */
export function splitOperator (name: string): { column: string, op: Operator } {
  const sp = name.indexOf(' ')
  if (sp === -1) return { column: name, op: '=' }
  const column = name.slice(0, sp)
  const word = name.slice(sp + 1).trim()
  const op = OPERATORS[/^like$/i.test(word) ? 'LIKE' : word]
  if (column.length === 0) throw requestError('bad_column', `Empty column name in ${JSON.stringify(name)}`)
  if (op === undefined) throw requestError('bad_operator', `Unknown operator ${JSON.stringify(word)} in ${JSON.stringify(name)}`)
  return { column, op }
}

export function toCriterion (p: RawPair): Criterion {
  const { column, op } = splitOperator(p.name)
  return { column, op, value: p.value, truncated: p.truncated }
}

function toAssignment (p: RawPair): Assignment {
  if (/[\s]/.test(p.name)) throw requestError('bad_column', `Invalid column name ${JSON.stringify(p.name)}`)
  return { column: p.name, value: p.value, truncated: p.truncated }
}

/** Lookup criteria of single, multi and destroy bodies. */
export function parseCriteria (body: string, limit = ENCODED_LIMIT): Criterion[] {
  return parsePairs(body, limit).map(toCriterion)
}

/** Column assignments of store bodies and update bodies. */
export function parseAssignments (body: string, limit = ENCODED_LIMIT): Assignment[] {
  return parsePairs(body, limit).map(toAssignment)
}

export interface LookupRequest {
  op: 'single' | 'multi'
  criteria: Criterion[]
  /** The first criterion's column: the key column of a multi answer. */
  key: string
}

export function parseLookup (op: 'single' | 'multi', body: string): LookupRequest {
  const criteria = parseCriteria(body)
  const first = criteria[0]
  if (first === undefined) throw requestError('no_criteria', `A ${op} request without criteria`)
  return { op, criteria, key: first.column }
}

export interface StoreRequest { op: 'store', values: Assignment[] }

export function parseStore (body: string): StoreRequest {
  const values = parseAssignments(body)
  if (values.length === 0) throw requestError('no_values', 'A store request without values')
  return { op: 'store', values }
}

export interface DestroyRequest { op: 'destroy', criteria: Criterion[] }

/** `keyfield=lookup&` + more criteria; values are cut at 199 encoded bytes. */
export function parseDestroy (body: string): DestroyRequest {
  const criteria = parseCriteria(body, ENCODED_LIMIT_SHORT)
  if (criteria.length === 0) throw requestError('no_criteria', 'A destroy request without criteria')
  return { op: 'destroy', criteria }
}

export interface RequireField {
  column: string
  /** `char`, `integer1`…`integer8`, `uinteger1`…`uinteger8`, `float`, `date`, `datetime` or `unknown` */
  type: string
  size?: number
}
export interface RequireRequest { op: 'require', fields: RequireField[] }

/** `col=type%3Asize&…`. Advisory only (the answer is always `0`), so parsed leniently. */
export function parseRequire (body: string): RequireRequest {
  const fields = parsePairs(body).map((p): RequireField => {
    const colon = p.value.indexOf(':')
    const type = colon === -1 ? p.value : p.value.slice(0, colon)
    const size = colon === -1 ? NaN : Number.parseInt(p.value.slice(colon + 1), 10)
    return Number.isFinite(size) ? { column: p.name, type, size } : { column: p.name, type }
  })
  return { op: 'require', fields }
}
