/**
 * An index of routes by pattern, so that finding the routes for a number is
 * flat in the number of routes.
 *
 * Every route is stored in a character trie under the *expansions of its
 * leading positions*: literal characters are one edge each; a set (`X`, `N`,
 * `[1-5]`) adds one edge per member as long as the number of expanded paths
 * stays within `expandBudget`; the first `.`/`!`, the end of the pattern or an
 * exhausted budget stops the walk and the route is stored at every node
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
 * Matches equal in 1–3 share a `tier`: the decision uses them as failover
 * alternatives in priority order.
 */
import { compareTokens, matchTokens, parsePatternBody, prefixTokens, stripDashes, tokenChars, type PatternToken } from './pattern.js'
import { SAFE_NUMBER } from './normalize.js'
import type { RouteMatch, RouteView } from './types.js'

/** Most trie paths one route may occupy (product of the set sizes expanded). */
export const DEFAULT_EXPAND_BUDGET = 100

interface Entry {
  readonly view: RouteView
  /** plain route: its digits (dashes removed) */
  readonly literal?: string
  /** pattern route: its tokens; plain route: `literal` + `.` */
  readonly tokens: readonly PatternToken[]
  readonly nodes: TrieNode[]
}

class TrieNode {
  children: Map<number, TrieNode> | undefined = undefined
  entries: Entry[] | undefined = undefined

  child (c: number): TrieNode {
    this.children ??= new Map()
    let n = this.children.get(c)
    if (n === undefined) { n = new TrieNode(); this.children.set(c, n) }
    return n
  }
}

interface Candidate { entry: Entry, exact: boolean, scoped: boolean }

function compareCandidates (a: Candidate, b: Candidate): number {
  const s = compareSpecificity(a, b)
  if (s !== 0) return s
  if (a.entry.view.priority !== b.entry.view.priority) return a.entry.view.priority < b.entry.view.priority ? -1 : 1
  return a.entry.view.id < b.entry.view.id ? -1 : a.entry.view.id > b.entry.view.id ? 1 : 0
}

function compareSpecificity (a: Candidate, b: Candidate): number {
  if (a.scoped !== b.scoped) return a.scoped ? -1 : 1
  if (a.exact !== b.exact) return a.exact ? -1 : 1
  if (a.exact) return 0
  return Math.sign(compareTokens(a.entry.tokens, b.entry.tokens))
}

export interface RouteIndexOptions {
  expandBudget?: number
}

export class RouteIndex {
  readonly #root = new TrieNode()
  readonly #byId = new Map<string, Entry>()
  readonly #invalid = new Map<string, string>()
  readonly #budget: number

  constructor (routes: Iterable<RouteView> = [], opts: RouteIndexOptions = {}) {
    this.#budget = Math.max(1, opts.expandBudget ?? DEFAULT_EXPAND_BUDGET)
    for (const r of routes) this.put(r)
  }

  /** number of indexed (valid) routes */
  get size (): number { return this.#byId.size }

  /** routes whose pattern could not be used, with the reason */
  invalid (): ReadonlyMap<string, string> { return this.#invalid }

  /** Adds or replaces a route. */
  put (view: RouteView): void {
    this.delete(view.id)
    let entry: Entry
    if (view.pattern.startsWith('_')) {
      const r = parsePatternBody(view.pattern.slice(1))
      if (!r.ok) { this.#invalid.set(view.id, r.error); return }
      entry = { view, tokens: r.tokens, nodes: [] }
      this.#placePattern(entry)
    } else {
      const literal = stripDashes(view.pattern)
      if (!SAFE_NUMBER.test(literal)) { this.#invalid.set(view.id, 'a plain pattern must be a number'); return }
      entry = { view, literal, tokens: prefixTokens(literal), nodes: [] }
      let n = this.#root
      for (let i = 0; i < literal.length; i++) n = n.child(literal.charCodeAt(i))
      this.#store(n, entry)
    }
    this.#byId.set(view.id, entry)
  }

  delete (id: string): void {
    this.#invalid.delete(id)
    const e = this.#byId.get(id)
    if (e === undefined) return
    this.#byId.delete(id)
    for (const n of e.nodes) {
      const list = n.entries!
      const i = list.indexOf(e)
      if (i >= 0) list.splice(i, 1)
      if (list.length === 0) n.entries = undefined
    }
  }

  get (id: string): RouteView | undefined { return this.#byId.get(id)?.view }

  #store (n: TrieNode, e: Entry): void {
    (n.entries ??= []).push(e)
    e.nodes.push(n)
  }

  #placePattern (e: Entry): void {
    let frontier: TrieNode[] = [this.#root]
    for (const t of e.tokens) {
      if (t.kind !== 'set') break
      const chars = tokenChars(t)
      if (frontier.length * chars.length > this.#budget) break
      const next: TrieNode[] = []
      for (const n of frontier) for (const c of chars) next.push(n.child(c))
      frontier = next
    }
    for (const n of frontier) this.#store(n, e)
  }

  /**
   * Enabled routes matching `exten` (dashes ignored) for calls from `context`
   * (routes with a context only match that context), best first.
   */
  match (exten: string, context: string | undefined): RouteMatch[] {
    const data = stripDashes(exten)
    const found: Candidate[] = []
    let n: TrieNode | undefined = this.#root
    for (let i = 0; n !== undefined; i++) {
      if (n.entries !== undefined) {
        for (const entry of n.entries) {
          const v = entry.view
          if (!v.enabled || (v.context !== undefined && v.context !== context)) continue
          let exact = false
          if (entry.literal !== undefined) {
            if (data === entry.literal) exact = true
            else if (!data.startsWith(entry.literal)) continue
          } else if (!matchTokens(entry.tokens, data)) continue
          found.push({ entry, exact, scoped: v.context !== undefined })
        }
      }
      if (i >= data.length) break
      n = n.children?.get(data.charCodeAt(i))
    }
    if (found.length > 1) found.sort(compareCandidates)
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
