/**
 * What one decision carries around: the snapshot, the node deciding, the
 * driver, the time, whether the call came in from another node (then only
 * this node's own registrations and trunks may be used), the trace, and the
 * collector of dial alternatives (deduplicated, capped).
 */
import { reachableEndpoint } from './internode.js'
import type { DialAlternative, FailStatus, RouteReason, RoutingNode, RoutingSnapshot, Tech } from './types.js'

export interface DecisionCtx {
  readonly snap: RoutingSnapshot
  /** the node the decision is made for */
  readonly here: RoutingNode
  readonly tech: Tech
  readonly now: number
  /** the call arrived through an inter-node trunk: route locally only */
  readonly inbound: boolean
  /** trace lines, or undefined when not traced */
  readonly trace: string[] | undefined
}

const endpoints = new WeakMap<RoutingNode, { prefix: string, ep: string | undefined }>()

// Trace lines are written as `ctx.trace?.push(…)`: when tracing is off the
// optional call short-circuits and the line is never even built.

/** The inter-node endpoint that reaches `node` from here, if any (never for `here` itself). */
export function hopEndpoint (ctx: DecisionCtx, node: RoutingNode): string | undefined {
  if (node.id === ctx.here.id) return undefined
  // a name shared by two nodes belongs to the one the snapshot resolves it to
  if (ctx.snap.node(node.name)?.id !== node.id) return undefined
  // RoutingNode is read-only: a changed node is a new object, so caching per object is safe
  const prefix = ctx.snap.settings.endpointPrefix
  let hit = endpoints.get(node)
  if (hit === undefined || hit.prefix !== prefix) {
    hit = { prefix, ep: reachableEndpoint(node, prefix) }
    endpoints.set(node, hit)
  }
  return hit.ep
}

/** Live state of a node as seen from here: the deciding node is always alive to itself. */
export const stateOf = (ctx: DecisionCtx, node: RoutingNode): RoutingNode['state'] =>
  node.id === ctx.here.id ? 'alive' : node.state

/** A failure with its reason, kept to pick the most telling one when nothing can be dialled. */
export interface Failure { readonly status: FailStatus, readonly reason: RouteReason }

/** Precedence when several routes fail: the most actionable status wins. */
const RANK: Record<FailStatus, number> = { BUSY: 0, CONGESTION: 1, UNAVAILABLE: 2, NOTFOUND: 3, INVALID: 4, ERROR: 5 }
export const worse = (a: Failure | undefined, b: Failure): Failure =>
  a === undefined || RANK[b.status] < RANK[a.status] ? b : a

export class Alternatives {
  readonly list: DialAlternative[] = []
  readonly #max: number
  failure: Failure | undefined = undefined

  constructor (max: number) { this.#max = Math.max(1, max) }

  get full (): boolean { return this.list.length >= this.#max }

  /** Adds an alternative unless it repeats an earlier dial string or the list is full. */
  add (alt: DialAlternative): boolean {
    if (this.full) return false
    // a scan: the list is short (maxAlternatives ≤ 32), cheaper than hashing every new dial string
    for (let i = 0; i < this.list.length; i++) if (this.list[i]!.dial === alt.dial) return false
    this.list.push(alt)
    return true
  }

  fail (f: Failure): void { this.failure = worse(this.failure, f) }
}
