/**
 * Asterisk's side of the wire, re-implemented from its source for the tests:
 * ast_uri_encode (main/utils.c, "http" flavour, with its buffer cut),
 * res_config_curl's request building and answer parsing (docs/asterisk-protocol.md §3–§4),
 * and the blank filtering of ast_load_realtime (main/config.c). Byte-level,
 * like the C code: strings go in and out as UTF-8.
 */
const MARK = new Set([...'-_.!~*\'()'].map((c) => c.charCodeAt(0)))

function unreserved (b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || MARK.has(b)
}

/** ast_uri_encode(s, buf, buflen, ast_uri_http) with buflen = limit + 1. */
export function astUriEncode (s: string, limit = 255): string {
  const bytes = Buffer.from(s, 'utf8')
  const buflen = limit + 1
  let out = ''
  for (const b of bytes) {
    if (out.length >= buflen - 1) break
    if (unreserved(b)) out += String.fromCharCode(b)
    else {
      if (out.length >= buflen - 3) break
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
    }
  }
  return out
}

/** A request body as res_config_curl builds it: `name=value&…` (no trailing `&`). */
export function astBody (pairs: Array<[string, string]>, limit = 255): string {
  return pairs.map(([n, v]) => astUriEncode(n, limit) + '=' + astUriEncode(v, limit)).join('&')
}

function hex (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** ast_uri_decode on bytes: `%XX` in either case; a `%` without two hex digits stays; `+` stays. */
export function astUriDecode (b: Buffer): Buffer {
  const out: number[] = []
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x25 && i + 2 < b.length && hex(b[i + 1] ?? -1) >= 0 && hex(b[i + 2] ?? -1) >= 0) {
      out.push(hex(b[i + 1]!) * 16 + hex(b[i + 2]!))
      i += 2
    } else out.push(b[i]!)
  }
  return Buffer.from(out)
}

/** func_curl: trailing bytes below 0x21 are trimmed. */
function trimEnd (b: Buffer): Buffer {
  let end = b.length
  while (end > 0 && b[end - 1]! < 0x21) end--
  return b.subarray(0, end)
}

export type AstVar = [name: Buffer, value: Buffer]

/** One `k=v&k=v` line: pairs without `=` get an empty value, empty names are dropped, duplicates kept. */
export function astParseLine (line: Buffer): AstVar[] {
  const out: AstVar[] = []
  let start = 0
  for (let i = 0; i <= line.length; i++) {
    if (i < line.length && line[i] !== 0x26) continue
    const piece = line.subarray(start, i)
    start = i + 1
    const eq = piece.indexOf(0x3d)
    const name = astUriDecode(eq === -1 ? piece : piece.subarray(0, eq))
    const value = astUriDecode(eq === -1 ? Buffer.alloc(0) : piece.subarray(eq + 1))
    if (name.length > 0) out.push([name, value])
  }
  return out
}

/** A single answer: the text before the first CR (if any CR) else before the first LF. Empty: no row. */
export function astSingle (body: string): AstVar[] | undefined {
  let b = trimEnd(Buffer.from(body, 'utf8'))
  const cr = b.indexOf(0x0d)
  const cut = cr !== -1 ? cr : b.indexOf(0x0a)
  if (cut !== -1) b = b.subarray(0, cut)
  if (b.length === 0) return undefined
  return astParseLine(b)
}

/** ast_load_realtime's filtering: empty values dropped, a single space becomes empty. */
export function astFilter (vars: AstVar[]): AstVar[] {
  return vars.filter(([, v]) => v.length > 0).map(([n, v]) => [n, v.length === 1 && v[0] === 0x20 ? Buffer.alloc(0) : v])
}

/** A multi answer: rows split at every CR and LF, blank lines skipped; each row named after its key column. */
export function astMulti (body: string, key: string): Array<{ category: string, vars: AstVar[] }> {
  const b = trimEnd(Buffer.from(body, 'utf8'))
  const rows: Array<{ category: string, vars: AstVar[] }> = []
  for (const line of b.toString('latin1').split(/[\r\n]/)) {
    if (line.length === 0) continue
    const vars = astParseLine(Buffer.from(line, 'latin1'))
    const k = vars.find(([n]) => n.toString('utf8').toLowerCase() === key.toLowerCase())
    rows.push({ category: k === undefined ? '' : k[1].toString('utf8'), vars })
  }
  return rows
}

/** An integer answer: skip leading bytes ≤ 0x20, then sscanf("%d"); NaN when none. */
export function astInt (body: string): number {
  const m = /^[\x00-\x20]*([-+]?[0-9]+)/.exec(body)
  return m === null ? NaN : Number.parseInt(m[1]!, 10)
}

export interface AstStaticVar { category: string, catMetric: number, name: string, value: string }

/** A static answer, with the stickiness of fields and the category rule of config_curl. */
export function astStatic (body: string): { categories: Array<{ name: string, vars: Array<[string, string]> }>, includes: string[] } {
  const categories: Array<{ name: string, vars: Array<[string, string]> }> = []
  const includes: string[] = []
  let category = ''
  let varName = ''
  let varVal = ''
  let catMetric = 0
  let current: { name: string, metric: number, vars: Array<[string, string]> } | undefined
  for (const line of trimEnd(Buffer.from(body, 'utf8')).toString('latin1').split(/[\r\n]/)) {
    if (line.length === 0) continue
    for (const [n, v] of astParseLine(Buffer.from(line, 'latin1'))) {
      const name = n.toString('utf8').toLowerCase()
      const value = v.toString('utf8')
      if (name === 'category') category = value
      else if (name === 'var_name') varName = value
      else if (name === 'var_val') varVal = value
      else if (name === 'cat_metric') catMetric = Number.parseInt(value, 10)
    }
    if (varName === '#include') { includes.push(varVal); continue }
    if (current === undefined || current.name !== category || current.metric !== catMetric) {
      current = { name: category, metric: catMetric, vars: [] }
      categories.push(current)
    }
    current.vars.push([varName, varVal])
  }
  return { categories: categories.map(({ name, vars }) => ({ name, vars })), includes }
}
