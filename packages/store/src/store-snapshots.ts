/**
 * The store's snapshot side (docs/design.md, "Bounded history and snapshot join"): what a store does
 * with the live-block rule of snapshot.ts and the join of snapshot-join.ts.
 *
 * - A fresh store set to join from a snapshot holds its remote followers (`hold`) until a join settles:
 *   joined, failed (then it replays every log), or no manifest offered within `holdMs`.
 * - It serves manifests of its own view (`manifest`): the view hash at its applied log lengths and the
 *   live blocks below them (dead blocks found once are remembered: they stay dead).
 * - `join` fetches and applies a peer's live blocks, checks the hash and raises the logs' sparse bounds.
 * - `clearDead` frees the dead blocks on disk, `replayInFull` drops the view and the bounds.
 *
 * Everything it touches of the store comes through `SnapshotHost` (the Store builds it from its own
 * private parts), so the store's serial queue and view stay the store's.
 */
import type Hypercore from 'hypercore'
import type { Logger } from 'pino'
import type { WriterKey } from '@federator/core'
import type { Follower } from './follower.js'
import type { ApplyItem, View } from './view.js'
import { scanLive, SNAPSHOT_VERSION, encodeManifest, type SnapshotManifest } from './snapshot.js'
import { SNAPSHOT_FETCH_TIMEOUT_MS, SNAPSHOT_HOLD_MS, runJoin, type JoinResult, type SnapshotOptions, type SparseBounds } from './snapshot-join.js'

export interface SnapshotHost {
  log: Logger
  writerKey: () => WriterKey
  options: SnapshotOptions | undefined
  ready: () => Promise<void>
  closing: () => boolean
  view: () => View
  sparse: () => SparseBounds
  /** a writer's log (this node's own included), undefined when not opened */
  core: (key: WriterKey) => Hypercore | undefined
  /** opens and registers a writer's log (Store.addWriter) */
  addWriter: (key: WriterKey) => Promise<void>
  /** resolves when no view swap and no append of this node's log is in flight */
  quiet: () => Promise<void>
  /** the store's serial queue */
  run: <T>(fn: () => Promise<T>) => Promise<T>
  /** applies decoded blocks and sets those checkpoints (clocks observed) */
  apply: (items: ApplyItem[], applied: Map<WriterKey, number>) => Promise<void>
  viewHash: () => string
  /** an empty view in place of the current one */
  resetView: () => Promise<void>
  /** every follower reads again from its checkpoint */
  kickAll: () => void
  joined: (result: JoinResult) => void
}

export class StoreSnapshots {
  /** remote followers held back while a fresh store waits for a snapshot join */
  private held: Follower[] | null = null
  private holdTimer: NodeJS.Timeout | null = null
  private clearTimer: NodeJS.Timeout | null = null
  private joining: Promise<JoinResult> | null = null
  /** per writer: blocks an earlier manifest scan found dead (they stay dead) */
  private readonly deadBlocks = new Map<WriterKey, Set<number>>()
  private settled: Promise<void> | null = null
  private settle: (() => void) | null = null

  constructor (private readonly h: SnapshotHost) {}

  /** At open: hold the followers of a fresh store set to join; start clearing dead blocks if configured. */
  start (fresh: boolean): void {
    const o = this.h.options
    if (fresh && o?.snapshotJoin === true) {
      this.held = []
      this.holdTimer = setTimeout(() => {
        if (this.joining !== null) return // a join under way releases the followers itself
        this.h.log.info('no snapshot offered in time: replaying the logs in full')
        this.release()
      }, o.holdMs ?? SNAPSHOT_HOLD_MS)
      this.holdTimer.unref()
    }
    const every = o?.clearDeadMs ?? 0
    if (every > 0) {
      this.clearTimer = setInterval(() => {
        if (this.held === null && !this.h.closing()) this.clearDead().catch((err: unknown) => this.h.log.warn({ err }, 'clearing dead log blocks failed'))
      }, every)
      this.clearTimer.unref()
    }
  }

  /** True when this follower is held (started later, by release()); false: start it now. */
  hold (f: Follower): boolean {
    if (this.held === null || f.key === this.h.writerKey()) return false
    this.held.push(f)
    return true
  }

  /** true while this fresh store waits for a snapshot join (its remote followers are held) */
  get awaiting (): boolean { return this.held !== null && this.joining === null }

  /** true from the start of a fresh store set to join until the join settled (joining included) */
  get pending (): boolean { return this.held !== null }

  /** Restarts the wait for a snapshot (the network calls it while a peer prepares a manifest). */
  keepWaiting (): void {
    if (this.holdTimer !== null && this.joining === null) this.holdTimer.refresh()
  }

  /** Stops waiting for a snapshot: the held followers replay their logs from their checkpoints. */
  release (): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer)
    this.holdTimer = null
    const held = this.held
    this.held = null
    for (const f of held ?? []) f.start()
    this.settle?.()
  }

  /** Resolves once the store no longer waits for a snapshot join (joined, failed and replaying, or never waiting). */
  whenSettled (): Promise<void> {
    if (this.held === null) return Promise.resolve()
    this.settled ??= new Promise<void>((resolve) => { this.settle = resolve })
    return this.settled
  }

  /** The manifest served to a joining node; undefined while this store waits for one itself. */
  async manifest (): Promise<SnapshotManifest | undefined> {
    await this.h.ready()
    if (this.held !== null || this.h.closing()) return undefined
    await this.h.quiet()
    // read in one tick: the view hash belongs to exactly these checkpoints
    const view = this.h.view()
    const hash = this.h.viewHash()
    const lengths = [...view.checkpoints].map(([key, c]) => {
      const cut = view.revoked.get(key)
      return [key, cut === undefined ? c.applied : Math.min(c.applied, cut)] as const
    })
    const writers: SnapshotManifest['writers'] = []
    for (const [key, length] of lengths) {
      const core = this.h.core(key)
      if (core === undefined || length === 0) continue
      let dead = this.deadBlocks.get(key)
      if (dead === undefined) this.deadBlocks.set(key, dead = new Set())
      writers.push({ key, length, live: await scanLive(key, core, length, dead) })
    }
    return { v: SNAPSHOT_VERSION, hash, writers }
  }

  /** manifest() as plain data for the wire */
  async encoded (): Promise<Record<string, unknown> | undefined> {
    const m = await this.manifest()
    return m === undefined ? undefined : encodeManifest(m)
  }

  /**
   * Frees the dead blocks of every log on disk (hypercore `clear`), the logs' sparse bounds raised
   * first, so a restart or a rebuild skips the cleared blocks.
   */
  async clearDead (): Promise<{ cleared: number, live: number }> {
    const m = await this.manifest()
    if (m === undefined) return { cleared: 0, live: 0 }
    await this.h.sparse().raise(new Map(m.writers.map((w) => [w.key, w.length])))
    let cleared = 0
    let live = 0
    for (const w of m.writers) {
      const core = this.h.core(w.key)
      if (core === undefined) continue
      let from = 0
      for (const seq of [...w.live, w.length]) {
        if (seq > from) { await core.clear(from, seq); cleared += seq - from }
        from = seq + 1
      }
      live += w.live.length
    }
    this.h.log.info({ cleared, live }, 'dead log blocks cleared')
    return { cleared, live }
  }

  /**
   * Joins from a peer's manifest (decoded or as received): fetches and applies the live blocks, verifies
   * the view hash, then releases the held followers. On any failure the view is emptied and the logs are
   * replayed in full; a malformed manifest leaves the store waiting for another. One join at a time.
   */
  async join (manifest: unknown): Promise<JoinResult> {
    await this.h.ready()
    if (this.held === null) return { ok: false, reason: 'not-waiting' }
    if (this.joining !== null) return { ok: false, reason: 'busy' }
    const h = this.h
    this.joining = runJoin({
      writerKey: h.writerKey(),
      openWriter: async (key) => {
        await h.addWriter(key)
        // another caller may be opening it (addWriter reserves the slot first)
        for (let i = 0; h.core(key) === undefined; i++) {
          if (h.closing() || i > 1000) throw new Error('the store is closing')
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        return h.core(key)!
      },
      apply: (items, applied) => h.run(async () => {
        if (h.closing()) throw new Error('the store is closing')
        await h.apply(items, applied)
      }),
      viewHash: () => h.viewHash(),
      resetView: () => h.run(() => h.resetView())
    }, manifest, { fetchTimeoutMs: h.options?.fetchTimeoutMs ?? SNAPSHOT_FETCH_TIMEOUT_MS })
    let result: JoinResult
    try {
      result = await this.joining
      if (result.ok) await h.sparse().raise(new Map([...h.view().checkpoints].map(([k, c]) => [k, c.applied])))
    } catch (err) {
      result = { ok: false, reason: 'fetch-failed', detail: (err as Error).message }
      await h.run(() => h.resetView()).catch(() => {})
    } finally {
      this.joining = null
    }
    if (!result.ok && result.reason === 'malformed' && !h.closing()) {
      // nothing was fetched or applied: keep waiting for a better peer
      h.log.warn(result, 'malformed snapshot manifest ignored')
      if (this.holdTimer !== null) this.holdTimer.refresh()
      return result
    }
    if (result.ok) h.log.info(result, 'joined from a snapshot')
    else h.log.warn(result, 'snapshot join failed: replaying the logs in full')
    this.release()
    h.joined(result)
    return result
  }

  /**
   * Drops the view and the logs' sparse bounds and replays every log from block 0 (blocks not held here
   * are fetched from peers): for a snapshot join the cluster does not confirm.
   */
  async replayInFull (why: string): Promise<void> {
    await this.h.ready()
    this.h.log.warn({ why }, 'replaying every log in full')
    await this.h.run(async () => {
      await this.h.sparse().reset()
      this.deadBlocks.clear()
      await this.h.resetView()
    })
    this.h.kickAll()
  }

  close (): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer)
    if (this.clearTimer !== null) clearInterval(this.clearTimer)
    this.holdTimer = null
    this.clearTimer = null
  }
}
