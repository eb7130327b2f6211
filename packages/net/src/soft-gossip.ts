/**
 * Soft-state gossip over the protomux channel "federator/soft/1":
 *
 *   { v: 1, t: 'items', i: [[body, signature, age], ...] }
 *
 * When the channel opens, each side sends every unexpired item it holds (in
 * batches of `softBatchItems`). Afterwards every item the table accepts, from
 * a peer or published locally, is relayed to all other connections, batched
 * for `softFlushDelayMs`: flooding, with duplicates stopped by the table's
 * (owner, kind, key, seq) check, so items reach nodes that are not directly
 * connected and each link carries an item about once per direction.
 */
import type { Logger } from 'pino'
import type Protomux from 'protomux'
import { isWireItem } from './soft-item.js'
import { toWire, type SoftItem, type SoftState } from './soft-state.js'
import { decodeMessage, encodeMessage, RAW } from './wire.js'

export const SOFT_PROTOCOL = 'federator/soft/1'

export class SoftChannel {
  private readonly channel: Protomux.Channel | null
  private readonly msg: Protomux.Message<Uint8Array> | null
  opened = false
  received = 0
  sent = 0

  constructor (private readonly mux: Protomux, private readonly gossip: SoftGossip) {
    this.channel = mux.createChannel({
      protocol: SOFT_PROTOCOL,
      messages: [{ encoding: RAW, onmessage: (b: Uint8Array) => this.onmessage(b) }],
      onopen: () => { this.opened = true; this.send(gossip.state.all()) },
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

  close (): void {
    if (this.channel !== null && !this.channel.closed) this.channel.close()
  }

  private onmessage (bytes: Uint8Array): void {
    const m = decodeMessage(bytes)
    if (m === null || (m.t === 'items' && !Array.isArray(m.i))) return this.gossip.malformed()
    if (m.t !== 'items') return
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

  private readonly onitem = (item: SoftItem, source: unknown): void => {
    if (this.closed) return
    this.pending.push([item, source])
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.flushDelayMs)
  }

  constructor (
    readonly state: SoftState,
    private readonly log: Logger,
    private readonly flushDelayMs: number,
    readonly batchItems: number
  ) {
    state.on('item', this.onitem)
  }

  attach (mux: Protomux): SoftChannel {
    const ch = new SoftChannel(mux, this)
    this.channels.add(ch)
    return ch
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
      for (const [item, source] of pending) if (source !== ch) items.push(item)
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
