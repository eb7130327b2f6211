/**
 * CallStateTable: the cluster's live call state as one node holds it, from
 * the soft-state items every node publishes (states.ts): each device's state
 * per owner node, combined into one state per device, and each trunk
 * endpoint's channel count per owner, summed over the cluster. Every update
 * says whether the combined value changed, so a reader (routing, the
 * `Custom:` states pushed into Asterisk) only acts on real changes. Pure: the
 * caller feeds it soft-state changes.
 */
import { combineDeviceStates, sumChannels, type DeviceState } from './states.js'

export class CallStateTable {
  /** device → owner → state */
  readonly #devices = new Map<string, Map<string, DeviceState>>()
  readonly #combined = new Map<string, DeviceState>()
  /** endpoint → owner → channels */
  readonly #channels = new Map<string, Map<string, number>>()
  readonly #sums = new Map<string, number>()

  /** Sets (or with undefined clears) `owner`'s state of `device`; returns the device's new combined state, or null when it did not change. */
  setDevice (owner: string, device: string, state: DeviceState | undefined): DeviceState | null {
    let byOwner = this.#devices.get(device)
    if (state === undefined) {
      if (byOwner?.delete(owner) !== true) return null
      if (byOwner.size === 0) this.#devices.delete(device)
    } else {
      if (byOwner === undefined) this.#devices.set(device, byOwner = new Map())
      if (byOwner.get(owner) === state) return null
      byOwner.set(owner, state)
    }
    const before = this.combined(device)
    const after = combineDeviceStates(this.#devices.get(device)?.values() ?? [])
    if (after === 'NOT_INUSE') this.#combined.delete(device)
    else this.#combined.set(device, after)
    return after === before ? null : after
  }

  /** The device's state over the cluster (NOT_INUSE when no node reports anything). */
  combined (device: string): DeviceState {
    return this.#combined.get(device) ?? 'NOT_INUSE'
  }

  /** The device's state as each owner reports it. */
  statesOf (device: string): ReadonlyMap<string, DeviceState> {
    return this.#devices.get(device) ?? new Map()
  }

  /** Devices some node reports a state for, with their combined state. */
  devices (): IterableIterator<[string, DeviceState]> {
    return this.#combined.entries()
  }

  /** Sets (or with undefined clears) `owner`'s channel count on `endpoint`; returns the new cluster-wide sum, or null when it did not change. */
  setChannels (owner: string, endpoint: string, n: number | undefined): number | null {
    let byOwner = this.#channels.get(endpoint)
    if (n === undefined || n <= 0) {
      if (byOwner?.delete(owner) !== true) return null
      if (byOwner.size === 0) this.#channels.delete(endpoint)
    } else {
      if (byOwner === undefined) this.#channels.set(endpoint, byOwner = new Map())
      if (byOwner.get(owner) === n) return null
      byOwner.set(owner, n)
    }
    const before = this.#sums.get(endpoint) ?? 0
    const after = sumChannels(this.#channels.get(endpoint)?.values() ?? [])
    if (after === 0) this.#sums.delete(endpoint)
    else this.#sums.set(endpoint, after)
    return after === before ? null : after
  }

  /** Channels up on `endpoint` over the cluster. */
  channels (endpoint: string): number {
    return this.#sums.get(endpoint) ?? 0
  }

  /** Endpoints with channels up somewhere, with their sums. */
  endpoints (): IterableIterator<[string, number]> {
    return this.#sums.entries()
  }

  /** Each owner's count on `endpoint`. */
  channelsOf (endpoint: string): ReadonlyMap<string, number> {
    return this.#channels.get(endpoint) ?? new Map()
  }
}
