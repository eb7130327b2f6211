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
 * Bounded by entries and by bytes: the size is an estimate of the heap it
 * holds — each answer's and key's characters (answers are ASCII: a byte
 * each) plus a fixed overhead per answer, per tag cell and per reference
 * from a cell to an answer (constants below: heap growth over 180k answers
 * of 60k devices, three per device with two tags each, Node 20, matched
 * within ~10%). Short refs lists are kept exact-size (a list grown by push()
 * holds room for 17 slots). When over, the cells no cached answer uses any
 * more (those of evicted answers and of bumped tags) are pruned first, once
 * the cells grew by a quarter since the last prune (amortised); then the oldest
 * answer of the largest scope goes. A prune refuses computations that started
 * before it (the same rule as after a clear: the bump clocks of the pruned
 * cells are gone). The tag table is reset with the whole cache when it
 * outgrows its own limit.
 */
import type { CacheTag } from './cache-tags.js'

export interface CacheLimits {
  maxEntries: number
  /** estimated bytes held (see the module comment) */
  maxBytes: number
  maxAnswer: number
  maxTags: number
}

/** heap bytes of a cached answer besides its characters and its key's: the map entry and two string headers */
export const ANSWER_OVERHEAD_BYTES = 176
/** heap bytes of a tag cell besides its name: the cell object, its map entry, its name's header and its refs array's */
export const CELL_OVERHEAD_BYTES = 144
/** heap bytes of one reference from a cell to an answer (two array slots) */
export const REF_BYTES = 16

type Scope = Map<string, string>

/** One tag: the clock value of its last bump, and the answers computed from it (scope, key, scope, key…: no pair objects). */
interface Cell { v: number, refs: Array<Scope | string>, compactAt: number }

/** Answers a cell remembers before it forgets those no longer cached (evicted). */
const CELL_COMPACT = 64
/** refs lists shorter than this grow by an exact-size copy, longer ones by push() */
const EXACT_REFS = 16
/** an over-full cache prunes its unused cells before evicting answers once this many cells (or a quarter more) were added since the last prune */
const PRUNE_MIN_GROWTH = 64

/** The refs whose answers are still cached. */
function compact (refs: Array<Scope | string>): Array<Scope | string> {
  let live = 0
  for (let i = 0; i < refs.length; i += 2) if ((refs[i] as Scope).has(refs[i + 1] as string)) live += 2
  if (live === refs.length) return refs
  const out = new Array<Scope | string>(live) // exact size
  let j = 0
  for (let i = 0; i < refs.length; i += 2) if ((refs[i] as Scope).has(refs[i + 1] as string)) { out[j++] = refs[i]!; out[j++] = refs[i + 1]! }
  return out
}

/** A flat copy of a string built by concatenation (cheaper to hash and compare as a map key). */
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
  private size_ = 0
  private cellsAfterPrune = 1
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
      if (c.refs.length >= c.compactAt) this.compactCell(c)
      // a short list is copied exact-size: one grown by push() from [] keeps room for 17 slots (≈190 bytes)
      if (c.refs.length < EXACT_REFS) c.refs = c.refs.concat(scope, key)
      else c.refs.push(scope, key)
      this.size_ += REF_BYTES
    }
    scope.set(key, answer)
    this.count++
    this.size_ += ANSWER_OVERHEAD_BYTES + answer.length + key.length
    while (this.count > this.limits.maxEntries || this.size_ > this.limits.maxBytes) {
      // the cells of evicted or bumped answers first (amortised: once the cells grew by a quarter since the last prune)
      if (this.cells.size >= this.cellsAfterPrune + Math.max(PRUNE_MIN_GROWTH, this.cellsAfterPrune >> 2) && this.pruneCells()) continue
      if (this.evictOne()) this.evictions++
      else if (!this.pruneCells()) break
    }
  }

  /** Invalidate every answer computed from one of these tags. */
  bump (...tags: Tag[]): void {
    for (const t of tags) {
      const c = this.cell(t)
      c.v = ++this.clock
      const refs = c.refs
      for (let i = 0; i < refs.length; i += 2) this.drop(refs[i] as Scope, refs[i + 1] as string)
      this.size_ -= (refs.length >> 1) * REF_BYTES
      c.refs = []
    }
    // the cells of bumped tags that no answer uses: pruned once they doubled since the last prune (amortised)
    if ((this.cells.size > this.limits.maxTags || this.size_ > this.limits.maxBytes) && this.cells.size >= 2 * this.cellsAfterPrune) this.pruneCells()
    if (this.cells.size > this.limits.maxTags) this.clear()
  }

  clear (): void {
    this.scopes.clear()
    this.cells.clear()
    this.count = 0
    this.size_ = 0
    this.clearedAt = ++this.clock
  }

  /** answers held */
  get size (): number { return this.count }
  /** estimated bytes held (answers, keys, tag cells and their references) */
  get bytes (): number { return this.size_ }
  /** tag cells held */
  get tags (): number { return this.cells.size }

  private scope (op: string, family: string): Scope {
    let byFamily = this.scopes.get(op)
    if (byFamily === undefined) this.scopes.set(flat(op), byFamily = new Map())
    let scope = byFamily.get(family)
    if (scope === undefined) byFamily.set(flat(family), scope = new Map())
    return scope
  }

  private cell (tag: string): Cell {
    let c = this.cells.get(tag)
    if (c === undefined) {
      this.cells.set(flat(tag), c = { v: 0, refs: [], compactAt: 2 * CELL_COMPACT })
      this.size_ += CELL_OVERHEAD_BYTES + tag.length
    }
    return c
  }

  private compactCell (c: Cell): void {
    const before = c.refs.length
    c.refs = compact(c.refs)
    this.size_ -= ((before - c.refs.length) >> 1) * REF_BYTES
    // a tag most cached answers share ('every trunk') keeps its refs: compact again only when they doubled
    c.compactAt = Math.max(2 * CELL_COMPACT, 2 * c.refs.length)
  }

  /**
   * Drop the cells no cached answer depends on. Their bump clocks go with them, so a computation
   * that started before cannot be checked against them any more: it is refused (as after clear()).
   */
  private pruneCells (): boolean {
    let dropped = false
    for (const [tag, c] of this.cells) {
      this.compactCell(c)
      if (c.refs.length > 0) continue
      this.cells.delete(tag)
      this.size_ -= CELL_OVERHEAD_BYTES + tag.length
      dropped = true
    }
    if (dropped) this.clearedAt = ++this.clock
    this.cellsAfterPrune = Math.max(1, this.cells.size)
    return dropped
  }

  private drop (scope: Scope, key: string): void {
    const answer = scope.get(key)
    if (answer === undefined) return
    scope.delete(key)
    this.count--
    this.size_ -= ANSWER_OVERHEAD_BYTES + answer.length + key.length
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
