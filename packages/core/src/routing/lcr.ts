/**
 * External numbers: trunks, providers and least-cost routing.
 *
 * LCR: every provider's rate for the number is its longest matching prefix
 * (prefix-index.ts); providers are tried by cost, then priority (lower
 * first), then id; within a provider its trunks in the listed order. Disabled
 * providers and trunks, trunks at their channel limit (`maxChannels` > 0 and
 * the known count reached), providers at theirs (the sum over their trunks)
 * and trunks that cannot be reached are skipped. Channel counts are the
 * cluster's (live call state: every node's calls per trunk, summed).
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
import type { Alternatives, DecisionCtx } from './context.js'
import { isDialSafe } from './dialstring.js'
import { rewrite } from './normalize.js'
import { trunkPlan } from './plans.js'
import type { DialLeg, ProviderView } from './types.js'

function addTrunkLeg (ctx: DecisionCtx, out: Alternatives, dial: string, trunk: string, number: string,
  provider: string | undefined, cost: number | undefined, route: string | undefined, via: string | undefined): void {
  // fixed object shapes (absent fields undefined): this is the hot path of external calls
  const leg: DialLeg = { dial, user: undefined, device: undefined, trunk, provider, number, cost, via }
  const added = out.add({ dial, timeout: ctx.snap.settings.trunkTimeout, kind: 'trunk', legs: [leg], route })
  if (added) ctx.trace?.push(`alternative ${out.list.length}: ${dial}`)
}

/**
 * `number` out on trunk `trunkId`, directly or through the nodes that can use
 * it. `numberSafe` is `isDialSafe(number)`, worked out once by the caller.
 */
export function trunkAlternatives (ctx: DecisionCtx, out: Alternatives, trunkId: string, number: string, numberSafe: boolean,
  provider?: string, cost?: number, route?: string): void {
  const plan = trunkPlan(ctx, trunkId)
  const t = plan.trunk
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
  if (t.maxChannels > 0) {
    const used = ctx.snap.channelsInUse(t.id)
    if (used !== undefined && used >= t.maxChannels) {
      ctx.trace?.push(`trunk ${t.id}: at its channel limit (${used}/${t.maxChannels})`)
      out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
      return
    }
  }
  if (plan.direct) {
    if (!plan.safe || !numberSafe) {
      ctx.trace?.push(`trunk ${t.id}: number ${number} cannot be dialled`)
      out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
      return
    }
    // = trunkDial(tech, t.id, number), its pieces checked above
    const dial = ctx.tech === 'PJSIP' ? 'PJSIP/' + number + '@' + t.id : 'SIP/' + t.id + '/' + number
    addTrunkLeg(ctx, out, dial, t.id, number, provider, cost, route, undefined)
    return
  }
  if (ctx.inbound) {
    ctx.trace?.push(`trunk ${t.id}: not usable from this node, and a call from another node is not handed on`)
    out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
    return
  }
  if (ctx.trace !== undefined) for (const line of plan.skipped) ctx.trace.push(line)
  if (plan.via.length === 0) {
    ctx.trace?.push(`trunk ${t.id}: usable only from ${t.nodes.join(', ')}, none reachable`)
    out.fail({ status: 'CONGESTION', reason: 'nodes-down' })
    return
  }
  // = endpointDial(tech, endpoint, hopExten({ kind: 'trunk', trunk: t.id, number })): endpoints are dial-safe by
  // construction, the hop extension is when its pieces are (an unsafe one drops every leg, as it always did)
  if (!plan.hopSafe || !(numberSafe || number === '')) return
  for (const v of plan.via) {
    const dial = ctx.tech === 'PJSIP' ? 'PJSIP/t~' + t.id + '~' + number + '@' + v.endpoint : 'SIP/' + v.endpoint + '/t~' + t.id + '~' + number
    addTrunkLeg(ctx, out, dial, t.id, number, provider, cost, route, v.node.name)
  }
}

/**
 * A provider's trunks in order, with its number rewriting. `numberSafe` is
 * `isDialSafe(number)` (reused when the provider does not rewrite).
 */
export function providerAlternatives (ctx: DecisionCtx, out: Alternatives, p: ProviderView, number: string, numberSafe: boolean, cost?: number, route?: string): void {
  if (!p.enabled) {
    ctx.trace?.push(`provider ${p.id}: disabled`)
    out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
    return
  }
  const sent = p.strip === 0 && p.prepend === '' ? number : rewrite(number, p.strip, p.prepend)
  if (sent === '') {
    ctx.trace?.push(`provider ${p.id}: rewriting leaves no number`)
    out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
    return
  }
  if (p.maxChannels > 0) {
    let used = 0
    for (const t of p.trunks) used += ctx.snap.channelsInUse(t) ?? 0
    if (used >= p.maxChannels) {
      ctx.trace?.push(`provider ${p.id}: at its channel limit (${used}/${p.maxChannels})`)
      out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
      return
    }
  }
  ctx.trace?.push(`provider ${p.id}${cost !== undefined ? ` (cost ${cost})` : ''}: sends ${sent}`)
  if (p.trunks.length === 0) out.fail({ status: 'CONGESTION', reason: 'trunks-unavailable' })
  const safe = sent === number ? numberSafe : isDialSafe(sent)
  for (const trunk of p.trunks) {
    if (out.full) return
    trunkAlternatives(ctx, out, trunk, sent, safe, p.id, cost, route)
  }
}

/** Least-cost routing over all providers, or over `only`. */
export function lcrAlternatives (ctx: DecisionCtx, out: Alternatives, number: string, only?: readonly string[], route?: string): void {
  // every provider's longest prefix, already in LCR order (memoised by the snapshot)
  const offers = ctx.snap.lcrOffers(number)
  let any = false
  for (const o of offers) if (only === undefined || only.includes(o.provider.id)) { any = true; break }
  if (!any) {
    ctx.trace?.push(`lcr: no provider has a prefix for ${number}`)
    out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
    return
  }
  if (ctx.trace !== undefined) {
    const shown = offers.filter((o) => only === undefined || only.includes(o.provider.id))
    ctx.trace.push(`lcr: ${shown.map((o) => `${o.provider.id} ${JSON.stringify(o.prefix)}=${o.cost}`).join(', ')}`)
  }
  const safe = isDialSafe(number)
  for (const o of offers) {
    if (out.full) return
    if (only !== undefined && !only.includes(o.provider.id)) continue
    providerAlternatives(ctx, out, o.provider, number, safe, o.cost, route)
  }
}
