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

export function parseRouteRequest (params: unknown): ParsedRequest {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, reason: 'invalid-param', message: 'parameters must be key=value pairs', exten: '' }
  }
  const p = params as Record<string, unknown>
  const ignored: string[] = []
  for (const k of Object.keys(p)) if (!KNOWN.has(k) && !TRANSPORT_PARAMS.includes(k)) ignored.push(preview(k))

  const raw = p.exten
  const shownExten = typeof raw === 'string' && raw.length <= 200 ? raw.replace(/[^\x21-\x7e]/g, '?') : ''
  const fail = (reason: 'invalid-exten' | 'invalid-param', message: string): ParsedRequest =>
    ({ ok: false, reason, message, exten: shownExten })

  if (typeof raw !== 'string' || raw === '') return fail('invalid-exten', 'exten is required')
  if (!isValidExten(raw)) return fail('invalid-exten', `exten ${preview(raw)} is not a number (1–80 of 0-9 A-Z a-z * # + -)`)

  const opt = (name: string, re: RegExp): string | undefined | Error => {
    const v = p[name]
    if (v === undefined || v === '') return undefined
    if (typeof v !== 'string' || v.length > MAX_PARAM_LENGTH || !re.test(v)) return new Error(`${name} ${preview(v)} is not valid`)
    return v
  }
  const from = opt('from', FROM)
  const node = opt('node', NODE)
  const context = opt('context', CONTEXT)
  const techRaw = opt('tech', /^(pjsip|sip)$/i)
  for (const v of [from, node, context, techRaw]) if (v instanceof Error) return fail('invalid-param', v.message)
  const tech = typeof techRaw === 'string' ? techRaw.toUpperCase() as Tech : undefined

  const request: RouteRequest = {
    exten: raw,
    ...(typeof from === 'string' ? { from } : {}),
    ...(typeof node === 'string' ? { node } : {}),
    ...(typeof context === 'string' ? { context } : {}),
    ...(tech !== undefined ? { tech } : {})
  }
  return { ok: true, request, ignored }
}
