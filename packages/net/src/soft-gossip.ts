/**
 * Soft-state gossip over the protomux channel "federator/soft/1":
 *
 *   { v: 1, t: 'items', i: [[body, signature, age], ...] }
 *   { v: 1, t: 'have', h: [[slot id: 12 bytes, seq], ...], e?: 1 }
 *
 * When the channel opens, each side first sends a summary of what it holds
 * ('have': per unexpired item, tombstones included, 12 bytes of SHA-256 of
 * (owner, kind, key) and the seq; `e: 1` on the last message), then, once the
 * other side's summary is complete, the items it holds that the other lacks or
 * holds older (in batches of `softBatchItems`). Two nodes that already share
 * their soft state (a reconnect, a new link in a mesh that gossip already
 * reached) so exchange ~24 bytes per item instead of the item. A node older
 * than the summary ignores 'have' and sends its items at once: its first
 * message is then 'items', not 'have', and we answer with all of ours.
 * Afterwards every item the table accepts, from
 * a peer or published locally, is relayed to the other connections, batched
 * for `softFlushDelayMs`; duplicates stop at the table's (owner, kind, key,
 * seq) check, so items reach nodes that are not directly connected.
 *
 * Plain flooding sends each item O(n²) times in a full mesh. So nodes declare
 * their direct neighbours (the `peers` of their node heartbeat: 16-hex key
 * prefixes of admitted connections, republished at once when they change),
 * and an item is not relayed to a peer P when its owner O and P both list
 * each other: O sends it to P itself. In a full mesh an item then crosses
 * each of its owner's links once and nothing more. When O or P drops the
 * other from its list, we send P O's current items (P may have missed some
 * while the link was listed but already broken).
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type Protomux from 'protomux'
import { isWireItem } from './soft-item.js'
import { toWire, type SoftItem, type SoftState } from './soft-state.js'
import { decodeMessage, encodeMessage, isBytes, RAW } from './wire.js'

export const SOFT_PROTOCOL = 'federator/soft/1'

/** summary entries per 'have' message */
const SUMMARY_BATCH = 4096
/** bytes of a slot id in a summary */
const SLOT_ID_BYTES = 12

/** Slot ids by item (an item object is never modified: a new version is a new object). */
const slotIds = new WeakMap<SoftItem, string>()

/** The summary id of an item's (owner, kind, key): 12 bytes of SHA-256, as a latin1 string (a Map key). */
export function slotId (it: SoftItem): string {
  let id = slotIds.get(it)
  if (id === undefined) {
    id = createHash('sha256').update(it.owner).update('\0').update(it.kind).update('\0').update(it.key).digest().subarray(0, SLOT_ID_BYTES).toString('latin1')
    slotIds.set(it, id)
  }
  return id
}

/** Key prefix used in neighbour lists. */
export const neighbourId = (swarmKey: string): string => swarmKey.slice(0, 16)

export class SoftChannel {
  private readonly channel: Protomux.Channel | null
  private readonly msg: Protomux.Message<Uint8Array> | null
  opened = false
  received = 0
  sent = 0
  /** 'summary': the peer sent a summary first (we send only what it lacks); 'full': it sent items first (an older node) */
  mode: 'unknown' | 'summary' | 'full' = 'unknown'
  /** the peer's summary while it arrives: slot id → seq */
  private peerHas: Map<string, number> | null = new Map()

  constructor (private readonly mux: Protomux, private readonly gossip: SoftGossip, readonly remoteKey: string) {
    this.channel = mux.createChannel({
      protocol: SOFT_PROTOCOL,
      messages: [{ encoding: RAW, onmessage: (b: Uint8Array) => this.onmessage(b) }],
      onopen: () => { this.opened = true; this.sendSummary() },
      onclose: () => gossip.detach(this)
    })
    this.msg = (this.channel?.messages[0] as Protomux.Message<Uint8Array> | undefined) ?? null
    this.channel?.open()
  }

  send (items: Iterable<SoftItem>): void {
    if (!this.opened || this.msg === null) return
    const now = Date.now()
    const max = this.gossip.batchItems
    let batch: unknown[] = []
    this.mux.cork()
    try {
      for (const it of items) {
        batch.push(toWire(it, now))
        if (batch.length >= max) {
          this.msg.send(encodeMessage('items', { i: batch }))
          this.sent += batch.length
          batch = []
        }
      }
      if (batch.length > 0) {
        this.msg.send(encodeMessage('items', { i: batch }))
        this.sent += batch.length
      }
    } finally {
      this.mux.uncork()
    }
  }

  private sendSummary (): void {
    if (!this.opened || this.msg === null) return
    let h: unknown[] = []
    this.mux.cork()
    try {
      for (const it of this.gossip.state.all()) {
        h.push([Buffer.from(slotId(it), 'latin1'), it.seq])
        if (h.length >= SUMMARY_BATCH) {
          this.msg.send(encodeMessage('have', { h }))
          h = []
        }
      }
      this.msg.send(encodeMessage('have', { h, e: 1 }))
    } finally {
      this.mux.uncork()
    }
  }

  /** A part of the peer's summary; on the last one, sends what the peer lacks. */
  private onsummary (h: unknown[], end: boolean): void {
    if (this.mode === 'full' || this.peerHas === null) return
    this.mode = 'summary'
    const has = this.peerHas
    for (const e of h) {
      if (!Array.isArray(e) || !isBytes(e[0], SLOT_ID_BYTES) || typeof e[1] !== 'number') { this.gossip.malformed('summary'); continue }
      if (has.size >= this.gossip.maxSummary) break
      has.set(Buffer.from(e[0]).toString('latin1'), e[1])
    }
    if (!end) return
    this.peerHas = null
    const missing: SoftItem[] = []
    for (const it of this.gossip.state.all()) {
      const seq = has.get(slotId(it))
      if (seq === undefined || seq < it.seq) missing.push(it)
    }
    this.gossip.summarised(has.size, missing.length)
    this.send(missing)
  }

  close (): void {
    if (this.channel !== null && !this.channel.closed) this.channel.close()
  }

  private onmessage (bytes: Uint8Array): void {
    const m = decodeMessage(bytes)
    if (m === null || (m.t === 'items' && !Array.isArray(m.i)) || (m.t === 'have' && !Array.isArray(m.h))) return this.gossip.malformed()
    if (m.t === 'have') return this.onsummary(m.h as unknown[], m.e === 1)
    if (m.t !== 'items') return
    if (this.mode === 'unknown') {
      // an older node: no summary, its items come at once; it gets all of ours
      this.mode = 'full'
      this.peerHas = null
      this.send(this.gossip.state.all())
    }
    for (const w of m.i as unknown[]) {
      this.received++
      if (!isWireItem(w)) {
        this.gossip.malformed()
        continue
      }
      const r = this.gossip.state.offer(w, this)
      if (r === 'bad-signature' || r === 'malformed') this.gossip.malformed(r)
    }
  }
}

export class SoftGossip {
  private readonly channels = new Set<SoftChannel>()
  private pending: Array<[SoftItem, unknown]> = []
  private timer: NodeJS.Timeout | null = null
  private closed = false
  private malformedCount = 0
  /** connections opened with a summary exchange: summary entries received, and items sent for them */
  readonly summaries = { exchanges: 0, entries: 0, itemsSent: 0 }
  /** most entries taken from one peer's summary (the rest count as held by nobody: sent) */
  readonly maxSummary: number

  /** owner → the neighbour ids it declared */
  private readonly neighbours = new Map<string, Set<string>>()

  private readonly onitem = (item: SoftItem, source: unknown): void => {
    if (this.closed) return
    this.pending.push([item, source])
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.flushDelayMs)
    const declared = this.neighboursOf(item)
    if (declared !== undefined && item.owner !== this.state.owner) this.updateNeighbours(item.owner, declared)
  }

  constructor (
    readonly state: SoftState,
    private readonly log: Logger,
    private readonly flushDelayMs: number,
    readonly batchItems: number,
    /** the neighbour ids an item declares (undefined: it declares none) */
    private readonly neighboursOf: (item: SoftItem) => string[] | undefined = () => undefined,
    maxSummary = 1_000_000
  ) {
    this.maxSummary = maxSummary
    state.on('item', this.onitem)
  }

  summarised (entries: number, itemsSent: number): void {
    this.summaries.exchanges++
    this.summaries.entries += entries
    this.summaries.itemsSent += itemsSent
  }

  attach (mux: Protomux, remoteKey: string): SoftChannel {
    const ch = new SoftChannel(mux, this, remoteKey)
    this.channels.add(ch)
    return ch
  }

  private updateNeighbours (owner: string, declared: string[]): void {
    const next = new Set(declared)
    const prev = this.neighbours.get(owner)
    this.neighbours.set(owner, next)
    if (prev === undefined) return
    const dropped = [...prev].filter(id => !next.has(id))
    if (dropped.length === 0) return
    for (const ch of this.channels) {
      if (ch.remoteKey === owner) {
        // the owner (our peer) no longer reaches some nodes: it needs their items from us now
        const others = new Set([...this.neighbours.keys()].filter(o => dropped.includes(neighbourId(o))))
        this.catchUp(ch, others)
      } else if (dropped.includes(neighbourId(ch.remoteKey))) {
        // the owner no longer reaches this peer directly: it needs the owner's items from us now
        this.catchUp(ch, new Set([owner]))
      }
    }
  }

  private catchUp (ch: SoftChannel, owners: Set<string>): void {
    if (owners.size === 0) return
    const items: SoftItem[] = []
    for (const it of this.state.all()) if (owners.has(it.owner)) items.push(it)
    ch.send(items)
  }

  /** The owner and this peer are directly connected (both say so): the owner sends it its items itself. */
  private ownerReaches (owner: string, ch: SoftChannel): boolean {
    if (owner === this.state.owner) return false
    if (owner === ch.remoteKey) return true
    return this.neighbours.get(owner)?.has(neighbourId(ch.remoteKey)) === true &&
      this.neighbours.get(ch.remoteKey)?.has(neighbourId(owner)) === true
  }

  detach (ch: SoftChannel): void {
    this.channels.delete(ch)
  }

  malformed (what: string = 'malformed'): void {
    if (this.malformedCount++ % 100 === 0) this.log.warn({ count: this.malformedCount, what }, 'soft-state item dropped')
  }

  /** Sends what is pending now (before closing connections). */
  flushNow (): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.flush()
  }

  private flush (): void {
    this.timer = null
    const pending = this.pending
    this.pending = []
    for (const ch of this.channels) {
      const items: SoftItem[] = []
      for (const [item, source] of pending) if (source !== ch && !this.ownerReaches(item.owner, ch)) items.push(item)
      if (items.length > 0) ch.send(items)
    }
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.state.off('item', this.onitem)
    for (const ch of this.channels) ch.close()
    this.channels.clear()
  }
}
