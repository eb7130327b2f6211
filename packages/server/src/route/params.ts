/**
 * The HTTP side of a `/route` request: its parameters and its answer format.
 *
 * Parameters come from the query string and, for POST, the form body —
 * `CURL(url,postdata)` sends the post data verbatim as
 * `application/x-www-form-urlencoded`. Both are parsed here from the raw text
 * the way res_config_curl's peer expects: split at `&`, each piece at its
 * first `=`, percent-decoded, and `+` stays a literal plus (Asterisk never
 * sends `+` for a space; E.164 numbers carry one). A parameter given twice
 * (twice in one part, or in both) is refused rather than guessed at.
 *
 * The format is the `format` parameter (`hashcompat`, `plain`, `json`), else
 * the `Accept` header (`application/json` preferred over `text/plain` → json),
 * else hashcompat.
 */
import { addWork } from '@federator/core'

export type RouteFormat = 'hashcompat' | 'plain' | 'json'
export const ROUTE_FORMATS: readonly RouteFormat[] = ['hashcompat', 'plain', 'json']

/** Most parameters accepted in one request (query and body together). */
export const MAX_ROUTE_PARAMS = 32

export type Params = Record<string, string>

/**
 * Adds the pairs of a form-encoded text to `into` (a null-prototype object).
 * Returns the first problem (an error message), or undefined when all went
 * in. It reads on past a bad piece, so a valid `format` still counts.
 */
export function parseForm (text: string, into: Params, count: { n: number }): string | undefined {
  let error: string | undefined
  let start = 0
  addWork(1 + text.length)
  while (start < text.length) {
    let end = text.indexOf('&', start)
    if (end < 0) end = text.length
    if (end > start) {
      if (++count.n > MAX_ROUTE_PARAMS) return error ?? `more than ${MAX_ROUTE_PARAMS} parameters`
      const eq = text.indexOf('=', start)
      const hasValue = eq >= 0 && eq < end
      const k = decode(text.slice(start, hasValue ? eq : end))
      const v = hasValue ? decode(text.slice(eq + 1, end)) : ''
      if (k === undefined || v === undefined) error ??= `bad percent-encoding in ${shown(text.slice(start, end))}`
      else if (k in into) error ??= `parameter ${shown(k)} given more than once`
      else into[k] = v
    }
    start = end + 1
  }
  return error
}

function decode (s: string): string | undefined {
  if (!s.includes('%')) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

function shown (s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?')
  return clean.length > 40 ? clean.slice(0, 40) + '…' : clean
}

/** The query string of a raw request URL ('' when none). */
export function queryOf (url: string | undefined): string {
  if (url === undefined) return ''
  const q = url.indexOf('?')
  return q < 0 ? '' : url.slice(q + 1)
}

/** The format asked by `Accept`: json when application/json ranks above text/plain, else hashcompat. */
export function formatFromAccept (accept: string | undefined): RouteFormat {
  if (accept === undefined || !accept.includes('json')) return 'hashcompat'
  let json = 0
  let text = 0
  for (const part of accept.split(',')) {
    const [type = '', ...ps] = part.split(';').map((s) => s.trim().toLowerCase())
    const qp = ps.find((p) => p.startsWith('q='))
    const q = qp === undefined ? 1 : Number(qp.slice(2))
    if (!(q >= 0 && q <= 1)) continue
    if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, q)
    else if (type === 'text/plain') text = Math.max(text, q)
    else if (type === 'text/*' || type === '*/*') text = Math.max(text, q * 0.999) // a wildcard ranks below an explicit type
  }
  return json > 0 && json > text ? 'json' : 'hashcompat'
}

/** The format of a request: its `format` parameter when valid, else by Accept; `undefined` for an unknown name. */
export function formatOf (param: string | undefined, accept: string | undefined): RouteFormat | undefined {
  if (param === undefined || param === '') return formatFromAccept(accept)
  return (ROUTE_FORMATS as readonly string[]).includes(param) ? param as RouteFormat : undefined
}
