/**
 * Live call state, the pure part (docs/asterisk.md, "Live call state"):
 * Asterisk's device states by name, which device or trunk endpoint an ARI
 * device or channel name is about, the soft-state values nodes publish, and
 * how the states of one device on several nodes combine into one.
 *
 * A node publishes only what differs from "idle": a device item (kind
 * `devstate`, key = device id) while the device is not NOT_INUSE on that
 * node's Asterisk, a channel item (kind `channels`, key = trunk endpoint)
 * while a trunk has calls up there. No item means idle / no calls. While a
 * node's ARI is down its device items say UNKNOWN (never a guess) and its
 * channel items are withdrawn; its `callstate` item says whether ARI is up.
 */

import type { RouteDecision } from '../routing/types.js'

/** Asterisk's device states (`ast_device_state`, as ARI and DEVICE_STATE() spell them). */
export const DEVICE_STATES = ['UNKNOWN', 'NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD'] as const
export type DeviceState = typeof DEVICE_STATES[number]

const KNOWN = new Set<string>(DEVICE_STATES)

/** A device state from an ARI event or DEVICE_STATE() (case-insensitive, `_` or space), or undefined. */
export function parseDeviceState (v: unknown): DeviceState | undefined {
  if (typeof v !== 'string') return undefined
  const s = v.trim().toUpperCase().replace(/[ -]/g, '_')
  return KNOWN.has(s) ? s as DeviceState : undefined
}

/** States in which a device is on a call (a second call would be call waiting). */
export function isInUse (s: DeviceState | undefined): boolean {
  return s === 'INUSE' || s === 'BUSY' || s === 'RINGINUSE' || s === 'ONHOLD'
}

/** States a node does not publish: the device is idle there (NOT_INUSE), or not registered there at all. */
export function isQuiet (s: DeviceState): boolean {
  return s === 'NOT_INUSE' || s === 'UNAVAILABLE' || s === 'INVALID'
}

/** Safe device/endpoint id (records.ts ID_PATTERN). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$/

/** Whether a call-state item's key (device or trunk id) is a well-formed id: anything else from a peer is ignored. */
export const isCallStateKey = (key: unknown): key is string => typeof key === 'string' && ID.test(key)

/** The device id of a device-state name of a SIP device (`PJSIP/alice`, `SIP/alice`); undefined for any other (`Custom:`, `Queue:`, `Local/`…). */
export function deviceOfStateName (name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined
  const m = /^(?:PJSIP|SIP)\/([^/&]+)$/.exec(name)
  return m !== null && ID.test(m[1]!) ? m[1] : undefined
}

/** The endpoint of a SIP channel name (`PJSIP/<endpoint>-0000002a`, `SIP/<peer>-0000002a`); undefined for any other. */
export function endpointOfChannel (name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined
  const m = /^(?:PJSIP|SIP)\/(.+)-[0-9a-fA-F]{8}$/.exec(name)
  return m !== null && ID.test(m[1]!) ? m[1] : undefined
}

/** The soft-state value of a device item. */
export interface DeviceStateValue { state: DeviceState }
/** The soft-state value of a channel-count item. */
export interface ChannelCountValue { channels: number }
/** The soft-state value of a node's `callstate` item. */
export interface CallStateNodeValue { ari: boolean }

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A device item's state from a peer's value (defensive: malformed → undefined). */
export function deviceStateValue (v: unknown): DeviceState | undefined {
  return isObj(v) ? parseDeviceState(v.state) : undefined
}

/** A channel item's count from a peer's value (defensive: malformed → undefined). */
export function channelCountValue (v: unknown): number | undefined {
  if (!isObj(v)) return undefined
  const n = v.channels
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** Rank of a state when combining: the highest ranked state wins (after the RINGING + in-use rule). */
const RANK: Record<DeviceState, number> = {
  INVALID: 0, UNAVAILABLE: 1, NOT_INUSE: 2, UNKNOWN: 3, RINGING: 4, ONHOLD: 5, INUSE: 6, RINGINUSE: 7, BUSY: 8
}

/**
 * One device's state from its states on several nodes (as Asterisk combines
 * the devices of a hint): any in-use state together with RINGING is
 * RINGINUSE; otherwise the most active state wins (BUSY, INUSE, ONHOLD,
 * RINGING), an UNKNOWN one beats idle (a node that cannot tell may have the
 * device on a call), and nothing at all is NOT_INUSE (nothing published:
 * idle everywhere).
 */
export function combineDeviceStates (states: Iterable<DeviceState>): DeviceState {
  let best: DeviceState | undefined
  let ringing = false
  let inUse = false
  for (const s of states) {
    if (s === 'RINGING' || s === 'RINGINUSE') ringing = true
    if (isInUse(s)) inUse = true
    if (best === undefined || RANK[s] > RANK[best]) best = s
  }
  if (best === undefined) return 'NOT_INUSE'
  if (ringing && inUse && best !== 'BUSY') return 'RINGINUSE'
  return best
}

/** Sum of per-node channel counts (malformed counts ignored). */
export function sumChannels (counts: Iterable<number>): number {
  let n = 0
  for (const c of counts) if (Number.isSafeInteger(c) && c > 0) n += c
  return n
}

/**
 * The busy decision for one user: with call waiting off, a device on a call
 * is not rung, and when every device of the user that could ring is on a
 * call the answer is BUSY. With call waiting on (the default) devices ring
 * whatever their state. `inUse` lists the state of each enabled device.
 */
export function busyDecision (callWaiting: boolean, inUse: readonly boolean[]): 'ring' | 'busy' {
  if (callWaiting || inUse.length === 0) return 'ring'
  return inUse.every((x) => x) ? 'busy' : 'ring'
}

/**
 * The trunks a decision will take a channel on at this node's Asterisk: the
 * first alternative's trunk legs that leave here (no `via`: a call handed
 * to another node is counted there, when that node decides on its arrival).
 * The node counts them as reserved until their channels exist, so that calls
 * decided meanwhile see them (docs/routing.md, "Overshoot").
 */
export function reservedTrunks (d: RouteDecision): string[] {
  if (d.status !== 'OK') return []
  const first = d.alternatives[0]
  if (first === undefined || first.kind !== 'trunk') return []
  const out: string[] = []
  for (const leg of first.legs) if (leg.trunk !== undefined && leg.via === undefined) out.push(leg.trunk)
  return out
}
