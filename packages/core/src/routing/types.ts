/**
 * The shapes of the routing decision: what it reads (`RoutingSnapshot`), what
 * it is asked (`RouteRequest`) and what it answers (`RouteDecision`), plus the
 * tunables with their defaults. Everything here is plain data; the snapshot is
 * an interface so that the server can back it by the store's view and the
 * node-owned soft state, and tests by `MemorySnapshot`.
 */
import type { RouteTarget } from '../records.js'

/** The channel driver a node's Asterisk uses to dial. */
export type Tech = 'PJSIP' | 'SIP'
export type NodeState = 'alive' | 'suspect' | 'dead'

/** A cluster member as routing sees it (durable node record + membership soft state). */
export interface RoutingNode {
  /** writer key (64 hex) */
  readonly id: string
  readonly name: string
  /** host[:port] where this node's Asterisk takes inter-node calls */
  readonly sipAddress?: string
  readonly state: NodeState
  /** true for the node that answers */
  readonly self: boolean
  /** this node's channel driver (default: `RoutingSettings.tech`) */
  readonly tech?: Tech
}

/** A live registration, owned by the node whose Asterisk accepted it. */
export interface RoutingContact {
  /** contact id, unique per owner node (PJSIP `<aor>;@<hash>`, chan_sip the peer name) */
  readonly id: string
  /** owner node id */
  readonly node: string
  /** device id (= AOR / peer name) */
  readonly device: string
  readonly uri: string
  /** expiry, Unix milliseconds */
  readonly expires: number
  /** last (re-)registration, Unix milliseconds */
  readonly updated: number
}

export interface UserView {
  readonly id: string
  readonly name: string
  readonly extensions: readonly string[]
  /** false: devices on a call are not rung, all on a call → BUSY (default true) */
  readonly callWaiting: boolean
  /** `box@context` when the user has an enabled voicemail box */
  readonly voicemail?: string
}

export interface DeviceView {
  readonly id: string
  readonly user?: string
  readonly enabled: boolean
}

export interface TrunkView {
  readonly id: string
  readonly enabled: boolean
  /** 0 or absent: no limit */
  readonly maxChannels: number
  /** node ids or names that can use the trunk directly; empty: every node */
  readonly nodes: readonly string[]
}

export interface ProviderView {
  readonly id: string
  readonly name: string
  readonly trunks: readonly string[]
  readonly prefixes: ReadonlyArray<{ readonly prefix: string, readonly cost: number }>
  readonly priority: number
  readonly enabled: boolean
  /** 0: no limit; else the most channels up at once over its trunks, cluster-wide */
  readonly maxChannels: number
  readonly strip: number
  readonly prepend: string
}

export interface RouteView {
  readonly id: string
  readonly pattern: string
  readonly context?: string
  readonly target: RouteTarget
  readonly priority: number
  readonly strip: number
  readonly prepend: string
  readonly enabled: boolean
}

/** A route that matches a number, with how it matched. */
export interface RouteMatch {
  readonly route: RouteView
  /** a plain route equal to the number (ranks like an Asterisk literal extension) */
  readonly exact: boolean
  /** the route names the request's context (ranks before routes for any context) */
  readonly scoped: boolean
  /** 0 for the most specific matches; equal tiers are equally specific (they differ only by priority) */
  readonly tier: number
}

/** The best rate of one provider for a number: its longest matching prefix. */
export interface ProviderRate {
  readonly provider: string
  readonly prefix: string
  readonly cost: number
}

/** A provider's rate for the numbers under `prefix`, with the provider itself (least-cost routing). */
export interface LcrOffer {
  readonly provider: ProviderView
  readonly prefix: string
  readonly cost: number
}

export interface RoutingSettings {
  /** driver used when neither the request nor the node says (default PJSIP) */
  readonly tech: Tech
  /** context of the generated inter-node endpoints; calls arriving there are routed locally only */
  readonly inboundContext: string
  /** inter-node endpoint name = prefix + node name */
  readonly endpointPrefix: string
  /** Dial() timeout (s) for users and devices */
  readonly ringTimeout: number
  /** Dial() timeout (s) for trunks */
  readonly trunkTimeout: number
  /** at most this many failover alternatives per answer */
  readonly maxAlternatives: number
}

export const DEFAULT_INBOUND_CONTEXT = 'federator-inbound'
export const INTERNODE_ENDPOINT_PREFIX = 'fed-'
export const DEFAULT_RING_TIMEOUT = 30
export const DEFAULT_TRUNK_TIMEOUT = 60
export const DEFAULT_MAX_ALTERNATIVES = 8

export const DEFAULT_ROUTING_SETTINGS: RoutingSettings = Object.freeze({
  tech: 'PJSIP',
  inboundContext: DEFAULT_INBOUND_CONTEXT,
  endpointPrefix: INTERNODE_ENDPOINT_PREFIX,
  ringTimeout: DEFAULT_RING_TIMEOUT,
  trunkTimeout: DEFAULT_TRUNK_TIMEOUT,
  maxAlternatives: DEFAULT_MAX_ALTERNATIVES
})

/** Everything the decision reads. All lookups are O(1) or O(length of the number). */
export interface RoutingSnapshot {
  readonly settings: RoutingSettings
  /**
   * Changes whenever a record (user, device, trunk, provider, route) or a node
   * changes — not with registrations, channel counts or busy flags. The
   * decision memoises what it derives from records and nodes under it (plans.ts).
   */
  readonly version: number
  /** the answering node */
  self (): RoutingNode
  /** by id or by name */
  node (idOrName: string): RoutingNode | undefined
  nodes (): Iterable<RoutingNode>
  userByExtension (exten: string): UserView | undefined
  user (id: string): UserView | undefined
  /** enabled or not, sorted by id */
  devicesOfUser (userId: string): readonly DeviceView[]
  device (id: string): DeviceView | undefined
  /** registrations of a device on any node, expired ones included */
  contactsOf (deviceId: string): readonly RoutingContact[]
  trunk (id: string): TrunkView | undefined
  provider (id: string): ProviderView | undefined
  /** the most specific enabled routes matching `exten` in `context`, in priority order (route-index.ts) */
  matchRoutes (exten: string, context: string | undefined): readonly RouteMatch[]
  /** longest matching prefix of every provider that has one, in no particular order */
  providerRates (number: string): readonly ProviderRate[]
  /** the same rates with their providers, in LCR order: cost, then priority (lower first), then id */
  lcrOffers (number: string): readonly LcrOffer[]
  /** channels in use on a trunk across the cluster, when known */
  channelsInUse (trunkId: string): number | undefined
  /** true when the device is on a call somewhere in the cluster (unknown: false) */
  deviceBusy (deviceId: string): boolean
}

/** A validated request (see request.ts for parsing raw parameters). */
export interface RouteRequest {
  readonly exten: string
  /** the calling endpoint (informational; shown in the trace) */
  readonly from?: string
  /** decide as this node (id or name); default: self */
  readonly node?: string
  readonly context?: string
  /** overrides the node's driver */
  readonly tech?: Tech
}

export type RouteStatus = 'OK' | 'NOTFOUND' | 'BUSY' | 'UNAVAILABLE' | 'CONGESTION' | 'INVALID' | 'ERROR'
export type FailStatus = Exclude<RouteStatus, 'OK'>

/** Machine-readable reasons; safe to put into a Dial() argument or a HASH() value as they are. */
export type RouteReason =
  | 'user' | 'route' | 'hop'
  | 'no-match' | 'target-missing' | 'no-provider'
  | 'no-device' | 'not-registered' | 'nodes-down' | 'no-sip-address' | 'all-busy' | 'trunks-unavailable'
  | 'invalid-exten' | 'invalid-param' | 'unknown-node'
  | 'starting' | 'internal'

/** One callee reached by a dial alternative. */
export interface DialLeg {
  /** this leg's Dial() target, e.g. `PJSIP/alice` */
  readonly dial: string
  /** the user whose devices ring at `via` (a user-level hop) */
  readonly user?: string
  readonly device?: string
  readonly trunk?: string
  readonly provider?: string
  /** number sent to the trunk (after rewriting) */
  readonly number?: string
  readonly cost?: number
  /** name of the node whose inter-node trunk carries the leg (absent: dialled here) */
  readonly via?: string
}

/** One failover step: its legs ring in parallel (`&`). */
export interface DialAlternative {
  readonly dial: string
  readonly timeout: number
  readonly kind: 'endpoint' | 'trunk'
  readonly legs: readonly DialLeg[]
  /** route that produced it, when it came from a route */
  readonly route?: string
}

interface DecisionBase {
  readonly exten: string
  /** name of the node the decision was made for */
  readonly node?: string
  readonly context?: string
  readonly reason: RouteReason
  /** what the number matched: a user by extension, a route, or an inter-node hop */
  readonly matched?: { readonly kind: 'user' | 'route' | 'hop', readonly id: string, readonly pattern?: string }
  /** human-readable trace, in decision order (empty unless asked for) */
  readonly why: readonly string[]
}

export interface RouteOk extends DecisionBase {
  readonly status: 'OK'
  /** non-empty, in failover order */
  readonly alternatives: readonly DialAlternative[]
  /** the first alternative's timeout (s) */
  readonly timeout: number
}

export interface RouteFail extends DecisionBase {
  readonly status: FailStatus
}

export type RouteDecision = RouteOk | RouteFail

/** Q.850 cause per failure status, for `Hangup(<cause>)` in the dialplan. */
export const FAIL_CAUSE: Readonly<Record<FailStatus, number>> = Object.freeze({
  NOTFOUND: 1, // unallocated number → SIP 404
  BUSY: 17, // user busy → 486
  UNAVAILABLE: 20, // subscriber absent → 480
  CONGESTION: 34, // no circuit available → 503
  INVALID: 28, // invalid number format → 484
  ERROR: 41 // temporary failure → 503
})
