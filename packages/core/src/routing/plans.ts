/**
 * What the decision derives from the records and the nodes but not from the
 * number, worked out once and reused by every call: for each trunk, as seen
 * from the deciding node, whether that node can use it directly or, if not,
 * the nodes the call is handed to (reachable ones, alive first, then by name),
 * with the trace lines about the nodes left out.
 *
 * Plans are memoised per snapshot (a WeakMap, so a replaced snapshot takes
 * its plans with it) and per deciding node, and tagged with the snapshot's
 * `version`, which changes with every record, node or settings change: a plan
 * is never older than what it was derived from. Channel counts, registrations
 * and busy flags change far more often and are read per call, never planned.
 */
import { hopEndpoint, stateOf, type DecisionCtx } from './context.js'
import { isDialSafe } from './dialstring.js'
import type { RoutingNode, RoutingSnapshot, TrunkView } from './types.js'

/** A node a trunk is reached through, with its inter-node endpoint. */
export interface ViaNode {
  readonly node: RoutingNode
  readonly endpoint: string
}

export interface TrunkPlan {
  readonly id: string
  /** undefined: no such trunk */
  readonly trunk: TrunkView | undefined
  /** the deciding node may use the trunk itself */
  readonly direct: boolean
  /** the id may appear in a dial string on its own (`PJSIP/<number>@<id>`) */
  readonly safe: boolean
  /** the id may appear inside a hop extension (`t~<id>~<number>`) */
  readonly hopSafe: boolean
  /** when not direct: the nodes that can use it, reachable from here, alive first, then by name */
  readonly via: readonly ViaNode[]
  /** when not direct: trace lines about the nodes left out, in the trunk's order */
  readonly skipped: readonly string[]
}

interface Memo {
  version: number
  /** deciding node id → trunk id → plan */
  readonly byNode: Map<string, Map<string, TrunkPlan>>
}

const memos = new WeakMap<RoutingSnapshot, Memo>()
const NONE: readonly never[] = Object.freeze([])

/** The characters of `s` are all dial-safe (the empty string too). */
const dialChars = (s: string): boolean => s === '' || isDialSafe(s)

function makePlan (ctx: DecisionCtx, id: string): TrunkPlan {
  const t = ctx.snap.trunk(id)
  const base = { id, trunk: t, safe: t !== undefined && isDialSafe(t.id), hopSafe: t !== undefined && dialChars(t.id) }
  if (t === undefined || t.nodes.length === 0 || t.nodes.includes(ctx.here.id) || t.nodes.includes(ctx.here.name)) {
    return { ...base, direct: true, via: NONE, skipped: NONE }
  }
  const seen = new Set<string>()
  const via: ViaNode[] = []
  const skipped: string[] = []
  for (const ref of t.nodes) {
    const n = ctx.snap.node(ref)
    if (n === undefined || seen.has(n.id)) continue
    seen.add(n.id)
    const endpoint = hopEndpoint(ctx, n)
    if (endpoint === undefined) { skipped.push(`trunk ${t.id}: node ${n.name} is ${n.state === 'dead' ? 'dead' : 'not reachable'}`); continue }
    via.push({ node: n, endpoint })
  }
  via.sort((a, b) => {
    const ra = stateOf(ctx, a.node) === 'alive' ? 0 : 1
    const rb = stateOf(ctx, b.node) === 'alive' ? 0 : 1
    return ra !== rb ? ra - rb : a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0
  })
  return { ...base, direct: false, via: Object.freeze(via), skipped: Object.freeze(skipped) }
}

/** The plan of trunk `id` for the deciding node of `ctx`, from the memo when it is current. */
export function trunkPlan (ctx: DecisionCtx, id: string): TrunkPlan {
  const snap = ctx.snap
  let memo = memos.get(snap)
  if (memo === undefined) {
    memo = { version: snap.version, byNode: new Map() }
    memos.set(snap, memo)
  } else if (memo.version !== snap.version) {
    memo.version = snap.version
    memo.byNode.clear()
  }
  let plans = memo.byNode.get(ctx.here.id)
  if (plans === undefined) {
    plans = new Map()
    memo.byNode.set(ctx.here.id, plans)
  }
  let plan = plans.get(id)
  if (plan === undefined) {
    plan = makePlan(ctx, id)
    // only trunks that exist: ids from requests (hop extensions) must not grow the memo
    if (plan.trunk !== undefined) plans.set(id, plan)
  }
  return plan
}
