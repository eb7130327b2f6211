/**
 * Push mode's pure part (docs/asterisk.md, "Push mode"): which realtime
 * families become which of Asterisk's sorcery objects, the ARI body of one,
 * the operations that make Asterisk's in-memory objects of one id equal to the
 * rows the realtime families answer, and Asterisk's contact id.
 *
 * The rows are the realtime answers themselves (pjsip.ts through the realtime
 * service): push mode has no mapping of its own. An object is pushed as
 * `PUT /ari/asterisk/config/dynamic/<class>/<type>/<id>` with every column but
 * `id` as a field. Asterisk merges a PUT into an existing object (it copies the
 * object and applies the fields), so a column that went away cannot be
 * removed by a PUT: the object is deleted and created again (`recreate`).
 *
 * An outbound registration is acted on by Asterisk only when it is created
 * (`recreateOnChange`): a changed one is deleted and created again, which
 * un-REGISTERs the old binding and REGISTERs the new one at once.
 *
 * Order, per id: creates and updates first, auth and AOR before the endpoint
 * that names them (an endpoint is never there without its auth, so a REGISTER
 * is either challenged against the right password or not for this device at
 * all), the registration last (it names the endpoint and the auth); then
 * deletions in reverse (nothing names a deleted auth or AOR).
 */
import { createHash } from 'node:crypto'
import type { Row } from './answer.js'
import { contactFromStore, type PjsipContact } from './contacts.js'

export interface PushObject {
  /** the realtime family the rows come from */
  family: string
  /** ARI `configClass`: the sorcery instance (res_pjsip's holds them all, identify included) */
  configClass: string
  /** the sorcery object type */
  type: string
  /**
   * Asterisk acts on the object only when it is created (an outbound registration starts registering
   * then; a PUT that changes it changes the object, not the registration): a change is a delete and create.
   */
  recreateOnChange?: boolean
  /**
   * Created for every id before anything else in a full push (`stage`): Asterisk 20's OPTIONS module
   * reads every endpoint for each AOR created, to find the endpoints that name it, so creating device by
   * device (auth, AOR, endpoint) costs the square of the devices; every AOR before any endpoint is linear.
   */
  early?: boolean
}

/** The pushed object types, in creation order (deletions go in reverse). */
export const PUSH_OBJECTS: readonly PushObject[] = Object.freeze([
  { family: 'ps_auths', configClass: 'res_pjsip', type: 'auth', early: true },
  { family: 'ps_aors', configClass: 'res_pjsip', type: 'aor', early: true },
  { family: 'ps_domain_aliases', configClass: 'res_pjsip', type: 'domain_alias' },
  { family: 'ps_endpoints', configClass: 'res_pjsip', type: 'endpoint' },
  { family: 'ps_endpoint_id_ips', configClass: 'res_pjsip', type: 'identify' },
  { family: 'ps_registrations', configClass: 'res_pjsip', type: 'registration', recreateOnChange: true }
])

export const PUSH_FAMILIES: readonly string[] = PUSH_OBJECTS.map((o) => o.family)

/** The object type of a family, or undefined when it is not pushed. */
export function pushObjectOf (family: string): PushObject | undefined {
  return PUSH_OBJECTS.find((o) => o.family === family)
}

/** ARI path (relative to /ari/) of one object. */
export function pushPath (o: PushObject, id: string): string {
  return `asterisk/config/dynamic/${o.configClass}/${o.type}/${encodeURIComponent(id)}`
}

export interface PushField { attribute: string, value: string }

/** The ARI body's fields of a row: every set column but `id`, in the row's order. */
export function pushFields (row: Row): PushField[] {
  const out: PushField[] = []
  for (const [attribute, value] of Object.entries(row)) {
    if (attribute === 'id' || value === null || value === undefined) continue
    out.push({ attribute, value })
  }
  return out
}

/** The set columns of a row (null/undefined: not set). */
function columns (row: Row): Map<string, string> {
  const m = new Map<string, string>()
  for (const [k, v] of Object.entries(row)) if (v !== null && v !== undefined) m.set(k, v)
  return m
}

/** Same set columns with the same values. */
export function sameRow (a: Row, b: Row): boolean {
  const x = columns(a)
  const y = columns(b)
  if (x.size !== y.size) return false
  for (const [k, v] of x) if (y.get(k) !== v) return false
  return true
}

/** A column the pushed row has and the wanted one has not (a PUT would leave it in Asterisk). */
function dropsColumn (pushed: Row, wanted: Row): boolean {
  const w = columns(wanted)
  for (const k of columns(pushed).keys()) if (!w.has(k)) return true
  return false
}

/** The rows of one id, per family (absent: no such object). */
export type RowsById = Partial<Record<string, Row>>

export type PushOp =
  | { op: 'put', object: PushObject, row: Row, recreate: boolean }
  | { op: 'delete', object: PushObject }

export interface PushOpsOptions {
  /**
   * What Asterisk holds is not known (a connect: Asterisk may have restarted
   * and forgotten everything, or not): every wanted object is put, and every
   * object `pushed` names but that is not wanted is deleted.
   */
  force?: boolean
  /** Asterisk was seen holding this id's endpoint without it being pushed: delete every type not wanted. */
  stray?: boolean
  /**
   * Part of the operations (a full push works every id twice): `early` only the puts of the `early`
   * objects (auth, AOR), `rest` everything else; absent: all of them.
   */
  stage?: PushStage
}

export type PushStage = 'early' | 'rest'

/**
 * The operations that make Asterisk's objects of one id equal to `wanted`,
 * given what was `pushed` before. Puts (creation order) then deletes (reverse);
 * `stage` keeps a part of them (a full push: every auth and AOR first).
 */
export function pushOps (wanted: RowsById, pushed: RowsById, opts: PushOpsOptions = {}): PushOp[] {
  const puts: PushOp[] = []
  const deletes: PushOp[] = []
  for (const object of PUSH_OBJECTS) {
    const w = wanted[object.family]
    const p = pushed[object.family]
    if (opts.stage === 'early' && (object.early !== true || w === undefined)) continue
    if (w !== undefined) {
      if (opts.stage === 'rest' && object.early === true) continue
      if (p === undefined || opts.force === true || !sameRow(w, p)) {
        puts.push({ op: 'put', object, row: w, recreate: p !== undefined && (dropsColumn(p, w) || (object.recreateOnChange === true && !sameRow(w, p))) })
      }
    } else if (p !== undefined || opts.stray === true) {
      deletes.unshift({ op: 'delete', object })
    }
  }
  return [...puts, ...deletes]
}

/** Asterisk's id of a registration (PJSIP contact): `<aor>;@<md5 of the contact URI>`. */
export function asteriskContactId (aor: string, uri: string): string {
  return `${aor};@${createHash('md5').update(uri).digest('hex')}`
}

/**
 * A registration as Asterisk describes it — the attributes of its sorcery
 * contact object (ARI `GET …/res_pjsip/contact/<id>`, the same columns as a
 * `ps_contacts` row) — as the contact the realtime path stores. FED_ERR_REALTIME_REQUEST
 * (reason bad_contact) when it is not one.
 */
export function contactFromAsterisk (id: string, fields: ReadonlyArray<{ attribute: string, value: string }>): PjsipContact {
  return contactFromStore([{ column: 'id', value: id, truncated: false }, ...fields.filter((f) => f.attribute !== 'id').map((f) => ({ column: f.attribute, value: f.value, truncated: false }))])
}

/** AMI's names of a contact's columns (`PJSIPShowContacts`: `ViaAddr`, `QualifyTimeout`…) → the ps_contacts column. */
export function amiContactColumn (key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/^qualify2xx_only$/, 'qualify_2xx_only')
}
