/**
 * Reaching users and devices through their live registrations anywhere in
 * the cluster.
 *
 * Each device is placed on one node: among its unexpired registrations on
 * nodes that can be reached (this node, or a peer that is not dead and has an
 * inter-node endpoint), registrations on healthy nodes (alive, or this node)
 * come before those on suspect nodes, then the freshest (`updated`) wins, then
 * this node, then the lower node id. One leg per device, so a phone
 * registered on two nodes rings once.
 *
 * Legs: a device placed here is `PJSIP/<device>`; devices placed on node X go
 * through X's inter-node endpoint. For a user, when X would ring exactly the
 * devices placed on it (it holds no other live registration of the user), one
 * leg `PJSIP/<extension>@fed-X` suffices; otherwise each device is handed
 * over as `d~<device>`. All legs ring in parallel (one alternative, `&`).
 * A call that came in from another node only uses registrations held here.
 *
 * Busy (live call state, docs/routing.md): a user with call waiting off
 * (`callWaiting: false`) is not rung on a device that is on a call anywhere
 * in the cluster, and when all the devices that could ring are on a call the
 * answer is BUSY (cause 17). A device called directly follows its user's
 * setting. With call waiting on (the default) devices ring whatever their
 * state.
 *
 * When nothing can ring, the reason says why: a device registered only on
 * nodes that are down gives `nodes-down`; only on live nodes started without
 * a SIP address (`--sip-address`: no inter-node endpoint to hand the call
 * to) gives `no-sip-address`, which wins over `nodes-down` — it is the one
 * an administrator can fix.
 */
import { hopEndpoint, stateOf, type DecisionCtx, type Failure } from './context.js'
import { endpointDial, hopExten, localDial } from './dialstring.js'
import { parseSipAddress } from './internode.js'
import { busyDecision } from '../callstate/states.js'
import type { DeviceView, DialAlternative, DialLeg, RoutingNode, UserView } from './types.js'

interface Placement { readonly device: DeviceView, readonly node: RoutingNode, readonly updated: number, readonly rank: number }
type Miss = 'disabled' | 'busy' | 'unregistered' | 'dead' | 'no-sip'

/** Is placement `a` preferable to `b`? healthy node, fresher, here, lower node id. */
function preferable (ctx: DecisionCtx, a: Placement, b: Placement): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank
  if (a.updated !== b.updated) return a.updated > b.updated
  const al = a.node.id === ctx.here.id
  if (al !== (b.node.id === ctx.here.id)) return al
  return a.node.id < b.node.id
}

/** Does this call skip devices on a call? (call waiting off for the user, or for a device's own user) */
function skipsInUse (ctx: DecisionCtx, device: DeviceView, user: UserView | undefined): boolean {
  const u = user ?? (device.user === undefined ? undefined : ctx.snap.user(device.user))
  return u !== undefined && busyDecision(u.callWaiting, [ctx.snap.deviceBusy(device.id)]) === 'busy'
}

function locate (ctx: DecisionCtx, device: DeviceView, user: UserView | undefined): Placement | Miss {
  if (!device.enabled) return 'disabled'
  if (skipsInUse(ctx, device, user)) return 'busy'
  let best: Placement | undefined
  let sawUnreachable = false
  let sawNoSip = false
  for (const c of ctx.snap.contactsOf(device.id)) {
    if (!(c.expires > ctx.now)) continue
    const node = ctx.snap.node(c.node)
    const local = node?.id === ctx.here.id
    if (node === undefined || (!local && (ctx.inbound || hopEndpoint(ctx, node) === undefined))) {
      if (!ctx.inbound) {
        sawUnreachable = true
        // up, but nowhere to send the call: started without --sip-address
        if (node !== undefined && node.state !== 'dead' && parseSipAddress(node.sipAddress) === undefined) sawNoSip = true
      }
      continue
    }
    const p: Placement = { device, node, updated: c.updated, rank: stateOf(ctx, node) === 'alive' ? 0 : 1 }
    if (best === undefined || preferable(ctx, p, best)) best = p
  }
  return best ?? (sawNoSip ? 'no-sip' : sawUnreachable ? 'dead' : 'unregistered')
}

/** Devices of `all` that node `node` would ring itself for a hop to the user. */
function liveOn (ctx: DecisionCtx, all: readonly DeviceView[], node: RoutingNode, user: UserView | undefined): number {
  let n = 0
  for (const d of all) {
    if (!d.enabled || skipsInUse(ctx, d, user)) continue
    for (const c of ctx.snap.contactsOf(d.id)) if (c.node === node.id && c.expires > ctx.now) { n++; break }
  }
  return n
}

const MISS_TRACE: Record<Miss, string> = {
  disabled: 'disabled',
  busy: 'on a call (call waiting off)',
  unregistered: 'no live registration',
  dead: 'registered only on unreachable nodes',
  'no-sip': 'registered only on nodes without a SIP address (started without --sip-address): no inter-node endpoint to hand the call to'
}

export interface Reached { alternative?: DialAlternative, failure?: Failure }

/**
 * Rings `devices` in parallel. With `user`, the devices are that user's (hops
 * may then use the extension `exten`, or the user's first one).
 */
export function reachDevices (ctx: DecisionCtx, devices: readonly DeviceView[], user?: UserView, exten?: string): Reached {
  const placed: Placement[] = []
  let disabled = 0
  let busy = 0
  let dead = 0
  let noSip = 0
  for (const d of devices) {
    const r = locate(ctx, d, user)
    if (typeof r === 'string') {
      if (r === 'disabled') disabled++
      else if (r === 'busy') busy++
      else if (r === 'dead') dead++
      else if (r === 'no-sip') noSip++
      ctx.trace?.push(`device ${d.id}: ${MISS_TRACE[r]}`)
      continue
    }
    placed.push(r)
    ctx.trace?.push(`device ${d.id}: registered on ${r.node.id === ctx.here.id ? 'this node' : `node ${r.node.name} (${r.node.state})`}`)
  }
  if (placed.length === 0) {
    if (devices.length === disabled) return NO_DEVICE
    if (busy > 0) return ALL_BUSY
    if (noSip > 0) return NO_SIP_ADDRESS
    if (dead > 0) return NODES_DOWN
    return NOT_REGISTERED
  }

  const legs: DialLeg[] = []
  let remote: Map<string, Placement[]> | undefined
  for (const p of placed) {
    if (p.node.id === ctx.here.id) {
      const dial = localDial(ctx.tech, p.device.id)
      if (dial !== undefined) legs.push({ dial, device: p.device.id })
    } else {
      const list = (remote ??= new Map()).get(p.node.id)
      if (list === undefined) remote.set(p.node.id, [p])
      else list.push(p)
    }
  }
  if (remote !== undefined) {
    const userExten = user === undefined ? undefined : exten !== undefined && user.extensions.includes(exten) ? exten : user.extensions[0]
    for (const list of remote.values()) {
      const node = list[0]!.node
      const endpoint = hopEndpoint(ctx, node)!
      if (user !== undefined && liveOn(ctx, devices, node, user) === list.length) {
        const hop = userExten !== undefined ? userExten : hopExten({ kind: 'user', user: user.id })
        const dial = endpointDial(ctx.tech, endpoint, hop)
        if (dial !== undefined) { legs.push({ dial, user: user.id, via: node.name }); continue }
      }
      for (const p of list) {
        const dial = endpointDial(ctx.tech, endpoint, hopExten({ kind: 'device', device: p.device.id }))
        if (dial !== undefined) legs.push({ dial, device: p.device.id, via: node.name })
      }
    }
  }
  if (legs.length === 0) return NOT_REGISTERED
  const dial = legs.length === 1 ? legs[0]!.dial : legs.map((l) => l.dial).join('&')
  return { alternative: { dial, timeout: ctx.snap.settings.ringTimeout, kind: 'endpoint', legs } }
}

const failed = (status: Failure['status'], reason: Failure['reason']): Reached => Object.freeze({ failure: Object.freeze({ status, reason }) })
const NO_DEVICE = failed('UNAVAILABLE', 'no-device')
const ALL_BUSY = failed('BUSY', 'all-busy')
const NODES_DOWN = failed('UNAVAILABLE', 'nodes-down')
const NO_SIP_ADDRESS = failed('UNAVAILABLE', 'no-sip-address')
const NOT_REGISTERED = failed('UNAVAILABLE', 'not-registered')

export function reachUser (ctx: DecisionCtx, user: UserView, exten?: string): Reached {
  const devices = ctx.snap.devicesOfUser(user.id)
  ctx.trace?.push(`user ${user.id} has ${devices.length} device(s)`)
  return reachDevices(ctx, devices, user, exten)
}
