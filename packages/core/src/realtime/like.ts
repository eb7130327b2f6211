/**
 * SQL LIKE as the Asterisk SQL drivers use it (`… LIKE ? ESCAPE '\'`):
 * `%` any run of characters (also none), `_` exactly one character (a Unicode
 * code point), `\` makes the next character literal (`\_`, `\%`, `\\`; a
 * `\` at the very end is a literal `\`). Case-sensitive, like `=` (match.ts).
 *
 * A pattern Asterisk cut at its buffer limit is a prefix of the intended
 * one: it is matched as `<cut>%` (every string matching the intended pattern
 * matches that), and a dangling `\` left by the cut is dropped.
 *
 * Compiled patterns are cached (bounded): sorcery and app_queue send the same
 * few patterns over and over (`%`, `<aor>;@%`).
 */

export interface LikeMatcher {
  test: (s: string) => boolean
  /** The literal text before the first wildcard: every match starts with it. */
  prefix: string
  /** `all`: `%` (matches every value); `exact`: no wildcard; `prefix`: `<prefix>%`; `pattern`: anything else. */
  kind: 'all' | 'exact' | 'prefix' | 'pattern'
}

/** Compiled patterns kept at most (the cache is emptied when full). */
export const LIKE_CACHE_SIZE = 1024

type Token = { lit: string } | { any: true } | { one: true }

function tokenize (pattern: string, cut: boolean): Token[] {
  const chars = Array.from(pattern)
  const out: Token[] = []
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === '\\') {
      if (i + 1 < chars.length) out.push({ lit: chars[++i]! })
      else if (!cut) out.push({ lit: '\\' })
    } else if (c === '%') {
      if (!('any' in (out[out.length - 1] ?? {}))) out.push({ any: true })
    } else if (c === '_') {
      out.push({ one: true })
    } else {
      out.push({ lit: c })
    }
  }
  if (cut && !('any' in (out[out.length - 1] ?? {}))) out.push({ any: true })
  return out
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g

function compile (pattern: string, cut: boolean): LikeMatcher {
  const tokens = tokenize(pattern, cut)
  let prefix = ''
  let i = 0
  for (; i < tokens.length; i++) {
    const t = tokens[i]!
    if (!('lit' in t)) break
    prefix += t.lit
  }
  const rest = tokens.slice(i)
  if (rest.length === 0) return { kind: 'exact', prefix, test: (s) => s === prefix }
  if (rest.length === 1 && 'any' in rest[0]!) {
    if (prefix.length === 0) return { kind: 'all', prefix, test: () => true }
    return { kind: 'prefix', prefix, test: (s) => s.startsWith(prefix) }
  }
  let src = '^'
  for (const t of tokens) {
    if ('lit' in t) src += t.lit.replace(REGEX_SPECIAL, '\\$&')
    else if ('any' in t) src += '.*'
    else src += '.'
  }
  const re = new RegExp(src + '$', 'su')
  return { kind: 'pattern', prefix, test: (s) => re.test(s) }
}

const cache = new Map<string, LikeMatcher>()

/** Compile a LIKE pattern (`cut`: Asterisk may have truncated it). */
export function compileLike (pattern: string, cut = false): LikeMatcher {
  const k = (cut ? '1' : '0') + pattern
  let m = cache.get(k)
  if (m === undefined) {
    if (cache.size >= LIKE_CACHE_SIZE) cache.clear()
    m = compile(pattern, cut)
    cache.set(k, m)
  }
  return m
}
