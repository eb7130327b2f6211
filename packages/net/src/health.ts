/**
 * Node health, the first user of soft state: every node publishes
 * (kind 'node', key 'health') its name, version, SIP address, writer key,
 * load and uptime every `heartbeatMs`, with a TTL of `deadAfterMissed`
 * heartbeats. Each node runs a failure detector over what it receives:
 * a node is `alive` while fewer than `suspectAfterMissed` of its heartbeats
 * are missing, `suspect` until `deadAfterMissed` are missing, then `dead`
 * (it is forgotten `forgetDeadAfterMs` later). The period used is the one the
 * sender states in its heartbeat, so nodes with different settings agree.
 *
 * The heartbeat has a fixed size. What grows with the cluster — the node's
 * neighbour list, used by the soft-state gossip to avoid relays — is a
 * separate item (key 'peers') published only when it changes (coalesced for
 * `neighboursDelayMs`) and refreshed every half of its TTL: sending it with
 * every heartbeat made each link's idle cost grow with the cluster size.
 *
 * A node that shuts down cleanly says so. With `restartGraceMs` > 0 it
 * publishes a last heartbeat `restarting: <grace ms>` (TTL: the grace): peers
 * hold it `suspect` — still reachable for routing, its registrations kept —
 * until it heartbeats again (alive) or the grace runs out (dead). With 0 it
 * removes its item: peers mark it dead at once (`left`).
 */
import { EventEmitter } from 'node:events'
import os from 'node:os'
import { HEALTH_KEY, HEALTH_KIND, type SoftChange } from '@federator/core'
import type { SoftState } from './soft-state.js'

export { HEALTH_KEY, HEALTH_KIND }

/**
 * The key of a node's neighbour list (kind HEALTH_KIND): `{ peers: [16-hex key prefixes] }` of its
 * admitted connections, published when it changes (and refreshed before its TTL runs out), not with
 * every heartbeat: its size grows with the cluster, the heartbeat's does not.
 */
export const NEIGHBOURS_KEY = 'peers'

export type NodeState = 'alive' | 'suspect' | 'dead'

export interface HealthInfo {
  name?: string
  version?: string
  sipAddress?: string
  writerKey?: string
  load?: number[]
  /** seconds */
  uptime?: number
  /** the sender's heartbeat period, ms */
  interval?: number
  /** set on the last heartbeat of a clean stop: the sender means to be back within this many ms */
  restarting?: number
  /** the sender's merged view hash when it sent the heartbeat (equal hashes: equal views) */
  viewHash?: string
  /** 16-hex prefixes of the swarm keys of the sender's admitted connections */
  peers?: string[]
  [field: string]: unknown
}

export interface NodeStatus {
  swarmKey: string
  state: NodeState
  self: boolean
  /** ms since the last heartbeat was received (0 for this node) */
  lastSeenAgoMs: number
  /** true when the node announced its shutdown */
  left: boolean
  /** true when the node stopped cleanly and announced it would be back (it is suspect meanwhile) */
  restarting: boolean
  info: HealthInfo
}

export interface StateTransition { swarmKey: string, name: string | undefined, from: NodeState | null, to: NodeState }

/** The failure detector's rule (pure). */
export function nodeState (elapsedMs: number, intervalMs: number, suspectAfterMissed: number, deadAfterMissed: number): NodeState {
  const missed = Math.floor(Math.max(0, elapsedMs) / intervalMs)
  if (missed < suspectAfterMissed) return 'alive'
  if (missed < deadAfterMissed) return 'suspect'
  return 'dead'
}

export interface HealthOptions {
  /** static fields of our heartbeat (name, version, sipAddress, writerKey…) */
  info: () => HealthInfo
  heartbeatMs: number
  suspectAfterMissed: number
  deadAfterMissed: number
  forgetDeadAfterMs: number
  /** announce a restart on stop(): peers hold us suspect this long (0: announce leaving, dead at once) */
  restartGraceMs?: number
  /** this node's neighbour ids now (published under NEIGHBOURS_KEY); absent: no neighbour list */
  neighbours?: () => string[]
  /** a change of the neighbours is published this long after `neighboursChanged()` (changes coalesce) */
  neighboursDelayMs?: number
  /** TTL of the neighbour list; it is republished unchanged every half of it */
  neighboursTtlMs?: number
  now?: () => number
}

interface Peer { lastSeen: number, info: HealthInfo, state: NodeState, left: boolean, restartUntil: number | null }

const MIN_INTERVAL = 50
const MAX_INTERVAL = 600_000
/** longest restart grace honoured from a peer's announcement */
const MAX_RESTART_GRACE = 24 * 3600_000

/** The restart grace a heartbeat announces (ms), or null. */
function restartGrace (info: HealthInfo): number | null {
  const r = info.restarting
  return typeof r === 'number' && Number.isFinite(r) && r > 0 ? Math.min(r, MAX_RESTART_GRACE) : null
}

export class NodeHealth extends EventEmitter {
  private readonly peers = new Map<string, Peer>()
  private readonly now: () => number
  private publishTimer: NodeJS.Timeout | null = null
  private checkTimer: NodeJS.Timeout | null = null
  private neighboursTimer: NodeJS.Timeout | null = null
  private refreshTimer: NodeJS.Timeout | null = null
  /** what we last published as our neighbours (sorted) */
  private ownNeighbours: string[] | null = null
  /** owner → the neighbour ids it declared (its NEIGHBOURS_KEY item, or the `peers` of an older node's heartbeat) */
  private readonly declared = new Map<string, string[]>()
  private started = false

  private readonly onchange = (c: SoftChange): void => {
    if (c.kind !== HEALTH_KIND || c.local) return
    if (c.key === NEIGHBOURS_KEY) {
      const peers = (c.value as { peers?: unknown } | undefined)?.peers
      if (Array.isArray(peers)) this.declared.set(c.owner, peers.filter((x): x is string => typeof x === 'string'))
      else this.declared.delete(c.owner)
      return
    }
    if (c.key !== HEALTH_KEY || c.reason === 'expire') return
    const now = this.now()
    const p = this.peers.get(c.owner)
    if (c.reason === 'remove') {
      if (p !== undefined) { p.left = true; this.transition(c.owner, p, 'dead') }
      return
    }
    const info = (c.value !== null && typeof c.value === 'object' ? c.value : {}) as HealthInfo
    const grace = restartGrace(info)
    const restartUntil = grace === null ? null : now + grace
    const state: NodeState = grace === null ? 'alive' : 'suspect'
    if (p === undefined) {
      const fresh: Peer = { lastSeen: now, info, state, left: false, restartUntil }
      this.peers.set(c.owner, fresh)
      this.emit('state', { swarmKey: c.owner, name: info.name, from: null, to: state } satisfies StateTransition)
      return
    }
    p.lastSeen = now
    p.info = info
    p.left = false
    p.restartUntil = restartUntil
    this.transition(c.owner, p, state)
  }

  constructor (private readonly soft: SoftState, private readonly opts: HealthOptions) {
    super()
    this.now = opts.now ?? Date.now
  }

  start (): void {
    if (this.started) return
    this.started = true
    this.soft.on('change', this.onchange)
    this.publish()
    this.publishTimer = setInterval(() => this.publish(), this.opts.heartbeatMs)
    this.checkTimer = setInterval(() => this.check(), Math.max(MIN_INTERVAL, Math.floor(this.opts.heartbeatMs / 2)))
    this.publishTimer.unref()
    this.checkTimer.unref()
    if (this.opts.neighbours !== undefined) {
      this.publishNeighbours(true)
      this.refreshTimer = setInterval(() => this.publishNeighbours(true), Math.max(MIN_INTERVAL, Math.floor(this.neighboursTtl / 2)))
      this.refreshTimer.unref()
    }
  }

  private get neighboursTtl (): number { return this.opts.neighboursTtlMs ?? 600_000 }

  /** Our neighbours changed: publishes the new list `neighboursDelayMs` from now (changes meanwhile coalesce). */
  neighboursChanged (): void {
    if (!this.started || this.opts.neighbours === undefined || this.neighboursTimer !== null) return
    this.neighboursTimer = setTimeout(() => { this.neighboursTimer = null; this.publishNeighbours(false) }, this.opts.neighboursDelayMs ?? 0)
    this.neighboursTimer.unref()
  }

  private publishNeighbours (refresh: boolean): void {
    if (!this.started || this.opts.neighbours === undefined) return
    const ids = [...new Set(this.opts.neighbours())].sort()
    const prev = this.ownNeighbours
    if (!refresh && prev !== null && prev.length === ids.length && prev.every((x, i) => x === ids[i])) return
    this.ownNeighbours = ids
    this.soft.publish(HEALTH_KIND, NEIGHBOURS_KEY, { peers: ids }, this.neighboursTtl)
  }

  /** Stops heartbeats and tells peers we are restarting (a last heartbeat) or leaving (removes our item). */
  stop (): void {
    if (!this.started) return
    this.started = false
    if (this.publishTimer !== null) clearInterval(this.publishTimer)
    if (this.checkTimer !== null) clearInterval(this.checkTimer)
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer)
    if (this.neighboursTimer !== null) clearTimeout(this.neighboursTimer)
    this.publishTimer = this.checkTimer = this.refreshTimer = this.neighboursTimer = null
    this.soft.off('change', this.onchange)
    const grace = this.opts.restartGraceMs ?? 0
    if (grace > 0) this.soft.publish(HEALTH_KIND, HEALTH_KEY, { ...this.heartbeat(), restarting: grace }, grace)
    else {
      this.soft.remove(HEALTH_KIND, HEALTH_KEY)
      if (this.ownNeighbours !== null) this.soft.remove(HEALTH_KIND, NEIGHBOURS_KEY)
    }
  }

  private heartbeat (): HealthInfo {
    // load and uptime default to the process's; the caller may supply its own
    return { load: os.loadavg().map(x => Math.round(x * 100) / 100), uptime: Math.round(process.uptime()), ...this.opts.info(), interval: this.opts.heartbeatMs }
  }

  /** Publishes a heartbeat now (when its content changed, e.g. the neighbours). */
  publishNow (): void {
    if (this.started) this.publish()
  }

  private publish (): void {
    this.soft.publish(HEALTH_KIND, HEALTH_KEY, this.heartbeat(), this.opts.heartbeatMs * this.opts.deadAfterMissed)
  }

  private intervalOf (p: Peer): number {
    const i = p.info.interval
    return typeof i === 'number' && Number.isFinite(i) ? Math.min(MAX_INTERVAL, Math.max(MIN_INTERVAL, i)) : this.opts.heartbeatMs
  }

  /** Re-evaluates every node's state (also called by the timer). */
  check (): void {
    const now = this.now()
    for (const [key, p] of this.peers) {
      const elapsed = now - p.lastSeen
      if (p.state === 'dead' && elapsed > this.opts.forgetDeadAfterMs) {
        this.peers.delete(key)
        this.declared.delete(key)
        continue
      }
      if (p.left) continue
      if (p.restartUntil !== null) this.transition(key, p, now < p.restartUntil ? 'suspect' : 'dead')
      else this.transition(key, p, nodeState(elapsed, this.intervalOf(p), this.opts.suspectAfterMissed, this.opts.deadAfterMissed))
    }
  }

  private transition (key: string, p: Peer, to: NodeState): void {
    if (p.state === to) return
    const from = p.state
    p.state = to
    this.emit('state', { swarmKey: key, name: p.info.name, from, to } satisfies StateTransition)
  }

  nodes (): NodeStatus[] {
    const now = this.now()
    const self = this.ownNeighbours === null ? this.heartbeat() : { ...this.heartbeat(), peers: this.ownNeighbours }
    const out: NodeStatus[] = [{ swarmKey: this.soft.owner, state: 'alive', self: true, lastSeenAgoMs: 0, left: false, restarting: false, info: self }]
    for (const [key, p] of this.peers) {
      const peers = this.declared.get(key)
      const info = peers === undefined || p.info.peers !== undefined ? p.info : { ...p.info, peers }
      out.push({ swarmKey: key, state: p.state, self: false, lastSeenAgoMs: now - p.lastSeen, left: p.left, restarting: p.restartUntil !== null && p.state !== 'dead', info })
    }
    return out
  }

  stateOf (swarmKey: string): NodeState | undefined {
    if (swarmKey === this.soft.owner) return 'alive'
    return this.peers.get(swarmKey)?.state
  }
}
