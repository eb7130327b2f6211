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

/** `&dial=`, `&dial2=`, … and `&timeout=`, …, made once (maxAlternatives is at most 32). */
const DIAL_KEYS = Array.from({ length: 33 }, (_, i) => `&${dialKey(i)}=`)
const TIMEOUT_KEYS = Array.from({ length: 33 }, (_, i) => `&${timeoutKey(i)}=`)

const UNSAFE = /[^A-Za-z0-9 ._~+*#@/&:=;-]/g
const SAFE = /^[A-Za-z0-9 ._~+*#@/&:=;-]*$/

/**
 * Per ASCII code: `''` when encodeURIComponent keeps the character and it is
 * SAFE, its escape when it is SAFE but encoded (space + # @ / & : = ;),
 * undefined when it is not SAFE.
 */
const ESCAPE: Array<string | undefined> = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c)
  if (!SAFE.test(ch)) return undefined
  const enc = encodeURIComponent(ch)
  return enc === ch ? '' : enc
})

/** A value that survives func_curl, HASH() and Dial() argument parsing unchanged (other characters become `_`). */
export function hashValue (v: string): string {
  // = encodeURIComponent(v) for SAFE values, without a regex or a runtime call: dial strings are SAFE by construction
  let out = ''
  let from = 0
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    const esc = c < 128 ? ESCAPE[c] : undefined
    if (esc === '') continue
    if (esc === undefined) return encodeURIComponent(v.replace(UNSAFE, '_'))
    out += v.slice(from, i) + esc
    from = i + 1
  }
  return from === 0 ? v : out + v.slice(from)
}

export function encodeHashcompat (d: RouteDecision): string {
  let s = 'status=' + d.status
  if (d.status === 'OK') {
    const alts = d.alternatives
    for (let i = 0; i < alts.length; i++) {
      const a = alts[i]!
      const n = i + 1
      s += (n < DIAL_KEYS.length ? DIAL_KEYS[n]! : `&${dialKey(n)}=`) + hashValue(a.dial) +
        (n < TIMEOUT_KEYS.length ? TIMEOUT_KEYS[n]! : `&${timeoutKey(n)}=`) + String(a.timeout)
    }
    s += '&count=' + String(alts.length) + '&reason=' + hashValue(d.reason)
  } else {
    s += '&count=0&reason=' + hashValue(d.reason) + '&cause=' + String(FAIL_CAUSE[d.status])
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
