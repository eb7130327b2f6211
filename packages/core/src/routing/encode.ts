/**
 * The three answer formats of `/route`, as pure encoders. Choosing one (by a
 * `format` parameter or the `Accept` header) is the HTTP layer's job.
 *
 * hashcompat (default), for `Set(HASH(r)=${CURL(…)})` with
 * `CURLOPT(hashcompat)=yes`, one line:
 *   status=OK&dial=PJSIP%2Falice&timeout=30&dial2=…&timeout2=…&count=2&reason=user
 *   status=UNAVAILABLE&count=0&reason=not-registered&cause=20
 * Values are percent-encoded like Asterisk's own encoder (encodeURIComponent:
 * `%20` for space, never `+`). func_curl decodes them and backslash-escapes
 * commas, but `HASH()` then splits its value list honouring `(…)`, `[…]` and
 * `"…"`, and Dial() splits its arguments the same way after expansion — so
 * values are restricted to characters that mean nothing to either parser
 * (dial strings already are, by construction; see dialstring.ts). The answer
 * is never empty (an empty CURL() result would leave stale HASH keys); it
 * carries `count` so a dialplan reading `dial<N>` knows where to stop.
 *
 * plain, for `Dial(${CURL(…)})`: the first alternative's dial string and
 * nothing else (no timeout, no comma, no newline); an empty body when the
 * status is not OK, which the dialplan tests with `$["${R}" = ""]`.
 *
 * json: the whole decision with its `why` trace, plus `cause`.
 */
import { FAIL_CAUSE, type RouteDecision } from './types.js'

/** Hash key of the i-th alternative (1-based): `dial`, `dial2`, … */
export const dialKey = (i: number): string => i === 1 ? 'dial' : `dial${i}`
/** Hash key of the i-th alternative's timeout: `timeout`, `timeout2`, … */
export const timeoutKey = (i: number): string => i === 1 ? 'timeout' : `timeout${i}`

const UNSAFE = /[^A-Za-z0-9 ._~+*#@/&:=;-]/g
const SAFE = /^[A-Za-z0-9 ._~+*#@/&:=;-]*$/
/** A value that survives func_curl, HASH() and Dial() argument parsing unchanged (other characters become `_`). */
export const hashValue = (v: string): string => encodeURIComponent(SAFE.test(v) ? v : v.replace(UNSAFE, '_'))

export function encodeHashcompat (d: RouteDecision): string {
  let s = 'status=' + d.status
  if (d.status === 'OK') {
    for (let i = 0; i < d.alternatives.length; i++) {
      const a = d.alternatives[i]!
      s += `&${dialKey(i + 1)}=${hashValue(a.dial)}&${timeoutKey(i + 1)}=${a.timeout}`
    }
    s += `&count=${d.alternatives.length}&reason=${hashValue(d.reason)}`
  } else {
    s += `&count=0&reason=${hashValue(d.reason)}&cause=${FAIL_CAUSE[d.status]}`
  }
  return s
}

export function encodePlain (d: RouteDecision): string {
  return d.status === 'OK' ? d.alternatives[0]!.dial : ''
}

export type RouteJson = RouteDecision & { cause?: number }

/** The decision as a JSON-ready object (failures carry their Q.850 `cause`). */
export function toJson (d: RouteDecision): RouteJson {
  return d.status === 'OK' ? d : { ...d, cause: FAIL_CAUSE[d.status] }
}

export function encodeJson (d: RouteDecision): string {
  return JSON.stringify(toJson(d))
}
