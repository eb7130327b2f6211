/**
 * This node's live call state, from its Asterisk's ARI into soft state.
 *
 * Device states: `DeviceStateChanged` events for `PJSIP/<device>` and
 * `SIP/<device>` of known devices; a device that is not idle (NOT_INUSE) or
 * absent (UNAVAILABLE, INVALID) here is published as a `devstate` item, an
 * idle one is withdrawn. Channels: `ChannelCreated`/`ChannelDestroyed` of
 * channels on trunk endpoints (`PJSIP/<trunk>-…`), counted per trunk and
 * published as `channels` items while non-zero. Both are refreshed every
 * `refreshMs` (items live `ttlMs`: a node that dies takes its states with it
 * once they expire everywhere).
 *
 * Reservations: when /route answers a dialplan with a trunk of this node
 * first (core `reservedTrunks`), that trunk counts one channel more until
 * the channel appears (its ChannelCreated takes the reservation) or
 * `reserveMs` passes, so calls decided meanwhile — here and, once the item
 * is relayed, on every node — see it: the window in which a limit can be
 * overshot shrinks from decision → channel (the dialplan, hundreds of ms
 * under load) to the relay of one item (docs/routing.md, "Overshoot").
 *
 * Bursts are coalesced per item: an item is published at once when it was
 * not published within `coalesceMs`, else once at the end of that window,
 * with the latest value (a flood of changes costs one item per window).
 *
 * Every ARI (re)connect starts a full sync: the endpoints (online or not,
 * with their channels), DEVICE_STATE() of the devices that have channels,
 * and the channels list; what events said meanwhile wins over the sync's
 * older read. While ARI is down the device items say UNKNOWN, the channel
 * items are withdrawn, and the node's `callstate` item says `ari: false`.
 */
import type { Logger } from 'pino'
import {
  CALLSTATE_KEY, CALLSTATE_KIND, CHANNELS_KIND, DEVSTATE_KIND, deviceOfStateName, endpointOfChannel, isQuiet, parseDeviceState,
  type DeviceState
} from '@federator/core'
import type { AriClient, AriEvent } from '../ari-client.js'
import type { CallStateDirectory, CallStateSoft } from './ports.js'

/** Tunables (tests and the bench shrink them). */
export const CALLSTATE_TUNABLES = {
  /** a published item lives this long unless refreshed */
  ttlMs: 15_000,
  /** this node's items are republished this often */
  refreshMs: 5_000,
  /** one item is published at most once per this window (bursts coalesce) */
  coalesceMs: 20,
  /** a trunk channel /route decided on counts this long at most before its channel exists */
  reserveMs: 2_000
}
export type CallStateTunables = typeof CALLSTATE_TUNABLES

export interface PublisherCounters {
  deviceEvents: number
  channelEvents: number
  unknownDevices: number
  badEvents: number
  coalesced: number
  published: number
  publishErrors: number
  reservations: number
  fullSyncs: number
  syncErrors: number
}

interface Endpoint { technology?: unknown, resource?: unknown, state?: unknown, channel_ids?: unknown }
interface Channel { id?: unknown, name?: unknown }

export class CallStatePublisher {
  readonly counters: PublisherCounters = { deviceEvents: 0, channelEvents: 0, unknownDevices: 0, badEvents: 0, coalesced: 0, published: 0, publishErrors: 0, reservations: 0, fullSyncs: 0, syncErrors: 0 }
  /** device → its latest state here (quiet states included until flushed) */
  readonly #wanted = new Map<string, DeviceState>()
  /** device → the state published (never a quiet one) */
  readonly #published = new Map<string, DeviceState>()
  /** channel id → trunk endpoint, for the channels on trunks up here */
  readonly #channels = new Map<string, string>()
  /** endpoint → count published */
  readonly #counts = new Map<string, number>()
  /** endpoint → expiry times of its reservations (decided, no channel yet), oldest first */
  readonly #reserved = new Map<string, number[]>()
  /** item → when last published, and its pending flush */
  readonly #lastAt = new Map<string, number>()
  readonly #pending = new Map<string, NodeJS.Timeout>()
  /** during a full sync: devices and channels events spoke about (the sync's read is older) */
  #syncing: { devices: Set<string>, gone: Set<string> } | null = null
  #refresh: NodeJS.Timeout | null = null
  #connected = false
  #closed = false
  #unknownSaid = 0

  constructor (
    private readonly ari: AriClient,
    private readonly soft: CallStateSoft,
    private readonly dir: CallStateDirectory,
    private readonly log: Logger,
    private readonly tun: CallStateTunables
  ) {}

  get localDevices (): number { return this.#published.size }
  get localChannels (): ReadonlyMap<string, number> { return this.#counts }

  start (): void {
    this.#refresh = setInterval(() => this.#republish(), this.tun.refreshMs)
    this.#refresh.unref()
    this.#marker(false)
  }

  close (): void {
    this.#closed = true
    if (this.#refresh !== null) clearInterval(this.#refresh)
    for (const t of this.#pending.values()) clearTimeout(t)
    this.#pending.clear()
  }

  // ---- ARI ------------------------------------------------------------------

  onEvent (ev: AriEvent): void {
    switch (ev.type) {
      case 'DeviceStateChanged': {
        const ds = ev.device_state as { name?: unknown, state?: unknown } | undefined
        const device = deviceOfStateName(ds?.name)
        if (device === undefined) return // Custom:, Queue:, Stasis:… — not a SIP device
        this.counters.deviceEvents++
        const state = parseDeviceState(ds?.state)
        if (state === undefined) { this.counters.badEvents++; return }
        if (!this.dir.isDevice(device)) { this.#unknown(device); return }
        this.#syncing?.devices.add(device)
        this.#setDevice(device, state)
        return
      }
      case 'ChannelCreated': case 'ChannelDestroyed': {
        const ch = ev.channel as Channel | undefined
        const id = ch?.id
        if (typeof id !== 'string') { this.counters.badEvents++; return }
        if (ev.type === 'ChannelDestroyed') {
          this.#syncing?.gone.add(id)
          const endpoint = this.#channels.get(id)
          if (endpoint === undefined) return
          this.counters.channelEvents++
          this.#channels.delete(id)
          this.#recount(endpoint)
          return
        }
        const endpoint = endpointOfChannel(ch?.name)
        if (endpoint === undefined || !this.dir.isTrunk(endpoint)) return
        this.counters.channelEvents++
        this.#channels.set(id, endpoint)
        this.#take(endpoint)
        this.#recount(endpoint)
      }
    }
  }

  onConnect (): void {
    this.#connected = true
    this.#marker(true)
    void this.#fullSync()
  }

  /** /route decided a call onto `trunk` here: count it until its channel exists (or reserveMs). */
  reserve (trunk: string): void {
    if (!this.#connected || this.#closed || !this.dir.isTrunk(trunk)) return
    const list = this.#reserved.get(trunk) ?? []
    list.push(Date.now() + this.tun.reserveMs)
    this.#reserved.set(trunk, list)
    this.counters.reservations++
    const timer = setTimeout(() => { this.#expire(trunk); this.#recount(trunk) }, this.tun.reserveMs + 1)
    timer.unref()
    this.#schedule(CHANNELS_KIND, trunk, true)
  }

  /** A channel appeared on `trunk`: it was the oldest reservation's, if any. */
  #take (trunk: string): void {
    this.#expire(trunk)
    const list = this.#reserved.get(trunk)
    if (list === undefined) return
    list.shift()
    if (list.length === 0) this.#reserved.delete(trunk)
  }

  #expire (trunk: string): void {
    const list = this.#reserved.get(trunk)
    if (list === undefined) return
    const now = Date.now()
    while (list.length > 0 && list[0]! <= now) list.shift()
    if (list.length === 0) this.#reserved.delete(trunk)
  }

  /** ARI gone: nothing here is known any more — device items say UNKNOWN, channel counts are withdrawn. */
  onDisconnect (): void {
    this.#connected = false
    this.#syncing = null
    this.#marker(false)
    const active = new Set(this.#published.keys())
    for (const [device, state] of this.#wanted) if (!isQuiet(state)) active.add(device)
    for (const device of active) this.#setDevice(device, 'UNKNOWN', true)
    this.#channels.clear()
    this.#reserved.clear()
    for (const endpoint of [...this.#counts.keys()]) this.#recount(endpoint)
  }

  async #fullSync (): Promise<void> {
    const syncing = this.#syncing = { devices: new Set<string>(), gone: new Set<string>() }
    try {
      await this.dir.ready()
      const [endpoints, channels] = await Promise.all([
        this.ari.request<Endpoint[]>('GET', 'endpoints'),
        this.ari.request<Channel[]>('GET', 'channels')
      ])
      if (this.#syncing !== syncing || this.#closed) return
      // devices: offline → absent, online without channels → idle, with channels → ask DEVICE_STATE()
      const seen = new Map<string, DeviceState>()
      const ask: string[] = []
      for (const e of Array.isArray(endpoints) ? endpoints : []) {
        if ((e.technology !== 'PJSIP' && e.technology !== 'SIP') || typeof e.resource !== 'string' || !this.dir.isDevice(e.resource)) continue
        const busy = Array.isArray(e.channel_ids) && e.channel_ids.length > 0
        if (e.state !== 'online') seen.set(e.resource, 'UNAVAILABLE')
        else if (!busy) seen.set(e.resource, 'NOT_INUSE')
        else ask.push(`${e.technology}/${e.resource}`)
      }
      await Promise.all(ask.map(async (name) => {
        const { value } = await this.ari.request<{ value?: unknown }>('GET', 'asterisk/variable', { query: { variable: `DEVICE_STATE(${name})` } })
        const state = parseDeviceState(value)
        if (state !== undefined) seen.set(deviceOfStateName(name)!, state)
      }))
      if (this.#syncing !== syncing || this.#closed) return
      for (const device of [...this.#wanted.keys(), ...this.#published.keys()]) if (!seen.has(device)) seen.set(device, 'NOT_INUSE')
      for (const [device, state] of seen) if (!syncing.devices.has(device)) this.#setDevice(device, state)
      // channels on trunks
      const before = new Set(this.#counts.keys())
      this.#channels.clear()
      for (const ch of Array.isArray(channels) ? channels : []) {
        if (typeof ch.id !== 'string' || syncing.gone.has(ch.id)) continue
        const endpoint = endpointOfChannel(ch.name)
        if (endpoint !== undefined && this.dir.isTrunk(endpoint)) this.#channels.set(ch.id, endpoint)
      }
      for (const endpoint of new Set([...before, ...this.#channels.values()])) this.#recount(endpoint)
      this.counters.fullSyncs++
      this.log.info({ devices: this.#published.size, channels: this.#channels.size, asked: ask.length }, 'call state: full sync from ARI done')
    } catch (err) {
      this.counters.syncErrors++
      this.log.warn({ err }, 'call state: full sync from ARI failed (events still apply; the next reconnect syncs again)')
    } finally {
      if (this.#syncing === syncing) this.#syncing = null
    }
  }

  #unknown (device: string): void {
    this.counters.unknownDevices++
    // a log line now and then, not one per event
    if (this.counters.unknownDevices >= this.#unknownSaid * 2 || this.#unknownSaid === 0) {
      this.#unknownSaid = Math.max(1, this.counters.unknownDevices)
      this.log.debug({ device, total: this.counters.unknownDevices }, 'call state: device state of an endpoint that is no device record: ignored')
    }
  }

  // ---- publishing ------------------------------------------------------------

  #setDevice (device: string, state: DeviceState, now = false): void {
    this.#wanted.set(device, state)
    this.#schedule(DEVSTATE_KIND, device, now)
  }

  #recount (endpoint: string): void {
    this.#schedule(CHANNELS_KIND, endpoint, !this.#connected)
  }

  /** Publish the item now, or at the end of its coalescing window. */
  #schedule (kind: string, key: string, now: boolean): void {
    const slot = kind + '\0' + key
    if (now) { this.#flush(kind, key); return } // a pending flush, if any, finds nothing left to do
    if (this.#pending.has(slot)) { this.counters.coalesced++; return }
    const wait = now ? 0 : (this.#lastAt.get(slot) ?? -Infinity) + this.tun.coalesceMs - Date.now()
    if (wait <= 0) { this.#flush(kind, key); return }
    this.counters.coalesced++
    const timer = setTimeout(() => { this.#pending.delete(slot); this.#flush(kind, key) }, wait)
    timer.unref()
    this.#pending.set(slot, timer)
  }

  #flush (kind: string, key: string): void {
    if (this.#closed) return
    const slot = kind + '\0' + key
    if (kind === DEVSTATE_KIND) {
      const state = this.#wanted.get(key)
      if (state === undefined) return
      if (isQuiet(state)) {
        this.#wanted.delete(key)
        if (this.#published.delete(key)) this.#withdraw(kind, key, slot)
      } else if (this.#published.get(key) !== state) {
        if (this.#put(kind, key, { state }, slot)) this.#published.set(key, state)
      }
      return
    }
    this.#expire(key)
    let n = this.#reserved.get(key)?.length ?? 0
    for (const e of this.#channels.values()) if (e === key) n++
    if (n === (this.#counts.get(key) ?? 0)) return
    if (n === 0) { this.#counts.delete(key); this.#withdraw(kind, key, slot) } else if (this.#put(kind, key, { channels: n }, slot)) this.#counts.set(key, n)
  }

  #put (kind: string, key: string, value: unknown, slot: string | null): boolean {
    try {
      this.soft.publish(kind, key, value, this.tun.ttlMs)
      this.counters.published++
      if (slot !== null) this.#lastAt.set(slot, Date.now())
      return true
    } catch (err) {
      this.counters.publishErrors++
      this.log.warn({ err, kind, key }, 'call state: soft state refused an item')
      return false
    }
  }

  #withdraw (kind: string, key: string, slot: string): void {
    try { this.soft.remove(kind, key) } catch (err) { this.log.warn({ err, kind, key }, 'call state: could not withdraw an item') }
    this.#lastAt.set(slot, Date.now())
  }

  #marker (ari: boolean): void {
    this.#put(CALLSTATE_KIND, CALLSTATE_KEY, { ari }, null)
  }

  /** Every item of this node again (they live ttlMs). */
  #republish (): void {
    this.#marker(this.#connected)
    for (const [device, state] of this.#published) this.#put(DEVSTATE_KIND, device, { state }, null)
    for (const [endpoint, n] of this.#counts) this.#put(CHANNELS_KIND, endpoint, { channels: n }, null)
  }
}
