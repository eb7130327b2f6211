/**
 * The cluster's device states pushed into this node's Asterisk as
 * `Custom:<device>` states, so that hints (`exten => 201,hint,PJSIP/alice&Custom:alice`),
 * BLF and queue members (`state_interface=Custom:alice`) see a device on a
 * call whatever node it is registered on (docs/asterisk.md, "Live call state").
 *
 * Every node's `devstate` items (this node's too) fold into a CallStateTable;
 * when a device's combined state changes it is written with
 * `POST asterisk/variable?variable=DEVICE_STATE(Custom:<device>)&value=<STATE>`
 * (ARI's own `PUT deviceStates` only controls `Stasis:` names). One write per
 * device in flight, the latest state wins (bursts coalesce). Every ARI
 * (re)connect writes every device with a state, and resets to NOT_INUSE the
 * `Custom:` states Asterisk kept (astdb `CustomDevstate`) for devices that no
 * longer have one. Channel items are folded too, for the metrics.
 *
 * Asterisk refuses UNKNOWN as a `Custom:` state (DEVICE_STATE() "given
 * invalid state value"): a device whose only state is UNKNOWN (its node's
 * ARI is down) is written UNAVAILABLE — the lamp says "cannot tell", never
 * idle or busy on a guess.
 */
import type { Logger } from 'pino'
import { CallStateTable, CHANNELS_KIND, DEVSTATE_KIND, channelCountValue, deviceStateValue, isCallStateKey, type DeviceState, type SoftChange } from '@federator/core'
import type { AriClient } from '../ari-client.js'
import type { CallStateDirectory, CallStateSoft } from './ports.js'

/** The value written for a combined state: Asterisk takes every state as a Custom: one but UNKNOWN. */
export const customValue = (s: DeviceState): string => s === 'UNKNOWN' ? 'UNAVAILABLE' : s

export interface CustomCounters { writes: number, writeErrors: number, coalesced: number, resets: number }

export class CustomStates {
  readonly table = new CallStateTable()
  readonly counters: CustomCounters = { writes: 0, writeErrors: 0, coalesced: 0, resets: 0 }
  /** device → state to write */
  readonly #wanted = new Map<string, DeviceState>()
  /** device → state Asterisk has (as far as we wrote it) */
  readonly #written = new Map<string, DeviceState>()
  readonly #inFlight = new Set<string>()
  #errorSaid = false
  #closed = false
  /** called after each successful write (the bench measures with it) */
  onWritten: ((device: string, state: DeviceState) => void) | null = null

  readonly #onSoft = (c: SoftChange): void => {
    try {
      this.#apply(c.kind, c.key, c.owner, c.value)
    } catch (err) {
      this.log.error({ err, kind: c.kind, key: c.key }, 'call state: a soft-state change was not applied')
    }
  }

  constructor (
    private readonly ari: AriClient,
    private readonly soft: CallStateSoft,
    private readonly dir: CallStateDirectory,
    private readonly log: Logger
  ) {}

  start (): void {
    for (const kind of [DEVSTATE_KIND, CHANNELS_KIND]) for (const it of this.soft.get(kind)) this.#apply(kind, it.key, it.owner, it.value)
    this.soft.on('change', this.#onSoft)
  }

  close (): void {
    this.#closed = true
    this.soft.off('change', this.#onSoft)
  }

  #apply (kind: string, key: string, owner: string, value: unknown): void {
    if (!isCallStateKey(key)) return // never inside DEVICE_STATE(Custom:…) unless a well-formed id
    if (kind === DEVSTATE_KIND) {
      const combined = this.table.setDevice(owner, key, value === undefined ? undefined : deviceStateValue(value))
      if (combined !== null) this.#want(key, combined)
    } else if (kind === CHANNELS_KIND) {
      this.table.setChannels(owner, key, value === undefined ? undefined : channelCountValue(value))
    }
  }

  /** ARI (re)connected: Asterisk may have restarted — write everything again. */
  onConnect (): void {
    this.#written.clear()
    void this.#resync()
  }

  async #resync (): Promise<void> {
    for (const [device, state] of this.table.devices()) this.#want(device, state)
    // Custom: states Asterisk kept from before (astdb) for devices that have none now
    try {
      const { value } = await this.ari.request<{ value?: unknown }>('GET', 'asterisk/variable', { query: { variable: 'DB_KEYS(CustomDevstate)' } })
      const kept = typeof value === 'string' && value !== '' ? value.split(',') : []
      for (const device of kept) {
        if (this.table.combined(device) !== 'NOT_INUSE' || !this.dir.isDevice(device)) continue
        this.counters.resets++
        this.#want(device, 'NOT_INUSE', true)
      }
    } catch (err) {
      this.log.debug({ err }, 'call state: could not list the Custom: states Asterisk kept (DB_KEYS)')
    }
  }

  #want (device: string, state: DeviceState, force = false): void {
    if (!force && this.#written.get(device) === state && !this.#inFlight.has(device)) return
    this.#wanted.set(device, state)
    if (this.#inFlight.has(device)) { this.counters.coalesced++; return }
    if (this.ari.connected) void this.#write(device)
  }

  async #write (device: string): Promise<void> {
    this.#inFlight.add(device)
    try {
      for (;;) {
        const state = this.#wanted.get(device)
        if (state === undefined || this.#closed || !this.ari.connected) return
        this.#wanted.delete(device)
        try {
          await this.ari.request('POST', 'asterisk/variable', { query: { variable: `DEVICE_STATE(Custom:${device})`, value: customValue(state) } })
          this.counters.writes++
          this.#written.set(device, state)
          this.#errorSaid = false
          this.onWritten?.(device, state)
        } catch (err) {
          this.counters.writeErrors++
          if (!this.#errorSaid) {
            this.#errorSaid = true
            this.log.warn({ err, device, state }, 'call state: could not set a Custom: device state (retried at the next ARI connect)')
          }
          return
        }
      }
    } finally {
      this.#inFlight.delete(device)
    }
  }
}
