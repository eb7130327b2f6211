/**
 * Asterisk extension patterns: parsing, matching and the ordering Asterisk
 * uses to pick the most specific extension (main/pbx.c: `ext_cmp`,
 * `ext_cmp_pattern`, `ext_cmp_pattern_pos`, `_extension_match_core`).
 *
 * A pattern (`_` prefix) is a sequence of positions, each a character set:
 * a literal character, `N` (2-9), `X` (0-9), `Z` (1-9) — letters N X Z in
 * either case — or `[...]` with single characters and `a-b` ranges (a `-`
 * right before `]` is literal). `.` matches one or more characters and `!`
 * zero or more; matching stops at the first of them. `-` outside a set is
 * decoration and ignored in patterns and dialled numbers alike. Literal
 * characters are case-sensitive.
 *
 * Ordering (what Asterisk sorts a context by, first match wins): plain
 * extensions before patterns; two patterns compare position by position by a
 * score `count << 8 | lowest char` (a smaller set is more specific), then
 * `.` (0x18000), then `!` (0x28000), then end of pattern (0x30000); equal
 * scores fall back to the membership bitmaps (the set holding the lowest
 * differing character first). This is a total preorder; patterns that compare
 * equal have the same set at every position.
 *
 * Deliberate differences: a `[` without `]` or a set whose ranges are all
 * empty (`[9-1]`) makes the pattern invalid (Asterisk never matches it either,
 * but sorts it oddly); only printable ASCII is accepted.
 */

/** Score of the end of a pattern in the ordering. */
const END_SCORE = 0x30000
const DOT_SCORE = 0x18000
const BANG_SCORE = 0x28000

export type PatternTokenKind = 'set' | 'dot' | 'bang'

export interface PatternToken {
  readonly kind: PatternTokenKind
  /** `ext_cmp_pattern_pos` score: `count << 8 | lowest char` for sets. */
  readonly score: number
  /** ASCII membership bitmap in Asterisk's bit order (char c: byte c>>3, bit 0x80>>(c&7)); all zero for `.`/`!`. */
  readonly bits: Uint8Array
}

export type PatternResult =
  | { ok: true, tokens: readonly PatternToken[] }
  | { ok: false, error: string }

const ZERO_BITS = new Uint8Array(16)
const DOT: PatternToken = Object.freeze({ kind: 'dot', score: DOT_SCORE, bits: ZERO_BITS })
const BANG: PatternToken = Object.freeze({ kind: 'bang', score: BANG_SCORE, bits: ZERO_BITS })

/** Tokens are interned: patterns share their single-character and X/N/Z sets. */
const interned = new Map<string, PatternToken>()

function setToken (chars: Iterable<number>, lowest = 0xff): PatternToken | undefined {
  const bits = new Uint8Array(16)
  let count = 0
  let min = lowest
  for (const c of chars) {
    const byte = c >> 3
    const mask = 0x80 >> (c & 7)
    if ((bits[byte]! & mask) === 0) {
      bits[byte] = bits[byte]! | mask
      count++
      if (c < min) min = c
    }
  }
  if (count === 0) return undefined
  const key = min.toString(16) + ':' + Array.from(bits, (b) => b.toString(16).padStart(2, '0')).join('')
  let tok = interned.get(key)
  if (tok === undefined) {
    tok = Object.freeze({ kind: 'set' as const, score: (count << 8) | min, bits })
    interned.set(key, tok)
  }
  return tok
}

function range (from: number, to: number): number[] {
  const out: number[] = []
  for (let c = from; c <= to; c++) out.push(c)
  return out
}

const DIGITS = { N: range(0x32, 0x39), X: range(0x30, 0x39), Z: range(0x31, 0x39) }

/** The token of one literal character. */
export function charToken (c: number): PatternToken {
  return setToken([c])!
}

const isPrintable = (c: number): boolean => c > 0x20 && c < 0x7f

/** Parses the body of a pattern (without the leading `_`). */
export function parsePatternBody (body: string): PatternResult {
  const tokens: PatternToken[] = []
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!
    const c = body.charCodeAt(i)
    if (!isPrintable(c)) return { ok: false, error: `character ${JSON.stringify(ch)} is not allowed` }
    if (ch === '-') continue
    if (ch === '.') { tokens.push(DOT); continue }
    if (ch === '!') { tokens.push(BANG); continue }
    const up = ch.toUpperCase()
    if (up === 'N' || up === 'X' || up === 'Z') { tokens.push(setToken(DIGITS[up])!); continue }
    if (ch !== '[') { tokens.push(charToken(c)); continue }
    const end = body.indexOf(']', i + 1)
    if (end < 0) return { ok: false, error: `"[" at ${i} has no "]"` }
    if (end === i + 1) { i = end; continue } // an empty set is ignored, as Asterisk does
    const members: number[] = []
    let lowest = 0xff // Asterisk counts the first character of an empty range (`[1-05]`) as the set's lowest
    for (let p = i + 1; p < end; p++) {
      const c1 = body.charCodeAt(p)
      if (!isPrintable(c1)) return { ok: false, error: 'non-printable character in a set' }
      if (c1 < lowest) lowest = c1
      if (p + 2 < end && body[p + 1] === '-') {
        const c2 = body.charCodeAt(p + 2)
        if (!isPrintable(c2)) return { ok: false, error: 'non-printable character in a set' }
        members.push(...range(c1, c2))
        p += 2
      } else {
        members.push(c1)
      }
    }
    const tok = setToken(members, lowest)
    if (tok === undefined) return { ok: false, error: `set ${body.slice(i, end + 1)} matches nothing` }
    tokens.push(tok)
    i = end
  }
  return { ok: true, tokens }
}

/** Removes the `-` decoration Asterisk ignores in dialled numbers. */
export function stripDashes (s: string): string {
  return s.includes('-') ? s.replaceAll('-', '') : s
}

/** Does `data` (without dashes) match the tokens? `.` needs one more character, `!` none. */
export function matchTokens (tokens: readonly PatternToken[], data: string): boolean {
  let i = 0
  for (const t of tokens) {
    if (t.kind === 'dot') return i < data.length
    if (t.kind === 'bang') return true
    if (i >= data.length) return false
    const c = data.charCodeAt(i)
    if (c > 0x7f || (t.bits[c >> 3]! & (0x80 >> (c & 7))) === 0) return false
    i++
  }
  return i === data.length
}

/** `ext_cmp_pattern`: < 0 when `a` is more specific (sorts first). */
export function compareTokens (a: readonly PatternToken[], b: readonly PatternToken[]): number {
  for (let i = 0; ; i++) {
    const ta = a[i]
    const tb = b[i]
    const sa = ta === undefined ? END_SCORE : ta.score
    const sb = tb === undefined ? END_SCORE : tb.score
    if (sa !== sb) return sa - sb
    if (ta === undefined || tb === undefined) return 0
    if (ta !== tb) {
      // memcmp(right, left): the set holding the lowest differing character first
      for (let j = 0; j < 16; j++) {
        const d = tb.bits[j]! - ta.bits[j]!
        if (d !== 0) return d
      }
    }
  }
}

/** Does `s` denote a pattern (leading `_`)? */
export const isPattern = (s: string): boolean => s.startsWith('_')

/**
 * Asterisk's `ast_extension_match` for a whole extension string: a pattern
 * (`_…`) is matched by its rules, anything else must equal `data` (dashes
 * ignored). Invalid patterns match nothing.
 */
export function extensionMatches (pattern: string, data: string): boolean {
  const d = stripDashes(data)
  if (!isPattern(pattern)) return stripDashes(pattern) === d
  const r = parsePatternBody(pattern.slice(1))
  return r.ok && matchTokens(r.tokens, d)
}

/**
 * Asterisk's `ast_extension_cmp` sign: plain extensions first (among them by
 * character code, dashes ignored), then patterns, most specific first.
 * Invalid patterns sort after valid ones, among themselves by text.
 */
export function compareExtensions (a: string, b: string): number {
  const pa = isPattern(a)
  const pb = isPattern(b)
  if (!pa || !pb) {
    if (pa !== pb) return pa ? 1 : -1
    const sa = stripDashes(a)
    const sb = stripDashes(b)
    return sa < sb ? -1 : sa > sb ? 1 : 0
  }
  const ra = parsePatternBody(a.slice(1))
  const rb = parsePatternBody(b.slice(1))
  if (!ra.ok || !rb.ok) {
    if (ra.ok !== rb.ok) return ra.ok ? -1 : 1
    return a < b ? -1 : a > b ? 1 : 0
  }
  return Math.sign(compareTokens(ra.tokens, rb.tokens))
}

/** The tokens of a literal prefix followed by `.`: how a plain route ranks for longer numbers. */
export function prefixTokens (literal: string): PatternToken[] {
  const out: PatternToken[] = []
  for (let i = 0; i < literal.length; i++) out.push(charToken(literal.charCodeAt(i)))
  out.push(DOT)
  return out
}

/** Characters a token accepts (ASCII codes, ascending); empty for `.`/`!`. */
export function tokenChars (t: PatternToken): number[] {
  const out: number[] = []
  if (t.kind !== 'set') return out
  for (let c = 0; c < 128; c++) if ((t.bits[c >> 3]! & (0x80 >> (c & 7))) !== 0) out.push(c)
  return out
}
