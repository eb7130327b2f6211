/**
 * Log exchange: each admitted connection carries the protomux channel
 * "federator/logs/1", on which a node announces the writer logs it knows and
 * their lengths:
 *
 *   { v: 1, t: 'writers', w: [[key: bytes32, length: uint], ...] }
 *
 * The first message after the channel opens lists every writer; later ones
 * only the writers whose length changed since the last message to that peer,
 * and not those the peer itself announced at that length or longer (so a
 * change travels once per link, in the direction it spreads, instead of being
 * echoed back). A new writer is announced `logAnnounceDelayMs` after the
 * store reports it; length changes are batched for `lengthAnnounceMs`
 * (replication itself does not wait for them). A node that
 * hears of a writer it does not have calls `addWriter`, which opens the core
 * and lets hypercore's replication fetch it from any peer that has it: logs
 * spread transitively (A gets C's log through B). What each peer announced is
 * kept for lag figures.
 */
import type { Logger } from 'pino'
import type Protomux from 'protomux'
import type { ReplicatedLogs, WriterLength } from './types.js'
import { decodeMessage, encodeMessage, isBytes, RAW } from './wire.js'

export const LOGS_PROTOCOL = 'federator/logs/1'

export interface RemoteWriter { length: number, at: number }

/** One peer's side of the log exchange. */
export class LogChannel {
  /** what the peer announced: writer key hex → its length there */
  readonly remote = new Map<string, RemoteWriter>()
  private readonly sent = new Map<string, number>()
  private readonly channel: Protomux.Channel | null
  private readonly msg: Protomux.Message<Uint8Array> | null
  private opened = false

  constructor (mux: Protomux, private readonly owner: LogAnnouncer) {
    this.channel = mux.createChannel({
      protocol: LOGS_PROTOCOL,
      messages: [{ encoding: RAW, onmessage: (b: Uint8Array) => this.onmessage(b) }],
      onopen: () => { this.opened = true; this.flush(owner.snapshot()) },
      onclose: () => owner.detach(this)
    })
    this.msg = (this.channel?.messages[0] as Protomux.Message<Uint8Array> | undefined) ?? null
    this.channel?.open()
  }

  close (): void {
    if (this.channel !== null && !this.channel.closed) this.channel.close()
  }

  /** Sends the writers whose length differs from what this peer last heard. */
  flush (current: WriterLength[]): void {
    if (!this.opened || this.msg === null) return
    const w: unknown[] = []
    for (const x of current) {
      if (this.sent.get(x.key) === x.length) continue
      this.sent.set(x.key, x.length)
      if ((this.remote.get(x.key)?.length ?? -1) >= x.length) continue // the peer told us as much
      w.push([Buffer.from(x.key, 'hex'), x.length])
    }
    if (w.length > 0) this.msg.send(encodeMessage('writers', { w }))
  }

  private onmessage (bytes: Uint8Array): void {
    const m = decodeMessage(bytes)
    if (m === null) return this.owner.malformed()
    if (m.t !== 'writers') return // a newer message type: ignored
    if (!Array.isArray(m.w) || m.w.length > this.owner.maxWriters) return this.owner.malformed()
    const now = Date.now()
    for (const e of m.w) {
      if (!Array.isArray(e) || !isBytes(e[0], 32) || !Number.isSafeInteger(e[1]) || (e[1] as number) < 0) {
        this.owner.malformed()
        continue
      }
      const key = Buffer.from(e[0]).toString('hex')
      this.remote.set(key, { length: e[1] as number, at: now })
      this.owner.heard(key)
    }
  }
}

/** The node's side: knows the local writers, feeds every LogChannel, learns new writers. */
export class LogAnnouncer {
  private readonly channels = new Set<LogChannel>()
  private readonly known = new Set<string>()
  private readonly adding = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private timerDue = 0
  private closed = false
  malformedCount = 0
  learnedCount = 0

  private readonly onwriter = (): void => { this.schedule(this.delayMs) }
  private readonly onapplied = (): void => { this.schedule(this.lengthDelayMs) }

  constructor (
    private readonly logs: ReplicatedLogs,
    private readonly log: Logger,
    private readonly delayMs: number,
    private readonly lengthDelayMs: number,
    readonly maxWriters: number
  ) {
    logs.on('writer', this.onwriter)
    logs.on('applied', this.onapplied)
  }

  attach (mux: Protomux): LogChannel {
    const ch = new LogChannel(mux, this)
    this.channels.add(ch)
    return ch
  }

  detach (ch: LogChannel): void {
    this.channels.delete(ch)
  }

  snapshot (): WriterLength[] {
    const list = this.logs.writers()
    for (const w of list) this.known.add(w.key)
    return list
  }

  malformed (): void {
    if (this.malformedCount++ % 100 === 0) this.log.warn({ count: this.malformedCount }, 'malformed writer announcement dropped')
  }

  heard (key: string): void {
    if (this.closed || this.known.has(key) || this.adding.has(key)) return
    this.adding.add(key)
    this.log.debug({ writer: key }, 'learned a writer from a peer')
    this.logs.addWriter(key).then(() => {
      this.known.add(key)
      this.learnedCount++
    }, (err: unknown) => {
      if (!this.closed) this.log.warn({ writer: key, err }, 'could not add a writer announced by a peer')
    }).finally(() => this.adding.delete(key))
  }

  /** Flushes to every channel within `ms` (an earlier pending flush stands). */
  private schedule (ms: number): void {
    if (this.closed) return
    const due = Date.now() + ms
    if (this.timer !== null) {
      if (this.timerDue <= due) return
      clearTimeout(this.timer)
    }
    this.timerDue = due
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.closed) return
      const current = this.snapshot()
      for (const ch of this.channels) ch.flush(current)
    }, ms)
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.logs.off('writer', this.onwriter)
    this.logs.off('applied', this.onapplied)
    for (const ch of this.channels) ch.close()
    this.channels.clear()
  }
}
