/**
 * External numbers: trunks, providers and least-cost routing.
 *
 * LCR: every provider's rate for the number is its longest matching prefix
 * (prefix-index.ts); providers are tried by cost, then priority (lower
 * first), then id; within a provider its trunks in the listed order. Disabled
 * providers and trunks, trunks at their channel limit (`maxChannels` > 0 and
 * the known count reached) and trunks that cannot be reached are skipped.
 *
 * A trunk that lists `nodes` can only be used by those nodes (by id or name).
 * From any other node each listed node that is not dead and has an inter-node
 * endpoint becomes an alternative (healthy ones first): the call goes to that
 * node as `t~<trunk>~<number>` and leaves there on the trunk. Numbers are
 * rewritten by the route first (LCR prefixes match the rewritten number), then
 * by the provider.
 *
 * Failures: no provider covering the number (or a missing record) is
 * NOTFOUND; anything that exists but cannot carry the call now is CONGESTION.
 */
import { hopEndpoint, stateOf, type Alternatives, type DecisionCtx } from './context.js'
import { endpointDial, hopExten, trunkDial } from './dialstring.js'
import { rewrite } from './normalize.js'
import type { DialLeg, ProviderView, RoutingNode } from './types.js'

interface LegInfo { provider?: string | undefined, cost?: number | undefined, route?: string | undefined }

function addTrunkLeg (ctx: DecisionCtx, out: Alternatives, dial: string, trunk: string, number: string, info: LegInfo, via: string | undefined): void {
  // fixed object shapes (absent fields undefined): this is the hot path of external calls
  const leg: DialLeg = { dial, user: undefined, device: undefined, trunk, provider: info.provider, number, cost: info.cost, via }
  const added = out.add({ dial, timeout: ctx.snap.settings.trunkTimeout, kind: 'trunk', legs: [leg], route: info.route })
  if (added) ctx.trace?.push(`alternative ${out.list.length}: ${dial}`)
}

export function trunkAlternatives (ctx: DecisionCtx, out: Alternatives, trunkId: string, number: string, info: LegInfo = {}): void {
  const t = ctx.snap.trunk(trunkId)
  if (t === undefined) {
    ctx.trace?.push(`trunk ${trunkId}: no such trunk`)
    out.fail({ status: 'NOTFOUND', reason: 'target-missing' })
    return
  }
  if (!t.enabled) {
    ctx.trace?.push(`trunk ${t.id}: disabled`)
    out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
    return
  }
  const used = ctx.snap.channelsInUse(t.id)
  if (t.maxChannels > 0 && used !== undefined && used >= t.maxChannels) {
    ctx.trace?.push(`trunk ${t.id}: at its channel limit (${used}/${t.maxChannels})`)
    out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
    return
  }
  if (t.nodes.length === 0 || t.nodes.includes(ctx.here.id) || t.nodes.includes(ctx.here.name)) {
    const dial = trunkDial(ctx.tech, t.id, number)
    if (dial === undefined) {
      ctx.trace?.push(`trunk ${t.id}: number ${number} cannot be dialled`)
      out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
      return
    }
    addTrunkLeg(ctx, out, dial, t.id, number, info, undefined)
    return
  }
  if (ctx.inbound) {
    ctx.trace?.push(`trunk ${t.id}: not usable from this node, and a call from another node is not handed on`)
    out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
    return
  }
  const seen = new Set<string>()
  const via: RoutingNode[] = []
  for (const ref of t.nodes) {
    const n = ctx.snap.node(ref)
    if (n === undefined || seen.has(n.id)) continue
    seen.add(n.id)
    if (hopEndpoint(ctx, n) === undefined) { ctx.trace?.push(`trunk ${t.id}: node ${n.name} is ${n.state === 'dead' ? 'dead' : 'not reachable'}`); continue }
    via.push(n)
  }
  via.sort((a, b) => {
    const ra = stateOf(ctx, a) === 'alive' ? 0 : 1
    const rb = stateOf(ctx, b) === 'alive' ? 0 : 1
    return ra !== rb ? ra - rb : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  })
  if (via.length === 0) {
    ctx.trace?.push(`trunk ${t.id}: usable only from ${t.nodes.join(', ')}, none reachable`)
    out.fail({ status: 'CONGESTION', reason: 'nodes-down' })
    return
  }
  for (const n of via) {
    const dial = endpointDial(ctx.tech, hopEndpoint(ctx, n)!, hopExten({ kind: 'trunk', trunk: t.id, number }))
    if (dial !== undefined) addTrunkLeg(ctx, out, dial, t.id, number, info, n.name)
  }
}

/** A provider's trunks in order, with its number rewriting. */
export function providerAlternatives (ctx: DecisionCtx, out: Alternatives, p: ProviderView, number: string, cost?: number, route?: string): void {
  if (!p.enabled) {
    ctx.trace?.push(`provider ${p.id}: disabled`)
    out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
    return
  }
  const sent = rewrite(number, p.strip, p.prepend)
  if (sent === '') {
    ctx.trace?.push(`provider ${p.id}: rewriting leaves no number`)
    out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
    return
  }
  ctx.trace?.push(`provider ${p.id}${cost !== undefined ? ` (cost ${cost})` : ''}: sends ${sent}`)
  if (p.trunks.length === 0) out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
  for (const trunk of p.trunks) {
    if (out.full) return
    trunkAlternatives(ctx, out, trunk, sent, { provider: p.id, cost, route })
  }
}

/** Least-cost routing over all providers, or over `only`. */
export function lcrAlternatives (ctx: DecisionCtx, out: Alternatives, number: string, only?: readonly string[], route?: string): void {
  const allowed = only === undefined ? undefined : new Set(only)
  const offers: Array<{ p: ProviderView, cost: number, prefix: string }> = []
  for (const r of ctx.snap.providerRates(number)) {
    if (allowed !== undefined && !allowed.has(r.provider)) continue
    const p = ctx.snap.provider(r.provider)
    if (p !== undefined) offers.push({ p, cost: r.cost, prefix: r.prefix })
  }
  if (offers.length === 0) {
    ctx.trace?.push(`lcr: no provider has a prefix for ${number}`)
    out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
    return
  }
  offers.sort((a, b) => a.cost - b.cost || a.p.priority - b.p.priority || (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0))
  ctx.trace?.push(`lcr: ${offers.map((o) => `${o.p.id} ${JSON.stringify(o.prefix)}=${o.cost}`).join(', ')}`)
  for (const o of offers) {
    if (out.full) return
    providerAlternatives(ctx, out, o.p, number, o.cost, route)
  }
}
