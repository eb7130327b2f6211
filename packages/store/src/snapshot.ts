/**
 * Snapshot join, the pure part: which blocks of a writer's log are still
 * *live* — needed to rebuild the merged state exactly — and the manifest a
 * serving node hands a joining one.
 *
 * The rule (proof in docs/design.md, "Bounded history"): an entry of writer W
 * on record r is needed only when it is W's newest write of some field of r
 * (the lifecycle `$` counts as a field: puts and deletes write it) or W's
 * newest entry on r at all. Every winning value, every lost concurrent write
 * (a conflict), every tombstone and every part of the causal knowledge the
 * merge keeps is carried by such an entry, because a writer's context for a
 * record only grows. So the rule looks at one writer's log alone: scanning it
 * backwards, an entry whose record and fields were all written again later by
 * the same writer is superseded. A block none of whose entries is needed is
 * *dead*; it stays dead as the log grows. Applying any set of entries between
 * the live ones and the whole log gives the same record states — which is what
 * lets the joiner fetch whole live blocks, and verify the result by the view
 * hash at the manifest's log lengths.
 *
 * Blocks that cannot be decoded count as live (the joiner quarantines them as
 * every node does); a block missing locally counts as dead (a node only lacks
 * blocks below what it applied when it joined from a snapshot or cleared them).
 */
import { BlockError, decodeBlock, isWriterKey, writerTag, type Entry, type WriterKey } from '@federator/core'
import type Hypercore from 'hypercore'

export const SNAPSHOT_VERSION = 1
/** most writers a manifest may name */
export const MAX_SNAPSHOT_WRITERS = 4096

/** One writer's part of a manifest: the prefix [0, length) it covers and the live blocks in it. */
export interface SnapshotWriter {
  key: WriterKey
  length: number
  /** live block numbers, ascending, each < length */
  live: number[]
}

/** What a serving node sends: its view hash at exactly these log lengths, and the live blocks below them. */
export interface SnapshotManifest {
  v: number
  /** the server's view hash once every log was applied up to `length` */
  hash: string
  writers: SnapshotWriter[]
}

/** The fields an entry writes, `$` for the lifecycle (put and del). */
function fieldsOf (e: Entry): string[] {
  const out: string[] = e.op === 'patch' ? [] : ['$']
  if (e.set !== undefined) for (const k of Object.keys(e.set)) out.push(k)
  if (e.unset !== undefined) for (const k of e.unset) out.push(k)
  return out
}

/**
 * The backward scan of one writer's log (pure): feed its blocks newest first; `feed` says whether the
 * block holds an entry that is still needed (the rule above).
 */
export class LiveScan {
  /** record → fields written later in this log */
  private readonly later = new Map<string, Set<string>>()

  feed (entries: Entry[]): boolean {
    let needed = false
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!
      const r = e.type + '\u0000' + e.id
      let seen = this.later.get(r)
      if (seen === undefined) { seen = new Set(); this.later.set(r, seen); needed = true }
      for (const f of fieldsOf(e)) {
        if (!seen.has(f)) { seen.add(f); needed = true }
      }
    }
    return needed
  }
}

/**
 * Scans blocks [0, length) of one writer's log from the end and returns the live ones (ascending).
 * `dead` (blocks found dead by an earlier scan of the same log) are skipped and the new dead ones added.
 */
export async function scanLive (writer: WriterKey, core: Hypercore, length: number, dead: Set<number> = new Set()): Promise<number[]> {
  const tag = writerTag(writer)
  const scan = new LiveScan()
  const live: number[] = []
  for (let seq = length - 1; seq >= 0; seq--) {
    if (dead.has(seq)) continue
    const buf = await core.get(seq, { wait: false })
    if (buf === null) { dead.add(seq); continue }
    let entries: Entry[]
    try {
      entries = decodeBlock(buf, tag).entries
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      live.push(seq)
      continue
    }
    if (scan.feed(entries)) live.push(seq)
    else dead.add(seq)
  }
  return live.reverse()
}

// ---- the manifest on the wire: block lists as runs ----

/** [start, count, start, count, …] of an ascending list */
export function toRuns (seqs: number[]): number[] {
  const out: number[] = []
  for (const s of seqs) {
    const n = out.length
    if (n > 0 && out[n - 2]! + out[n - 1]! === s) out[n - 1]!++
    else out.push(s, 1)
  }
  return out
}

export function fromRuns (runs: number[], max: number): number[] | null {
  if (runs.length % 2 !== 0) return null
  const out: number[] = []
  let next = 0
  for (let i = 0; i < runs.length; i += 2) {
    const start = runs[i]!
    const count = runs[i + 1]!
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < next || count < 1 || start + count > max) return null
    for (let s = start; s < start + count; s++) out.push(s)
    next = start + count
  }
  return out
}

/** A manifest as plain data for the wire (keys hex, block lists as runs). */
export function encodeManifest (m: SnapshotManifest): Record<string, unknown> {
  return { v: m.v, h: m.hash, w: m.writers.map((w) => [w.key, w.length, toRuns(w.live)]) }
}

/** The manifest, or a reason it is malformed. */
export function decodeManifest (raw: unknown): SnapshotManifest | string {
  if (raw === null || typeof raw !== 'object') return 'not a map'
  const r = raw as Record<string, unknown>
  if (r.v !== SNAPSHOT_VERSION) return `unknown snapshot version ${JSON.stringify(r.v)}`
  if (typeof r.h !== 'string' || !/^[0-9a-f]{64}$/.test(r.h)) return 'bad view hash'
  if (!Array.isArray(r.w) || r.w.length > MAX_SNAPSHOT_WRITERS) return 'bad writer list'
  const writers: SnapshotWriter[] = []
  const keys = new Set<string>()
  for (const w of r.w as unknown[]) {
    if (!Array.isArray(w) || w.length < 3) return 'bad writer entry'
    const [key, length, runs] = w as [unknown, unknown, unknown]
    if (typeof key !== 'string' || !isWriterKey(key) || keys.has(key)) return 'bad writer key'
    if (!Number.isSafeInteger(length) || (length as number) < 0) return 'bad log length'
    if (!Array.isArray(runs)) return 'bad block list'
    const live = fromRuns(runs as number[], length as number)
    if (live === null) return 'bad block list'
    keys.add(key)
    writers.push({ key, length: length as number, live })
  }
  return { v: SNAPSHOT_VERSION, hash: r.h, writers }
}

/** Blocks a manifest asks for, and what they replace (for logs and metrics). */
export function manifestSize (m: SnapshotManifest): { live: number, total: number } {
  let live = 0
  let total = 0
  for (const w of m.writers) { live += w.live.length; total += w.length }
  return { live, total }
}
