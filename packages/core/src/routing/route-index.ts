/**
 * An index of routes by pattern, so that finding the routes for a number is
 * flat in the number of routes.
 *
 * Every route is stored in a character trie under the *expansions of its
 * leading positions*: literal characters are one edge each; a set (`X`, `N`,
 * `[1-5]`) adds one edge per member as long as the number of expanded paths
 * stays within `expandBudget` and a literal character follows it (expanding
 * the `X` of `_0044X.` would only copy the route into ten children); the
 * first `.`/`!`, the end of the pattern, a set with no literal after it or
 * an exhausted budget stops the walk and the route is stored at every node
 * reached. A plain route (no `_`) is stored at the node of its digits. Looking
 * a number up walks the trie along its characters and collects the routes
 * stored on the path — a small candidate set — which are then matched
 * exactly and sorted. All nodes that store one route lie at the same depth,
 * so a route is never collected twice.
 *
 * Ranking of matches (best first), see pattern.ts for the Asterisk order:
 *  1. routes scoped to the request's context before routes for any context
 *     (like a context's own extensions before its includes);
 *  2. a plain route equal to the number (literal extension) before patterns;
 *  3. pattern specificity (`ext_cmp`); a plain route matching a longer number
 *     ranks as the pattern `_<digits>.`;
 *  4. priority, lower first; 5. route id.
 * Matches equal in 1–3 share a `tier`. `match()` returns only the best tier
 * (what the decision uses: its routes are failover alternatives in priority
 * order) and prunes the search accordingly; `matchAll()` returns everything.
 * Disabled routes are not placed in the trie.
 */
import { compareTokens, matchTokens, parsePatternBody, prefixTokens, stripDashes, tokenChars, type PatternToken } from './pattern.js'
import { SAFE_NUMBER } from './normalize.js'
import type { RouteMatch, RouteView } from './types.js'

/** Most trie paths one route may occupy (product of the set sizes expanded). */
export const DEFAULT_EXPAND_BUDGET = 100

interface Entry {
  readonly view: RouteView
  /** plain route: its digits (dashes removed) */
  readonly literal: string | undefined
  /** pattern route: its tokens; plain route: `literal` + `.` */
  readonly tokens: readonly PatternToken[]
  /** scoped to a context (ranks first for that context) */
  readonly scoped: boolean
  /** the lists the entry was stored in */
  readonly lists: Entry[][]
  /** its match, not exact and exact (`match()` answers these shared objects) */
  readonly matches: readonly [RouteMatch, RouteMatch]
  /** `[matches[0]]` and `[matches[1]]`: the answer when it is the only best match (one load away) */
  readonly alone0: readonly RouteMatch[]
  readonly alone1: readonly RouteMatch[]
}

function makeEntry (view: RouteView, tokens: readonly PatternToken[], scoped: boolean, literal?: string): Entry {
  const m0: RouteMatch = Object.freeze({ route: view, exact: false, scoped, tier: 0 })
  const m1: RouteMatch = Object.freeze({ route: view, exact: true, scoped, tier: 0 })
  return { view, tokens, scoped, lists: [], literal, matches: [m0, m1], alone0: Object.freeze([m0]), alone1: Object.freeze([m1]) }
}

/**
 * A trie node. Pattern routes are kept per group — for any context, or per
 * context — each list sorted by specificity, then priority, then id, so a
 * lookup can stop in a list at the first entry that cannot beat what it has.
 */
class TrieNode {
  /** children by digit, as fields: the walk reads the node it is at, not an array beside it */
  c0: TrieNode | undefined = undefined
  c1: TrieNode | undefined = undefined
  c2: TrieNode | undefined = undefined
  c3: TrieNode | undefined = undefined
  c4: TrieNode | undefined = undefined
  c5: TrieNode | undefined = undefined
  c6: TrieNode | undefined = undefined
  c7: TrieNode | undefined = undefined
  c8: TrieNode | undefined = undefined
  c9: TrieNode | undefined = undefined
  /** children by any other character code */
  others: Map<number, TrieNode> | undefined = undefined
  /** plain routes whose digits end here */
  plain: Entry[] | undefined = undefined
  generic: Entry[] | undefined = undefined
  scoped: Map<string, Entry[]> | undefined = undefined

  constructor (readonly parent: TrieNode | undefined, readonly depth: number) {}

  get (c: number): TrieNode | undefined {
    switch (c) {
      case 0x30: return this.c0
      case 0x31: return this.c1
      case 0x32: return this.c2
      case 0x33: return this.c3
      case 0x34: return this.c4
      case 0x35: return this.c5
      case 0x36: return this.c6
      case 0x37: return this.c7
      case 0x38: return this.c8
      case 0x39: return this.c9
      default: return this.others?.get(c)
    }
  }

  child (c: number): TrieNode {
    let n = this.get(c)
    if (n !== undefined) return n
    n = new TrieNode(this, this.depth + 1)
    switch (c) {
      case 0x30: this.c0 = n; break
      case 0x31: this.c1 = n; break
      case 0x32: this.c2 = n; break
      case 0x33: this.c3 = n; break
      case 0x34: this.c4 = n; break
      case 0x35: this.c5 = n; break
      case 0x36: this.c6 = n; break
      case 0x37: this.c7 = n; break
      case 0x38: this.c8 = n; break
      case 0x39: this.c9 = n; break
      default: (this.others ??= new Map()).set(c, n)
    }
    return n
  }

  listFor (e: Entry): Entry[] {
    if (e.literal !== undefined) return (this.plain ??= [])
    if (!e.scoped) return (this.generic ??= [])
    this.scoped ??= new Map()
    const ctx = e.view.context!
    let list = this.scoped.get(ctx)
    if (list === undefined) { list = []; this.scoped.set(ctx, list) }
    return list
  }
}

interface Candidate { entry: Entry, exact: boolean, scoped: boolean }

/** Is there a literal character (a one-member set) at or after position `from`, before any `.`/`!`? */
function literalFollows (tokens: readonly PatternToken[], from: number): boolean {
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.kind !== 'set') return false
    if (t.score >> 8 === 1) return true
  }
  return false
}

const byPriorityThenId = (a: Entry, b: Entry): number =>
  a.view.priority !== b.view.priority ? (a.view.priority < b.view.priority ? -1 : 1) : a.view.id < b.view.id ? -1 : a.view.id > b.view.id ? 1 : 0

/** Static order inside a list: specificity, priority, id. */
const entryOrder = (a: Entry, b: Entry): number => Math.sign(compareTokens(a.tokens, b.tokens)) || byPriorityThenId(a, b)

function compareCandidates (a: Candidate, b: Candidate): number {
  return compareSpecificity(a, b) || byPriorityThenId(a.entry, b.entry)
}

function compareSpecificity (a: Candidate, b: Candidate): number {
  if (a.scoped !== b.scoped) return a.scoped ? -1 : 1
  if (a.exact !== b.exact) return a.exact ? -1 : 1
  if (a.exact) return 0
  return Math.sign(compareTokens(a.entry.tokens, b.entry.tokens))
}

function insertSorted (list: Entry[], e: Entry, cmp: (a: Entry, b: Entry) => number): void {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cmp(list[mid]!, e) <= 0) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, e)
}

/**
 * The best tier found so far: its entries share `scoped` and `exact`. One per
 * lookup: a young object, so recording a match costs no old-space write barrier.
 */
interface Best {
  first: Entry | undefined
  /** further entries of the same tier (rare: routes that differ only in priority) */
  more: Entry[] | undefined
  scoped: boolean
  exact: boolean
}

/** Specificity of a candidate against the best tier: < 0 better, 0 equal, > 0 worse. */
function vsBest (b: Best, scoped: boolean, exact: boolean, tokens: readonly PatternToken[]): number {
  if (b.first === undefined) return -1
  if (scoped !== b.scoped) return scoped ? -1 : 1
  if (exact !== b.exact) return exact ? -1 : 1
  return exact ? 0 : compareTokens(tokens, b.first.tokens)
}

function offer (b: Best, e: Entry, scoped: boolean, exact: boolean, vs: number): void {
  if (vs < 0) { b.first = e; b.more = undefined; b.scoped = scoped; b.exact = exact } else if (vs === 0) (b.more ??= []).push(e)
}

const NO_MATCH: readonly RouteMatch[] = Object.freeze([])

/** Scans one sorted pattern list, stopping at the first entry that cannot reach the best tier. */
function scan (b: Best, list: Entry[] | undefined, scoped: boolean, data: string): void {
  if (list === undefined) return
  let found: Entry | undefined
  for (const e of list) {
    if (found !== undefined && compareTokens(e.tokens, found.tokens) !== 0) return
    const vs = vsBest(b, scoped, false, e.tokens)
    if (vs > 0) return
    if (!matchTokens(e.tokens, data)) continue
    offer(b, e, scoped, false, vs)
    found = e
  }
}

export interface RouteIndexOptions {
  expandBudget?: number
}

export class RouteIndex {
  readonly #root = new TrieNode(undefined, 0)
  readonly #byId = new Map<string, Entry>()
  readonly #invalid = new Map<string, string>()
  readonly #budget: number

  constructor (routes: Iterable<RouteView> = [], opts: RouteIndexOptions = {}) {
    this.#budget = Math.max(1, opts.expandBudget ?? DEFAULT_EXPAND_BUDGET)
    for (const r of routes) this.put(r)
  }

  /** number of indexed (valid) routes, enabled or not */
  get size (): number { return this.#byId.size }

  /** routes whose pattern could not be used, with the reason */
  invalid (): ReadonlyMap<string, string> { return this.#invalid }

  /** Adds or replaces a route. Disabled routes are kept but not placed in the trie. */
  put (view: RouteView): void {
    this.delete(view.id)
    let entry: Entry
    const scoped = view.context !== undefined
    if (view.pattern.startsWith('_')) {
      const r = parsePatternBody(view.pattern.slice(1))
      if (!r.ok) { this.#invalid.set(view.id, r.error); return }
      entry = makeEntry(view, r.tokens, scoped)
      if (view.enabled) this.#placePattern(entry)
    } else {
      const literal = stripDashes(view.pattern)
      if (!SAFE_NUMBER.test(literal)) { this.#invalid.set(view.id, 'a plain pattern must be a number'); return }
      entry = makeEntry(view, prefixTokens(literal), scoped, literal)
      if (view.enabled) {
        let n = this.#root
        for (let i = 0; i < literal.length; i++) n = n.child(literal.charCodeAt(i))
        this.#store(n, entry)
      }
    }
    this.#byId.set(view.id, entry)
  }

  delete (id: string): void {
    this.#invalid.delete(id)
    const e = this.#byId.get(id)
    if (e === undefined) return
    this.#byId.delete(id)
    for (const list of e.lists) {
      const i = list.indexOf(e)
      if (i >= 0) list.splice(i, 1)
    }
  }

  get (id: string): RouteView | undefined { return this.#byId.get(id)?.view }

  #store (n: TrieNode, e: Entry): void {
    const list = n.listFor(e)
    insertSorted(list, e, e.literal !== undefined ? (a, b) => (a.scoped === b.scoped ? 0 : a.scoped ? -1 : 1) || byPriorityThenId(a, b) : entryOrder)
    e.lists.push(list)
  }

  #placePattern (e: Entry): void {
    let frontier: TrieNode[] = [this.#root]
    const tokens = e.tokens
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!
      if (t.kind !== 'set') break
      const chars = tokenChars(t)
      // a set is worth expanding only on the way to a literal character (`_X1.`): after it the routes
      // sharing a node part; a trailing one (`_0044X.`) would only copy the route into every child
      if (chars.length > 1 && !literalFollows(tokens, i + 1)) break
      if (frontier.length * chars.length > this.#budget) break
      const next: TrieNode[] = []
      for (const n of frontier) for (const c of chars) next.push(n.child(c))
      frontier = next
    }
    for (const n of frontier) this.#store(n, e)
  }

  /** The trie nodes along `data`, root first. */
  #path (data: string): TrieNode[] {
    const path: TrieNode[] = []
    let n: TrieNode | undefined = this.#root
    for (let i = 0; n !== undefined; i++) {
      path.push(n)
      if (i >= data.length) break
      n = n.get(data.charCodeAt(i))
    }
    return path
  }

  /**
   * The most specific enabled routes matching `exten` (dashes ignored) for
   * calls from `context`, in priority order (all with tier 0). Routes with a
   * context only match that context.
   *
   * The walk goes deepest node first (longer literal prefixes tend to be more
   * specific); in each sorted list it stops at the first entry that cannot
   * beat the best match so far, or that ranks below a match found in the
   * same list — so a lookup touches few entries however many routes share a
   * prefix.
   */
  match (exten: string, context: string | undefined): readonly RouteMatch[] {
    const data = stripDashes(exten)
    let end = this.#root
    for (let i = 0; i < data.length; i++) {
      const next = end.get(data.charCodeAt(i))
      if (next === undefined) break
      end = next
    }
    const best: Best = { first: undefined, more: undefined, scoped: false, exact: false }
    for (let n: TrieNode | undefined = end; n !== undefined; n = n.parent) {
      if (n.plain !== undefined) {
        const exact = n.depth === data.length
        for (const e of n.plain) {
          if (e.scoped && e.view.context !== context) continue
          offer(best, e, e.scoped, exact, vsBest(best, e.scoped, exact, e.tokens))
        }
      }
      if (context !== undefined && n.scoped !== undefined) scan(best, n.scoped.get(context), true, data)
      scan(best, n.generic, false, data)
    }
    const first = best.first
    if (first === undefined) return NO_MATCH
    const k = best.exact ? 1 : 0
    const out = best.more === undefined ? (k === 1 ? first.alone1 : first.alone0) : [first, ...best.more].sort(byPriorityThenId).map((e) => e.matches[k])
    return out
  }

  /** Every enabled route matching `exten` for `context`, best first, with tiers (slower; for traces and tests). */
  matchAll (exten: string, context: string | undefined): RouteMatch[] {
    const data = stripDashes(exten)
    const found: Candidate[] = []
    for (const n of this.#path(data)) {
      for (const e of n.plain ?? []) {
        if (!e.scoped || e.view.context === context) found.push({ entry: e, exact: data === e.literal, scoped: e.scoped })
      }
      const scoped = context === undefined ? undefined : n.scoped?.get(context)
      for (const e of [...(n.generic ?? []), ...(scoped ?? [])]) {
        if (matchTokens(e.tokens, data)) found.push({ entry: e, exact: false, scoped: e.scoped })
      }
    }
    found.sort(compareCandidates)
    const out: RouteMatch[] = []
    let tier = 0
    for (let i = 0; i < found.length; i++) {
      const c = found[i]!
      if (i > 0 && compareSpecificity(found[i - 1]!, c) !== 0) tier++
      out.push({ route: c.entry.view, exact: c.exact, scoped: c.scoped, tier })
    }
    return out
  }
}
