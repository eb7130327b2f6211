/**
 * The answer cache: precomputed answer bodies per lookup, so a hot lookup
 * costs one Map lookup (docs/asterisk.md, "Speed").
 *
 * Keys are the raw request (family, operation, body): Asterisk sends the same
 * bytes for the same lookup every time, so no parsing is needed on a hit.
 *
 * Invalidation is by tags with versions. Each answer is stored with the tags
 * of everything it was computed from (`d:alice` the device, `u:bob` its user,
 * `T*` every trunk, `c:alice` the contacts of AOR alice…) and the clock value
 * at which its computation started. A change bumps its tags (each gets the
 * next clock value): an entry is valid while none of its tags was bumped
 * after it was computed. Invalidation is O(tags of the change); an entry
 * holds its tags' version cells themselves, so the check on a hit is a
 * pointer read per tag, no hashing. A change during an async computation
 * makes the new entry stale at once, which is what we want.
 *
 * Bounded: entries (count and characters) are evicted oldest first; the tag
 * table is reset with the whole cache when it outgrows its limit.
 */

export interface CacheLimits {
  maxEntries: number
  maxChars: number
  maxAnswer: number
  maxTags: number
}

/** The version of one tag: the clock value of its last bump. */
interface Cell { v: number }

/** An answer and the version cells of its tags (the first two inline: one memory read less on a hit). */
interface Entry {
  answer: string
  at: number
  c0: Cell
  c1: Cell
  rest: Cell[] | null
}

const NONE: Cell = { v: -1 }

export class AnswerCache {
  private readonly entries = new Map<string, Entry>()
  private readonly versions = new Map<string, Cell>()
  private clock = 0
  /** entries computed before the last clear() may have missed bumps: refused */
  private clearedAt = 0
  private chars = 0
  hits = 0
  misses = 0
  evictions = 0

  constructor (private readonly limits: CacheLimits) {}

  /** The clock value to pass to set() for a computation starting now. */
  now (): number {
    return this.clock
  }

  get (key: string): string | undefined {
    const e = this.entries.get(key)
    if (e !== undefined) {
      if (fresh(e)) { this.hits++; return e.answer }
      this.drop(key, e)
    }
    this.misses++
    return undefined
  }

  /** Whether a fresh entry is held for this key (not counted as a hit or a miss). */
  has (key: string): boolean {
    const e = this.entries.get(key)
    return e !== undefined && fresh(e)
  }

  /** Keep an answer computed from `tags`, whose computation started at clock `at`. */
  set (key: string, answer: string, tags: readonly string[], at: number): void {
    if (answer.length > this.limits.maxAnswer) return
    if (at < this.clearedAt) return
    const cells = tags.map((t) => this.cell(t))
    const e: Entry = { answer, at, c0: cells[0] ?? NONE, c1: cells[1] ?? NONE, rest: cells.length > 2 ? cells.slice(2) : null }
    if (!fresh(e)) return
    const old = this.entries.get(key)
    if (old !== undefined) this.drop(key, old)
    this.entries.set(key, e)
    this.chars += answer.length + key.length
    while (this.entries.size > this.limits.maxEntries || this.chars > this.limits.maxChars) {
      const first = this.entries.entries().next()
      if (first.done === true) break
      this.drop(first.value[0], first.value[1])
      this.evictions++
    }
  }

  /** Invalidate every entry computed from one of these tags. */
  bump (...tags: string[]): void {
    for (const t of tags) this.cell(t).v = ++this.clock
    if (this.versions.size > this.limits.maxTags) this.clear()
  }

  clear (): void {
    this.entries.clear()
    this.versions.clear()
    this.chars = 0
    this.clearedAt = ++this.clock
  }

  get size (): number { return this.entries.size }
  get totalChars (): number { return this.chars }

  private cell (tag: string): Cell {
    let c = this.versions.get(tag)
    if (c === undefined) this.versions.set(tag, c = { v: 0 })
    return c
  }

  private drop (key: string, e: Entry): void {
    this.entries.delete(key)
    this.chars -= e.answer.length + key.length
  }
}

function fresh (e: Entry): boolean {
  if (e.c0.v > e.at || e.c1.v > e.at) return false
  const rest = e.rest
  if (rest !== null) for (let i = 0; i < rest.length; i++) if (rest[i]!.v > e.at) return false
  return true
}
