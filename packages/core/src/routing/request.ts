/**
 * Turning raw `/route` parameters (query string or form body, as the HTTP
 * layer parsed them) into a `RouteRequest`, never throwing: garbage gives
 * `{ ok: false }` with a reason the answer can carry (`status=INVALID`).
 *
 * Rules: values must be strings (a repeated parameter is refused); an empty
 * value counts as absent (dialplans send `from=` when a channel has no
 * endpoint); every value is length-capped; unknown parameters are ignored and
 * listed, so a newer dialplan can send more than this node knows.
 */
import { addWork } from '../work.js'
import { HOP_SEPARATOR, parseHop } from './dialstring.js'
import type { RouteReason, RouteRequest, Tech } from './types.js'

/** Longest accepted value of any parameter. */
export const MAX_PARAM_LENGTH = 256
/** Parameters the HTTP layer reads itself; accepted here without a warning. */
export const TRANSPORT_PARAMS: readonly string[] = ['format']

const EXTEN = /^(?=.{1,80}$)-*[0-9A-Za-z*#+][0-9A-Za-z*#+-]*$/
const CONTEXT = /^[A-Za-z0-9_.-]{1,80}$/
const NODE = /^[A-Za-z0-9._-]{1,80}$/
const FROM = /^[\x21-\x7e]{1,128}$/
const TECH = /^(pjsip|sip)$/i

export type ParsedRequest =
  | { ok: true, request: RouteRequest, ignored: string[] }
  | { ok: false, reason: Extract<RouteReason, 'invalid-exten' | 'invalid-param'>, message: string, exten: string }

const KNOWN = new Set(['exten', 'from', 'node', 'context', 'tech'])

/** A dialled number (dashes allowed, ignored) or a hop extension (dialstring.ts). */
export function isValidExten (exten: string): boolean {
  if (exten.includes(HOP_SEPARATOR)) return exten.length <= 200 && parseHop(exten) !== undefined
  return EXTEN.test(exten)
}

/** A printable, bounded rendering of a bad value for messages. */
export function preview (v: unknown): string {
  const s = typeof v === 'string' ? v : Array.isArray(v) ? '[array]' : typeof v
  const clean = s.replace(/[^\x20-\x7e]/g, '?')
  return clean.length > 40 ? clean.slice(0, 40) + '…' : clean
}

/** Optional parameter `name`: absent or empty → undefined; a string of at most MAX_PARAM_LENGTH matching `re` → it; else an Error. */
function optional (p: Record<string, unknown>, name: string, re: RegExp): string | undefined | Error {
  const v = p[name]
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string' || v.length > MAX_PARAM_LENGTH || !re.test(v)) return new Error(`${name} ${preview(v)} is not valid`)
  return v
}

function failure (raw: unknown, reason: 'invalid-exten' | 'invalid-param', message: string): ParsedRequest {
  const exten = typeof raw === 'string' && raw.length <= 200 ? raw.replace(/[^\x21-\x7e]/g, '?') : ''
  return { ok: false, reason, message, exten }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

// No closures, spreads or intermediate arrays: this runs on every /route call.
export function parseRouteRequest (params: unknown): ParsedRequest {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, reason: 'invalid-param', message: 'parameters must be key=value pairs', exten: '' }
  }
  const p = params as Record<string, unknown>
  const ignored: string[] = []
  const keys = Object.keys(p)
  addWork(1 + keys.length)
  for (const k of keys) if (!KNOWN.has(k) && !TRANSPORT_PARAMS.includes(k)) ignored.push(preview(k))

  const raw = p.exten
  if (typeof raw !== 'string' || raw === '') return failure(raw, 'invalid-exten', 'exten is required')
  if (!isValidExten(raw)) return failure(raw, 'invalid-exten', `exten ${preview(raw)} is not a number (1–80 of 0-9 A-Z a-z * # + -)`)

  const from = optional(p, 'from', FROM)
  if (from instanceof Error) return failure(raw, 'invalid-param', from.message)
  const node = optional(p, 'node', NODE)
  if (node instanceof Error) return failure(raw, 'invalid-param', node.message)
  const context = optional(p, 'context', CONTEXT)
  if (context instanceof Error) return failure(raw, 'invalid-param', context.message)
  const techRaw = optional(p, 'tech', TECH)
  if (techRaw instanceof Error) return failure(raw, 'invalid-param', techRaw.message)

  // the keys present are those given, in this order (as the request has always been built)
  const request: Mutable<RouteRequest> = { exten: raw }
  if (from !== undefined) request.from = from
  if (node !== undefined) request.node = node
  if (context !== undefined) request.context = context
  if (techRaw !== undefined) request.tech = techRaw.toUpperCase() as Tech
  return { ok: true, request, ignored }
}
