/**
 * Test-only models of the Asterisk string handling an answer goes through:
 * func_curl's hashcompat (split, %XX-decode, join with backslash-escaped
 * commas), HASH()'s value split and Dial()'s argument split — both
 * `__ast_app_separate_args(…, remove_chars=1)` from main/app.c: commas split
 * only outside (), [] and "…"; quotes are removed; a backslash keeps the next
 * character literally.
 */
export function separateArgs (buf: string, delim = ','): string[] {
  const out: string[] = []
  let cur = ''
  let paren = 0
  let bracket = 0
  let quote = false
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!
    if (c === '(') paren++
    else if (c === ')') { if (paren > 0) paren-- } else if (c === '[') bracket++
    else if (c === ']') { if (bracket > 0) bracket-- } else if (c === '"' && delim !== '"') { quote = !quote; continue } else if (c === '\\') {
      i++
      if (i < buf.length) cur += buf[i]
      continue
    } else if (c === delim && paren === 0 && !quote && bracket === 0) { out.push(cur); cur = ''; continue }
    cur += c
  }
  out.push(cur)
  return out
}

const uriDecode = (s: string): string => s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
const escapeCommas = (s: string): string => s.replace(/[\\,]/g, (c) => '\\' + c)

/** `Set(HASH(r)=${CURL(…)})` with hashcompat=yes: the hash Asterisk ends up with. */
export function hashcompat (body: string): Map<string, string> {
  const names: string[] = []
  const values: string[] = []
  for (const piece of body.trimEnd().split('&')) {
    const i = piece.indexOf('=')
    names.push(escapeCommas(uriDecode(i < 0 ? piece : piece.slice(0, i))))
    values.push(escapeCommas(uriDecode(i < 0 ? '' : piece.slice(i + 1))))
  }
  const keys = separateArgs(names.join(','))
  const vals = separateArgs(values.join(','))
  const hash = new Map<string, string>()
  keys.forEach((k, i) => { if (k !== '') hash.set(k, vals[i] ?? '') })
  return hash
}
