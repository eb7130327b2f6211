/**
 * The generated dialplan: rows of the realtime `extensions` family that ask
 * `/route` and dial its alternatives in order, so that Asterisk needs only
 *
 *   [from-internal]
 *   switch => Realtime/from-internal@extensions
 *
 * pbx_realtime looks an extension up exactly first, then fetches the rows
 * whose `exten` starts with `_` for the asked priority and matches them
 * itself (longest pattern first); labels are not supported, so jumps use
 * priority numbers. Each pattern gets the same program:
 *
 *   1  Set(CURLOPT(hashcompat)=yes)
 *   2  Set(CURLOPT(httptimeout)=<s>)
 *   3  Set(FEDROUTE=${CURL(<url>?exten=${URIENCODE(${EXTEN})}&context=<ctx>&from=…)})
 *   4  GotoIf($["${FEDROUTE}" = ""]?<error>)          no answer at all
 *   5  ClearHash(fedroute)
 *   6  Set(HASH(fedroute)=${FEDROUTE})
 *   7  GotoIf($["${HASH(fedroute,status)}" != "OK"]?<refused>)
 *   then per alternative k (dial, dial2, …):
 *      GotoIf($["${HASH(fedroute,dialK)}" = ""]?<unreachable>)     (dial: <end>)
 *      Dial(${HASH(fedroute,dialK)},${HASH(fedroute,timeoutK)})
 *      GotoIf($["${DIALSTATUS}" = "CHANUNAVAIL" | "${DIALSTATUS}" = "CONGESTION"]?<next>:<end>)
 *   <end>          Hangup()                        Dial's outcome (answered, busy, no answer)
 *   <refused>      Hangup(${HASH(fedroute,cause)}) NOTFOUND → 1, BUSY → 17, UNAVAILABLE → 20 …
 *   <error>        Hangup(41)                      the service did not answer
 *   <unreachable>  Hangup(20 for a user, else 34)  no alternative could be reached
 *
 * Failover happens only when an alternative could not be reached at all
 * (CHANUNAVAIL, CONGESTION); a callee that is busy or does not answer ends
 * the call. When none could be reached, a real Asterisk's own cause is 3 (no
 * route to destination: PJSIP refuses a channel to an endpoint qualify found
 * unreachable), which a SIP caller gets as 404; the last row answers what
 * `/route` would (UNAVAILABLE for a user's devices, else CONGESTION).
 * Values are plain text here: the realtime encoder turns their commas into
 * %2C on the wire.
 */
import { FedError } from '../errors.js'
import { HOP_PATTERNS } from './dialstring.js'
import { dialKey, timeoutKey } from './encode.js'
import { DEFAULT_MAX_ALTERNATIVES, type Tech } from './types.js'

/** Patterns of a generated context: numbers starting with a digit, `+`, `*` or `#`. */
export const DEFAULT_DIALPLAN_PATTERNS: readonly string[] = ['_X!', '_+!', '_*!', '_#!']
export const DEFAULT_CURL_TIMEOUT = 3
export const ROUTE_VAR = 'FEDROUTE'
export const ROUTE_HASH = 'fedroute'
/** pbx_realtime `appdata` column width */
export const MAX_APPDATA = 256

/** One row of the realtime `extensions` family. */
export interface ExtensionRow {
  context: string
  exten: string
  /** integer ≥ 1, as text */
  priority: string
  app: string
  appdata: string
  [column: string]: string
}

export interface DialplanOptions {
  /** the context the rows belong to (the `switch => Realtime/<context>@extensions` one) */
  context: string
  /** `/route` URL as Asterisk reaches it, e.g. http://127.0.0.1:8080/route */
  routeUrl: string
  /** driver of this Asterisk: decides how the calling endpoint is read for `from` */
  tech?: Tech
  /** CURLOPT(httptimeout) in seconds */
  httpTimeout?: number
  /** alternatives tried (should match the service's maxAlternatives) */
  maxAlternatives?: number
  /** extension patterns to answer (default DEFAULT_DIALPLAN_PATTERNS) */
  patterns?: readonly string[]
  /** the inter-node inbound context: also route the hop extensions (u~…, d~…, t~…) */
  inbound?: boolean
}

const CONTEXT = /^[A-Za-z0-9_.-]{1,80}$/
// pasted raw into ${CURL(…)}: no comma, quote, backslash, brackets, $ { }, whitespace; no query string
const URL_SAFE = /^https?:\/\/[A-Za-z0-9.:\-_~/%@!*'+;=]+$/

export function generatedDialplan (opts: DialplanOptions): ExtensionRow[] {
  const { context } = opts
  if (!CONTEXT.test(context)) throw new FedError('FED_ERR_CONFIG', `dialplan context ${JSON.stringify(context)} is not valid`)
  if (!URL_SAFE.test(opts.routeUrl)) {
    throw new FedError('FED_ERR_CONFIG', `route URL ${JSON.stringify(opts.routeUrl)} cannot be used inside CURL() (no query string, commas, quotes, brackets or spaces)`)
  }
  const max = Math.max(1, Math.min(opts.maxAlternatives ?? DEFAULT_MAX_ALTERNATIVES, 32))
  const httpTimeout = Math.max(1, Math.floor(opts.httpTimeout ?? DEFAULT_CURL_TIMEOUT))
  const caller = (opts.tech ?? 'PJSIP') === 'PJSIP' ? '${CHANNEL(endpoint)}' : '${CHANNEL(peername)}'
  const url = `${opts.routeUrl}?exten=\${URIENCODE(\${EXTEN})}&context=${encodeURIComponent(context)}&from=\${URIENCODE(${caller})}`
  const H = (key: string): string => `\${HASH(${ROUTE_HASH},${key})}`

  const END = 8 + 3 * max
  const REFUSED = END + 1
  const ERROR = END + 2
  const UNREACHABLE = END + 3
  const program: Array<[string, string]> = [
    ['Set', 'CURLOPT(hashcompat)=yes'],
    ['Set', `CURLOPT(httptimeout)=${httpTimeout}`],
    ['Set', `${ROUTE_VAR}=\${CURL(${url})}`],
    ['GotoIf', `$["\${${ROUTE_VAR}}" = ""]?${ERROR}`],
    ['ClearHash', ROUTE_HASH],
    ['Set', `HASH(${ROUTE_HASH})=\${${ROUTE_VAR}}`],
    ['GotoIf', `$["${H('status')}" != "OK"]?${REFUSED}`]
  ]
  for (let k = 1; k <= max; k++) {
    const next = k === max ? UNREACHABLE : 8 + 3 * k
    program.push(
      ['GotoIf', `$["${H(dialKey(k))}" = ""]?${k === 1 ? END : UNREACHABLE}`],
      ['Dial', `${H(dialKey(k))},${H(timeoutKey(k))}`],
      ['GotoIf', `$["\${DIALSTATUS}" = "CHANUNAVAIL" | "\${DIALSTATUS}" = "CONGESTION"]?${next}:${END}`]
    )
  }
  program.push(['Hangup', ''], ['Hangup', H('cause')], ['Hangup', '41'], ['Hangup', `\${IF($["${H('reason')}" = "user"]?20:34)}`])

  const patterns = [...(opts.patterns ?? DEFAULT_DIALPLAN_PATTERNS), ...(opts.inbound === true ? HOP_PATTERNS : [])]
  const rows: ExtensionRow[] = []
  for (const exten of patterns) {
    program.forEach(([app, appdata], i) => {
      if (appdata.length > MAX_APPDATA) throw new FedError('FED_ERR_CONFIG', `generated appdata longer than ${MAX_APPDATA}: ${app}(${appdata.slice(0, 40)}…)`)
      rows.push({ context, exten, priority: String(i + 1), app, appdata })
    })
  }
  return rows
}
