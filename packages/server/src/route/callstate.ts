/**
 * Live call state as routing reads it: every node's device-state and
 * channel-count items (soft state, kinds `devstate` and `channels`; core
 * callstate/states.ts) folded into a CallStateTable, and the combined values
 * written into the routing snapshot — a device on a call anywhere is
 * `deviceBusy` (reach.ts rings it or not by its user's call waiting), a
 * trunk's `channelsInUse` is the sum of its calls on every node (lcr.ts
 * checks trunk and provider `maxChannels`). Items of a node whose ARI is down
 * say UNKNOWN: not on a call, as far as routing goes (never a guess that
 * refuses calls). Malformed items from a peer count as nothing.
 */
import { CallStateTable, CHANNELS_KIND, DEVSTATE_KIND, channelCountValue, deviceStateValue, isInUse, type MemorySnapshot } from '@federator/core'
import type { SoftChange, SoftTable } from '../ports.js'

export const isCallStateKind = (kind: string): boolean => kind === DEVSTATE_KIND || kind === CHANNELS_KIND

export class RoutingCallState {
  readonly table = new CallStateTable()

  /** Applies one soft-state change; writes what changed into `snap`. */
  apply (snap: MemorySnapshot, c: Pick<SoftChange, 'kind' | 'key' | 'owner' | 'value'>): void {
    if (c.kind === DEVSTATE_KIND) {
      const state = c.value === undefined ? undefined : deviceStateValue(c.value)
      const combined = this.table.setDevice(c.owner, c.key, state)
      if (combined !== null) snap.setBusy(c.key, isInUse(combined))
    } else if (c.kind === CHANNELS_KIND) {
      const n = c.value === undefined ? undefined : channelCountValue(c.value)
      const sum = this.table.setChannels(c.owner, c.key, n)
      if (sum !== null) snap.setChannels(c.key, sum)
    }
  }

  /** Every item of the two kinds now in `soft` (at start). */
  load (snap: MemorySnapshot, soft: SoftTable | undefined): void {
    if (soft === undefined) return
    for (const kind of [DEVSTATE_KIND, CHANNELS_KIND]) {
      for (const it of soft.get(kind)) this.apply(snap, { kind, key: it.key, owner: it.owner, value: it.value })
    }
  }

  /** Writes the whole table into a fresh snapshot (after a store rebuild). */
  writeAll (snap: MemorySnapshot): void {
    for (const [device, state] of this.table.devices()) snap.setBusy(device, isInUse(state))
    for (const [endpoint, n] of this.table.endpoints()) snap.setChannels(endpoint, n)
  }
}
