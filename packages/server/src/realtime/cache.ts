/**
 * The answer cache: precomputed answer bodies per lookup, so a hot lookup
 * costs one Map lookup (docs/asterisk.md, "Speed").
 *
 * An answer is found by its scope (operation and family, from the URL) and
 * the raw request body: Asterisk sends the same bytes for the same lookup
 * every time, so no parsing is needed on a hit. The body string from the
 * HTTP parser is used as it is (flat: no concatenation to hash and compare),
 * and the maps hold the answer strings themselves: on a busy machine a hit
 * costs its memory reads, and this keeps them to the map's own.
 *
 * Invalidation is by tags, eagerly. Each answer is stored with the tags of
 * everything it was computed from (cache-tags.ts: the device alice, its user
 * bob, every trunk, the contacts of AOR alice…). Each tag has a cell: the
 * clock value of its last bump and the answers that depend on it.
 * A change bumps its tags: their answers are dropped at once. An answer whose
 * computation started before a bump of one of its tags (an async computation
 * that raced with a change) is not kept.
 *
 * Bounded: when over its entries or characters, the oldest answer of the
 * largest scope goes; the tag table is reset with the whole cache when it
 * outgrows its limit.
 */
import type { CacheTag } from './cache-tags.js'

export interface CacheLimits {
  maxEntries: number
  maxChars: number
  maxAnswer: number
  maxTags: number
}

type Scope = Map<string, string>

/** One tag: the clock value of its last bump, and the answers computed from it (scope, key, scope, key…: no pair objects). */
interface Cell { v: number, refs: Array<Scope | string> }

/** Answers a cell remembers before it forgets those no longer cached (evicted). */
const CELL_COMPACT = 64

/** A flat copy of a string built by concatenation (cheaper to hash and compare as a map key). */
/** The refs whose answers are still cached. */
function compact (refs: Array<Scope | string>): Array<Scope | string> {
  const out: Array<Scope | string> = []
  for (let i = 0; i < refs.length; i += 2) if ((refs[i] as Scope).has(refs[i + 1] as string)) out.push(refs[i]!, refs[i + 1]!)
  return out
}

function flat (s: string): string {
  const f = Buffer.from(s, 'utf8').toString('utf8')
  return f === s ? f : s // a lone surrogate would not survive the round trip: keep the original
}

/** `Tag`: the tags it takes (the realtime service's are CacheTag; the cache itself reads them as plain strings). */
export class AnswerCache<Tag extends string = CacheTag> {
  /** op → family → body → answer */
  private readonly scopes = new Map<string, Map<string, Scope>>()
  private readonly cells = new Map<string, Cell>()
  private clock = 0
  /** entries computed before the last clear() may have missed bumps: refused */
  private clearedAt = 0
  private count = 0
  private chars = 0
  hits = 0
  misses = 0
  evictions = 0

  constructor (private readonly limits: CacheLimits) {}

  /** The clock value to pass to set() for a computation starting now. */
  now (): number {
    return this.clock
  }

  get (op: string, family: string, body: string): string | undefined {
    const answer = this.scopes.get(op)?.get(family)?.get(body)
    if (answer !== undefined) this.hits++
    else this.misses++
    return answer
  }

  /** Whether an answer is held (not counted as a hit or a miss). */
  has (op: string, family: string, body: string): boolean {
    return this.scopes.get(op)?.get(family)?.has(body) === true
  }

  /** Keep an answer computed from `tags`, whose computation started at clock `at`. */
  set (op: string, family: string, body: string, answer: string, tags: readonly Tag[], at: number): void {
    if (answer.length > this.limits.maxAnswer || at < this.clearedAt) return
    const cells: Cell[] = []
    for (const t of tags) {
      const c = this.cell(t)
      if (c.v > at) return // changed while the answer was computed
      cells.push(c)
    }
    const scope = this.scope(op, family)
    this.drop(scope, body)
    const key = flat(body)
    for (const c of cells) {
      if (c.refs.length >= 2 * CELL_COMPACT) c.refs = compact(c.refs)
      c.refs.push(scope, key)
    }
    scope.set(key, answer)
    this.count++
    this.chars += answer.length + key.length
    while (this.count > this.limits.maxEntries || this.chars > this.limits.maxChars) {
      if (!this.evictOne()) break
      this.evictions++
    }
  }

  /** Invalidate every answer computed from one of these tags. */
  bump (...tags: Tag[]): void {
    for (const t of tags) {
      const c = this.cell(t)
      c.v = ++this.clock
      const refs = c.refs
      for (let i = 0; i < refs.length; i += 2) this.drop(refs[i] as Scope, refs[i + 1] as string)
      c.refs = []
    }
    if (this.cells.size > this.limits.maxTags) this.clear()
  }

  clear (): void {
    this.scopes.clear()
    this.cells.clear()
    this.count = 0
    this.chars = 0
    this.clearedAt = ++this.clock
  }

  get size (): number { return this.count }
  get totalChars (): number { return this.chars }

  private scope (op: string, family: string): Scope {
    let byFamily = this.scopes.get(op)
    if (byFamily === undefined) this.scopes.set(flat(op), byFamily = new Map())
    let scope = byFamily.get(family)
    if (scope === undefined) byFamily.set(flat(family), scope = new Map())
    return scope
  }

  private cell (tag: string): Cell {
    let c = this.cells.get(tag)
    if (c === undefined) this.cells.set(tag, c = { v: 0, refs: [] })
    return c
  }

  private drop (scope: Scope, key: string): void {
    const answer = scope.get(key)
    if (answer === undefined) return
    scope.delete(key)
    this.count--
    this.chars -= answer.length + key.length
  }

  /** Drop the oldest answer of the largest scope. */
  private evictOne (): boolean {
    let largest: Scope | undefined
    for (const byFamily of this.scopes.values()) for (const s of byFamily.values()) if (largest === undefined || s.size > largest.size) largest = s
    const first = largest?.keys().next()
    if (largest === undefined || first === undefined || first.done === true) return false
    this.drop(largest, first.value)
    return true
  }
}
