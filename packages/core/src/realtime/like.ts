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
 * Matching never backtracks (no regular expression): a pattern is cut at its
 * `%` into segments of fixed length (literals and `_`, one code point each).
 * The first segment must match at the start, the last at the end, and each
 * one between is placed at its leftmost match after the previous one —
 * leftmost placement leaves the most room for the rest, so a failure there is
 * final. A test costs at most n·m character comparisons (n code points in the
 * value, m in the pattern) and a value shorter than the pattern's fixed
 * characters is refused at once; the steps are counted (work.ts).
 *
 * Compiled patterns are cached (bounded): sorcery and app_queue send the same
 * few patterns over and over (`%`, `<aor>;@%`).
 */
import { addWork } from '../work.js'

export interface LikeMatcher {
  test: (s: string) => boolean
  /** The literal text before the first wildcard: every match starts with it. */
  prefix: string
  /** `all`: `%` (matches every value); `exact`: no wildcard; `prefix`: `<prefix>%`; `pattern`: anything else. */
  kind: 'all' | 'exact' | 'prefix' | 'pattern'
}

/** Compiled patterns kept at most (the cache is emptied when full). */
export const LIKE_CACHE_SIZE = 1024

/** A token: a literal code point (≥ 0), `_` or `%`. */
const ONE = -1
const ANY = -2

function tokenize (pattern: string, cut: boolean): number[] {
  const chars = Array.from(pattern)
  addWork(chars.length)
  const out: number[] = []
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === '\\') {
      if (i + 1 < chars.length) out.push(chars[++i]!.codePointAt(0)!)
      else if (!cut) out.push(0x5c)
    } else if (c === '%') {
      if (out[out.length - 1] !== ANY) out.push(ANY)
    } else if (c === '_') {
      out.push(ONE)
    } else {
      out.push(c.codePointAt(0)!)
    }
  }
  if (cut && out[out.length - 1] !== ANY) out.push(ANY)
  return out
}

const SURROGATE = /[\uD800-\uDFFF]/

/** The code points of a value (its UTF-16 units when it has no surrogate). */
function codePoints (s: string): ArrayLike<number> {
  addWork(s.length)
  if (!SURROGATE.test(s)) {
    const out = new Array<number>(s.length)
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
    return out
  }
  return Array.from(s, (c) => c.codePointAt(0)!)
}

/** A test for a pattern with `_` or with `%` between fixed text: segment matching. */
function segmentTest (tokens: readonly number[]): (s: string) => boolean {
  const segments: number[][] = [[]]
  for (const t of tokens) {
    if (t === ANY) segments.push([])
    else segments[segments.length - 1]!.push(t)
  }
  const fixed = tokens.length - segments.length + 1 // the code points every match has
  if (segments.length === 1) { // `_` but no `%`: the length is fixed
    const only = segments[0]!
    return (s) => {
      if (s.length < fixed || s.length > 2 * fixed) return false
      const v = codePoints(s)
      return v.length === fixed && matchesAt(only, v, 0)
    }
  }
  const first = segments[0]!
  const last = segments[segments.length - 1]!
  const middle = segments.slice(1, -1).filter((seg) => seg.length > 0)
  return (s) => {
    if (s.length < fixed) return false // a code point is at most 2 UTF-16 units, so the length in units is enough
    const v = codePoints(s)
    if (v.length < fixed) return false
    if (!matchesAt(first, v, 0) || !matchesAt(last, v, v.length - last.length)) return false
    let from = first.length
    const end = v.length - last.length
    for (const seg of middle) {
      const at = leftmost(seg, v, from, end)
      if (at < 0) return false
      from = at + seg.length
    }
    return true
  }
}

function matchesAt (seg: readonly number[], v: ArrayLike<number>, at: number): boolean {
  addWork(seg.length + 1)
  for (let k = 0; k < seg.length; k++) {
    const t = seg[k]!
    if (t !== ONE && t !== v[at + k]) return false
  }
  return true
}

/** The leftmost position in [from, end - |seg|] where `seg` matches, or -1. */
function leftmost (seg: readonly number[], v: ArrayLike<number>, from: number, end: number): number {
  for (let at = from; at + seg.length <= end; at++) if (matchesAt(seg, v, at)) return at
  return -1
}

function compile (pattern: string, cut: boolean): LikeMatcher {
  const tokens = tokenize(pattern, cut)
  let prefix = ''
  let i = 0
  for (; i < tokens.length && tokens[i]! >= 0; i++) prefix += String.fromCodePoint(tokens[i]!)
  if (i === tokens.length) return { kind: 'exact', prefix, test: (s) => s === prefix }
  if (i === tokens.length - 1 && tokens[i] === ANY) {
    if (prefix.length === 0) return { kind: 'all', prefix, test: () => true }
    return { kind: 'prefix', prefix, test: (s) => s.startsWith(prefix) }
  }
  return { kind: 'pattern', prefix, test: segmentTest(tokens) }
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
