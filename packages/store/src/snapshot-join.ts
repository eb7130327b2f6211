/**
 * Snapshot join, the store's side. A fresh store opened with `snapshotJoin`
 * holds its followers of remote logs (they would replay every log from
 * block 0) until a peer's manifest arrives (or `holdMs` passes). The join
 * then:
 *  1. opens each writer's log named in the manifest and fetches only its live
 *     blocks (`core.download({ blocks })`, `core.get`): hypercore verifies
 *     every block against the writer's signed merkle tree, so a peer can omit
 *     blocks but never forge or alter one;
 *  2. applies them to the empty view and advances each writer's checkpoint to
 *     the manifest's length (the dead blocks below it are never applied);
 *  3. compares the view hash with the manifest's: a peer that left out a live
 *     block (or named wrong lengths) is caught here, the view is emptied and
 *     the node falls back to replaying every log in full;
 *  4. records the lengths as the logs' *sparse bounds* (below them a block
 *     missing locally is dead, not pending: rebuilds skip it) and releases the
 *     followers, which continue each log from its checkpoint.
 *
 * The sparse bounds live in the data directory (`sparse`, one `key length`
 * line per writer) so a restart or a view rebuild keeps working on the
 * sparse logs.
 */
import { readFile, writeFile, rename } from 'node:fs/promises'
import { isWriterKey, type WriterKey } from '@federator/core'
import type Hypercore from 'hypercore'
import { Follower } from './follower.js'
import { decodeManifest, manifestSize, type SnapshotManifest } from './snapshot.js'
import type { ApplyItem } from './view.js'

/** a fresh store waits this long for a peer's manifest before replaying the logs in full */
export const SNAPSHOT_HOLD_MS = 10_000
/** fetching the live blocks of a manifest gives up (full replay) after this long */
export const SNAPSHOT_FETCH_TIMEOUT_MS = 60_000
/** blocks decoded and applied per view batch during a join */
export const SNAPSHOT_APPLY_BLOCKS = 64

export interface SnapshotOptions {
  /** hold the followers of a fresh store until a snapshot join (see joinSnapshot) or holdMs */
  snapshotJoin?: boolean
  holdMs?: number
  fetchTimeoutMs?: number
  /** clear the dead blocks of every log this often (Store.clearDead); 0 or absent: never */
  clearDeadMs?: number
}

export type JoinResult =
  | { ok: true, blocks: number, skipped: number, ms: number }
  | { ok: false, reason: 'not-waiting' | 'busy' | 'malformed' | 'fetch-failed' | 'hash-mismatch', detail?: string }

/** What the join needs from the store (implemented by Store). */
export interface JoinHost {
  writerKey: WriterKey
  /** opens (and registers) a writer's log without following it yet */
  openWriter: (key: WriterKey) => Promise<Hypercore>
  /** applies decoded blocks to the view; with `applied`, also sets those checkpoints */
  apply: (items: ApplyItem[], applied: Map<WriterKey, number>) => Promise<void>
  viewHash: () => string
  /** empties the view (the fallback: every log is then replayed from block 0) */
  resetView: () => Promise<void>
}

/** Per-writer sparse bounds, persisted in one small file. */
export class SparseBounds {
  private constructor (private readonly file: string, readonly bounds: Map<WriterKey, number>) {}

  static async load (file: string): Promise<SparseBounds> {
    const text = await readFile(file, 'utf8').catch(() => '')
    const bounds = new Map<WriterKey, number>()
    for (const line of text.split('\n')) {
      const [key, n] = line.trim().split(' ')
      if (key !== undefined && isWriterKey(key) && Number.isSafeInteger(Number(n))) bounds.set(key, Number(n))
    }
    return new SparseBounds(file, bounds)
  }

  of (key: WriterKey): number {
    return this.bounds.get(key) ?? 0
  }

  async raise (lengths: Map<WriterKey, number>): Promise<void> {
    for (const [k, n] of lengths) if (n > this.of(k)) this.bounds.set(k, n)
    await this.save()
  }

  /** no sparse bounds any more: every log is to be read in full */
  async reset (): Promise<void> {
    this.bounds.clear()
    await this.save()
  }

  private async save (): Promise<void> {
    const tmp = this.file + '.new'
    await writeFile(tmp, [...this.bounds].map(([k, n]) => `${k} ${n}\n`).join(''))
    await rename(tmp, this.file)
  }
}

/**
 * Reads blocks [from, upto) of a log that may be sparse below `bound`: a missing block there is dead and
 * skipped; at or above it the read stops at the first missing block. Returns the items and where it stopped.
 */
export async function readLocal (key: WriterKey, core: Hypercore, from: number, upto: number, bound: number): Promise<{ items: ApplyItem[], next: number }> {
  const items: ApplyItem[] = []
  let seq = from
  for (; seq < upto; seq++) {
    const buf = await core.get(seq, { wait: false })
    if (buf === null) {
      if (seq < bound) continue
      break
    }
    items.push(Follower.decode(key, seq, buf))
  }
  return { items, next: seq }
}

/** The number of blocks of a possibly sparse log that can be applied from local data (see readLocal). */
export async function localLength (core: Hypercore, bound: number): Promise<number> {
  let n = Math.max(core.contiguousLength, Math.min(bound, core.length))
  while (n < core.length && await core.has(n)) n++
  return n
}

/** Fetches a manifest's live blocks, applies them and checks the view hash (steps 1–3 above). */
export async function runJoin (host: JoinHost, raw: unknown, opts: { fetchTimeoutMs: number }): Promise<JoinResult> {
  const start = Date.now()
  const m = typeof raw === 'object' && raw !== null && 'writers' in raw ? raw as SnapshotManifest : decodeManifest(raw)
  if (typeof m === 'string') return { ok: false, reason: 'malformed', detail: m }
  const writers = m.writers.filter((w) => w.key !== host.writerKey && w.length > 0)
  const cores = new Map<WriterKey, Hypercore>()
  for (const w of writers) cores.set(w.key, await host.openWriter(w.key))
  const deadline = start + opts.fetchTimeoutMs
  try {
    for (const w of writers) {
      const core = cores.get(w.key)!
      const range = core.download({ blocks: w.live })
      try {
        for (let i = 0; i < w.live.length; i += SNAPSHOT_APPLY_BLOCKS) {
          const seqs = w.live.slice(i, i + SNAPSHOT_APPLY_BLOCKS)
          const timeout = Math.max(1, deadline - Date.now())
          const bufs = await Promise.all(seqs.map((s) => core.get(s, { timeout })))
          await host.apply(bufs.map((b, j) => Follower.decode(w.key, seqs[j]!, b)), new Map())
        }
      } finally {
        range.destroy()
      }
    }
  } catch (err) {
    await host.resetView()
    return { ok: false, reason: 'fetch-failed', detail: (err as Error).message }
  }
  await host.apply([], new Map(writers.map((w) => [w.key, w.length])))
  const hash = host.viewHash()
  if (hash !== m.hash) {
    await host.resetView()
    return { ok: false, reason: 'hash-mismatch', detail: `view hash ${hash}, the peer's ${m.hash}` }
  }
  const { live, total } = manifestSize({ ...m, writers })
  return { ok: true, blocks: live, skipped: total - live, ms: Date.now() - start }
}
