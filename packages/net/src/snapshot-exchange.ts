/**
 * Snapshot exchange: each admitted connection carries the protomux channel
 * "federator/snapshot/1". A node whose store waits for a snapshot join (a
 * fresh store, see the store's snapshot-join.ts) asks one peer at a time:
 *
 *   { v: 1, t: 'want' }                  joiner → peer
 *   { v: 1, t: 'manifest', m: {...} }    peer → joiner: its view hash at its applied log
 *                                        lengths and the live blocks below them
 *   { v: 1, t: 'none' }                  peer → joiner: nothing to offer (it waits itself)
 *
 * The joiner hands the first manifest to the store, which fetches the live
 * blocks over the ordinary hypercore replication (verified against each
 * writer's signed tree), checks the view hash and otherwise replays the logs
 * in full. A peer that answers 'none' or a malformed manifest makes the joiner
 * ask the next peer; when every admitted peer said 'none' the cluster has
 * nothing to snapshot and the store stops waiting. A serving node builds a
 * manifest at most once per `snapshotCacheMs` (joins in a burst share it).
 *
 * The store checks the result against the serving peer's own hash, which a
 * peer that lies consistently (leaves a block out and hashes what is left)
 * passes. So after a join the view hash is checked against the rest of the
 * cluster too, from the heartbeats of the nodes other than the source: one of
 * them showing our hash confirms the join; all of them agreeing on another
 * hash, `SNAPSHOT_MISMATCH_CHECKS` checks in a row while this node has applied
 * every log it knows, means the snapshot was wrong: the store replays every
 * log in full. Without another node within `SNAPSHOT_CONFIRM_MS` the join
 * stays unconfirmed (logged).
 */
import type { Logger } from 'pino'
import type Protomux from 'protomux'
import type { NodeStatus } from './health.js'
import type { ReplicatedLogs } from './types.js'
import { decodeMessage, encodeMessage, RAW } from './wire.js'

export const SNAPSHOT_PROTOCOL = 'federator/snapshot/1'
/** a served manifest is rebuilt at most this often (a burst of joins shares one) */
export const SNAPSHOT_CACHE_MS = 5000
/** how long after a snapshot join other nodes' heartbeats are watched to confirm it */
export const SNAPSHOT_CONFIRM_MS = 120_000
/** consecutive checks (one per heartbeat period) in which every other node shows another hash */
export const SNAPSHOT_MISMATCH_CHECKS = 3
/**
 * a peer's answer to `want` is awaited this long (the store keeps waiting meanwhile: a server's first
 * manifest decodes its whole history once); then the next peer is asked
 */
export const SNAPSHOT_ANSWER_MS = 60_000

export interface SnapshotCheckOptions {
  /** node health as this node sees it (heartbeats carry each node's view hash) */
  nodes: () => NodeStatus[]
  /** check period (the heartbeat period) */
  checkMs: number
  confirmMs?: number
}

/** One peer's side of the snapshot exchange. */
export class SnapshotChannel {
  private readonly channel: Protomux.Channel | null
  private readonly msg: Protomux.Message<Uint8Array> | null
  opened = false
  /** what this peer answered to our request (undefined: not asked yet) */
  answer: 'pending' | 'none' | 'manifest' | undefined

  constructor (mux: Protomux, readonly swarmKey: string, private readonly owner: SnapshotExchange) {
    this.channel = mux.createChannel({
      protocol: SNAPSHOT_PROTOCOL,
      messages: [{ encoding: RAW, onmessage: (b: Uint8Array) => { this.onmessage(b).catch((err: unknown) => owner.failed(err)) } }],
      onopen: () => { this.opened = true; owner.opened(this) },
      onclose: () => owner.detach(this)
    })
    this.msg = (this.channel?.messages[0] as Protomux.Message<Uint8Array> | undefined) ?? null
    this.channel?.open()
  }

  send (t: string, fields: Record<string, unknown> = {}): void {
    if (this.opened && this.msg !== null && this.channel?.closed !== true) this.msg.send(encodeMessage(t, fields))
  }

  askedAt = 0

  ask (): void {
    this.answer = 'pending'
    this.askedAt = Date.now()
    this.send('want')
    this.owner.asked()
  }

  close (): void {
    if (this.channel !== null && !this.channel.closed) this.channel.close()
  }

  private async onmessage (bytes: Uint8Array): Promise<void> {
    const m = decodeMessage(bytes)
    if (m === null) return this.owner.malformed()
    if (m.t === 'want') {
      const manifest = await this.owner.manifest()
      if (manifest === undefined) this.send('none')
      else this.send('manifest', { m: manifest })
    } else if (m.t === 'none') {
      if (this.answer === 'pending') this.answer = 'none'
      this.owner.next()
    } else if (m.t === 'manifest') {
      if (this.answer !== 'pending') return // not asked
      this.answer = 'manifest'
      await this.owner.offered(this, m.m)
    }
  }
}

/** The node's side: serves manifests, and asks peers for one while the store waits. */
export class SnapshotExchange {
  private readonly channels = new Set<SnapshotChannel>()
  private cached: { at: number, value: Promise<Record<string, unknown> | undefined> } | null = null
  private joining = false
  private closed = false
  private checkTimer: NodeJS.Timeout | null = null
  private answerTimer: NodeJS.Timeout | null = null
  malformedCount = 0
  served = 0
  /** the outcome of the cluster check after a snapshot join */
  check: 'none' | 'running' | 'confirmed' | 'unconfirmed' | 'mismatch' = 'none'

  constructor (
    private readonly logs: ReplicatedLogs,
    private readonly log: Logger,
    private readonly cacheMs: number,
    private readonly checkOpts?: SnapshotCheckOptions
  ) {}

  private get waiting (): boolean {
    return !this.closed && !this.joining && this.logs.awaitingSnapshot === true && this.logs.joinSnapshot !== undefined
  }

  attach (mux: Protomux, swarmKey: string): SnapshotChannel {
    const ch = new SnapshotChannel(mux, swarmKey, this)
    this.channels.add(ch)
    return ch
  }

  detach (ch: SnapshotChannel): void {
    this.channels.delete(ch)
    if (ch.answer === 'pending') this.next()
  }

  opened (ch: SnapshotChannel): void {
    if (this.waiting && ![...this.channels].some((c) => c.answer === 'pending')) ch.ask()
  }

  /** While a peer prepares its answer the store keeps waiting; a peer silent for SNAPSHOT_ANSWER_MS is skipped. */
  asked (): void {
    this.logs.keepWaitingForSnapshot?.()
    if (this.answerTimer !== null) return
    this.answerTimer = setInterval(() => {
      const pending = [...this.channels].find((c) => c.answer === 'pending')
      if (pending === undefined || this.closed || this.logs.awaitingSnapshot !== true) {
        if (this.answerTimer !== null) clearInterval(this.answerTimer)
        this.answerTimer = null
        return
      }
      if (Date.now() - pending.askedAt < SNAPSHOT_ANSWER_MS) return this.logs.keepWaitingForSnapshot?.()
      this.log.warn({ peer: pending.swarmKey }, 'a peer did not answer the snapshot request in time')
      pending.answer = 'none'
      this.next()
    }, 1000)
    this.answerTimer.unref()
  }

  /** Asks the next peer not asked yet; when all said 'none', the store stops waiting. */
  next (): void {
    if (!this.waiting || [...this.channels].some((c) => c.answer === 'pending')) return
    const fresh = [...this.channels].find((c) => c.opened && c.answer === undefined)
    if (fresh !== undefined) return fresh.ask()
    const open = [...this.channels].filter((c) => c.opened)
    if (open.length > 0 && open.every((c) => c.answer === 'none')) {
      this.log.info({ peers: open.length }, 'no peer has a snapshot to offer: following the logs from the start')
      this.logs.releaseSnapshotHold?.()
    }
  }

  manifest (): Promise<Record<string, unknown> | undefined> {
    const now = Date.now()
    if (this.cached === null || now - this.cached.at > this.cacheMs) {
      this.cached = { at: now, value: this.logs.encodedSnapshot?.() ?? Promise.resolve(undefined) }
    }
    this.served++
    return this.cached.value
  }

  async offered (ch: SnapshotChannel, manifest: unknown): Promise<void> {
    if (!this.waiting) return
    this.joining = true
    let ok = false
    try {
      const r = await this.logs.joinSnapshot!(manifest)
      ok = r.ok
      this.log.info({ from: ch.swarmKey, ...r }, r.ok ? 'joined from a peer\'s snapshot' : 'snapshot from a peer refused')
      if (ok) this.startCheck(ch.swarmKey)
    } finally {
      this.joining = false
    }
    if (!ok) this.next() // a malformed manifest leaves the store waiting: ask another peer
  }

  /** Watches the other nodes' view hashes after a join from `source` (see the module comment). */
  private startCheck (source: string): void {
    const o = this.checkOpts
    if (o === undefined || this.logs.viewHash === undefined || this.logs.replayInFull === undefined) return
    this.check = 'running'
    const until = Date.now() + (o.confirmMs ?? SNAPSHOT_CONFIRM_MS)
    let misses = 0
    const stop = (outcome: 'confirmed' | 'unconfirmed' | 'mismatch'): void => {
      if (this.checkTimer !== null) clearInterval(this.checkTimer)
      this.checkTimer = null
      this.check = outcome
    }
    this.checkTimer = setInterval(() => {
      if (this.closed) return stop('unconfirmed')
      const ours = this.logs.viewHash!()
      const others = o.nodes().filter((n) => !n.self && n.swarmKey !== source && n.state === 'alive' && typeof n.info.viewHash === 'string')
      if (others.some((n) => n.info.viewHash === ours)) {
        this.log.info({ nodes: others.length }, 'snapshot join confirmed by another node\'s view hash')
        return stop('confirmed')
      }
      const caughtUp = this.logs.writers().every((w) => w.applied === undefined || w.applied >= w.length)
      const theirs = new Set(others.map((n) => n.info.viewHash))
      misses = others.length > 0 && theirs.size === 1 && caughtUp ? misses + 1 : 0
      if (misses >= SNAPSHOT_MISMATCH_CHECKS) {
        this.log.warn({ source, ours, theirs: [...theirs][0] }, 'the view after a snapshot join differs from the cluster\'s: replaying every log in full')
        stop('mismatch')
        this.logs.replayInFull!('the snapshot\'s view differs from the cluster\'s').catch((err: unknown) => this.failed(err))
        return
      }
      if (Date.now() > until) {
        this.log.warn({ source }, 'snapshot join not confirmed: no other node showed the same view hash')
        stop('unconfirmed')
      }
    }, o.checkMs)
    this.checkTimer.unref()
  }

  malformed (): void {
    if (this.malformedCount++ % 100 === 0) this.log.warn({ count: this.malformedCount }, 'malformed snapshot message dropped')
  }

  failed (err: unknown): void {
    if (!this.closed) this.log.warn({ err }, 'snapshot exchange failed')
  }

  close (): void {
    this.closed = true
    if (this.checkTimer !== null) clearInterval(this.checkTimer)
    if (this.answerTimer !== null) clearInterval(this.answerTimer)
    for (const ch of this.channels) ch.close()
    this.channels.clear()
  }
}
