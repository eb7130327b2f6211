/**
 * The routing decision: `decideRoute(snapshot, request, { now })`, a pure
 * function of its inputs that never throws.
 *
 * Order:
 *  0. the request's node (default: this one), driver and context; in the
 *     inbound context (calls handed over by another node) only this node's
 *     registrations and trunks are used, and the hop extensions
 *     `u~…`/`d~…`/`t~…~…` are accepted (dialstring.ts);
 *  1. the number is a user's extension → that user's devices, where they are
 *     registered now (reach.ts) — OK, or UNAVAILABLE/BUSY; never a route;
 *  2. otherwise the best matching routes (route-index.ts) — those of the most
 *     specific tier, in priority order, each contributing its alternatives
 *     (user, device, trunk, provider or LCR, lcr.ts) after its rewriting;
 *  3. no route → NOTFOUND.
 * When nothing can be dialled the most actionable failure of all candidates is
 * answered (BUSY, then CONGESTION, then UNAVAILABLE, then NOTFOUND).
 */
import { Alternatives, type DecisionCtx, type Failure } from './context.js'
import { HOP_SEPARATOR, isDialSafe, parseHop } from './dialstring.js'
import { lcrAlternatives, providerAlternatives, trunkAlternatives } from './lcr.js'
import { rewrite } from './normalize.js'
import { stripDashes } from './pattern.js'
import { reachDevices, reachUser, type Reached } from './reach.js'
import { isValidExten, parseRouteRequest } from './request.js'
import type { RouteDecision, RouteFail, RouteOk, RouteRequest, RoutingSnapshot } from './types.js'

export interface DecideOptions {
  /** current time, Unix milliseconds: registrations expiring at or before it are ignored */
  now: number
  /** fill `why` (for JSON answers); off on the hot path */
  trace?: boolean
}

type Matched = RouteOk['matched']

interface Frame {
  readonly exten: string
  readonly node: string | undefined
  readonly context: string | undefined
  readonly why: readonly string[]
}

/** The `why` of untraced decisions: shared, empty, frozen. */
const NO_WHY: readonly string[] = Object.freeze([])

// Results are built with every key present (undefined when absent): one object shape, cheap to make.
function failWith (f: Frame, failure: Failure, matched?: Matched): RouteFail {
  return { status: failure.status, reason: failure.reason, exten: f.exten, node: f.node, context: f.context, matched, why: f.why }
}

function finish (f: Frame, out: Alternatives, reason: RouteOk['reason'], matched: Matched, fallback: Failure): RouteDecision {
  if (out.list.length === 0) return failWith(f, out.failure ?? fallback, matched)
  return {
    status: 'OK',
    reason,
    exten: f.exten,
    node: f.node,
    context: f.context,
    matched,
    alternatives: out.list,
    timeout: out.list[0]!.timeout,
    why: f.why
  }
}

function take (out: Alternatives, r: Reached, route?: string): void {
  if (r.alternative !== undefined) out.add(route !== undefined ? { ...r.alternative, route } : r.alternative)
  else if (r.failure !== undefined) out.fail(r.failure)
}

const MISSING: Failure = { status: 'NOTFOUND', reason: 'target-missing' }

/** `checked`: the exten already passed `isValidExten` (routeFromParams), so a plain number needs no second look. */
function decide (snap: RoutingSnapshot, req: RouteRequest, now: number, why: string[] | undefined, checked: boolean): RouteDecision {
  const here = req.node === undefined ? snap.self() : snap.node(req.node)
  if (here === undefined) {
    why?.push(`unknown node ${req.node ?? ''}`)
    return failWith({ exten: req.exten, node: undefined, context: req.context, why: why ?? NO_WHY }, { status: 'INVALID', reason: 'unknown-node' })
  }
  const f: Frame = { exten: req.exten, node: here.name, context: req.context, why: why ?? NO_WHY }
  const inbound = req.context !== undefined && req.context === snap.settings.inboundContext
  const ctx: DecisionCtx = { snap, here, tech: req.tech ?? here.tech ?? snap.settings.tech, now, inbound, trace: why }
  ctx.trace?.push(`node ${here.name}, ${ctx.tech}${req.from !== undefined ? `, from ${req.from}` : ''}${inbound ? ', call from another node: local registrations and trunks only' : ''}`)
  const out = new Alternatives(snap.settings.maxAlternatives)

  if (!checked || req.exten.includes(HOP_SEPARATOR)) {
    const hop = parseHop(req.exten)
    if (hop === undefined || !isValidExten(req.exten)) return failWith(f, { status: 'INVALID', reason: 'invalid-exten' })
    if (hop.kind !== 'exten') {
      if (!inbound) {
        ctx.trace?.push(`${req.exten} is a hand-over extension, accepted only in context ${snap.settings.inboundContext}`)
        return failWith(f, { status: 'INVALID', reason: 'invalid-exten' })
      }
      const matched: Matched = { kind: 'hop', id: req.exten }
      if (hop.kind === 'trunk') {
        trunkAlternatives(ctx, out, hop.trunk, hop.number, isDialSafe(hop.number))
      } else if (hop.kind === 'user') {
        const u = snap.user(hop.user)
        if (u === undefined) out.fail(MISSING)
        else take(out, reachUser(ctx, u))
      } else {
        const d = snap.device(hop.device)
        if (d === undefined) out.fail(MISSING)
        else take(out, reachDevices(ctx, [d]))
      }
      return finish(f, out, 'hop', matched, MISSING)
    }
  }

  const number = stripDashes(req.exten)
  const user = snap.userByExtension(number)
  if (user !== undefined) {
    ctx.trace?.push(`${number} is an extension of user ${user.id}`)
    take(out, reachUser(ctx, user, number))
    return finish(f, out, 'user', { kind: 'user', id: user.id }, { status: 'UNAVAILABLE', reason: 'not-registered' })
  }

  const matches = snap.matchRoutes(number, req.context)
  if (matches.length === 0) {
    ctx.trace?.push(`no user has extension ${number} and no route matches it`)
    return failWith(f, { status: 'NOTFOUND', reason: 'no-match' })
  }
  const best = matches[0]!
  for (const m of matches) {
    if (m.tier !== best.tier || out.full) break
    const r = m.route
    const n = rewrite(number, r.strip, r.prepend)
    ctx.trace?.push(`route ${r.id} (${r.pattern}${m.exact ? ', exact' : ''}${m.scoped ? `, context ${r.context ?? ''}` : ''}, priority ${r.priority}) → ${r.target.kind}${n !== number ? `, number ${n}` : ''}`)
    const t = r.target
    switch (t.kind) {
      case 'user': {
        const u = snap.user(t.user)
        if (u === undefined) { ctx.trace?.push(`user ${t.user}: no such user`); out.fail(MISSING) } else take(out, reachUser(ctx, u), r.id)
        break
      }
      case 'device': {
        const d = snap.device(t.device)
        if (d === undefined) { ctx.trace?.push(`device ${t.device}: no such device`); out.fail(MISSING) } else take(out, reachDevices(ctx, [d]), r.id)
        break
      }
      case 'trunk':
        if (n === '') out.fail({ status: 'NOTFOUND', reason: 'no-provider' })
        else trunkAlternatives(ctx, out, t.trunk, n, isDialSafe(n), undefined, undefined, r.id)
        break
      case 'provider': {
        const p = snap.provider(t.provider)
        if (p === undefined) { ctx.trace?.push(`provider ${t.provider}: no such provider`); out.fail(MISSING); break }
        const rate = snap.lcrOffers(n).find((o) => o.provider.id === p.id)
        providerAlternatives(ctx, out, p, n, isDialSafe(n), rate?.cost, r.id)
        break
      }
      case 'lcr':
        lcrAlternatives(ctx, out, n, t.providers, r.id)
        break
    }
  }
  return finish(f, out, 'route', { kind: 'route', id: best.route.id, pattern: best.route.pattern }, { status: 'NOTFOUND', reason: 'no-match' })
}

/** Decides how to route `request`; bad input and internal faults become a status, never an exception. */
export function decideRoute (snap: RoutingSnapshot, request: RouteRequest, opts: DecideOptions): RouteDecision {
  return decideSafely(snap, request, opts, false)
}

function decideSafely (snap: RoutingSnapshot, request: RouteRequest, opts: DecideOptions, checked: boolean): RouteDecision {
  const why = opts.trace === true ? [] as string[] : undefined
  try {
    if (typeof request !== 'object' || request === null || typeof request.exten !== 'string') {
      why?.push('no exten')
      return { status: 'INVALID', reason: 'invalid-exten', exten: '', why: why ?? [] }
    }
    return decide(snap, request, typeof opts.now === 'number' ? opts.now : Number.NaN, why, checked)
  } catch (err) {
    why?.push(`internal error: ${err instanceof Error ? err.message : String(err)}`)
    return { status: 'ERROR', reason: 'internal', exten: typeof request?.exten === 'string' ? request.exten : '', why: why ?? [] }
  }
}

/** Parses raw `/route` parameters and decides: what the HTTP plugin calls per request. */
export function routeFromParams (snap: RoutingSnapshot, params: unknown, opts: DecideOptions): RouteDecision {
  const parsed = parseRouteRequest(params)
  if (!parsed.ok) {
    return { status: 'INVALID', reason: parsed.reason, exten: parsed.exten, why: opts.trace === true ? [parsed.message] : [] }
  }
  const d = decideSafely(snap, parsed.request, opts, true)
  if (parsed.ignored.length > 0 && opts.trace === true) (d.why as string[]).unshift(`ignored parameters: ${parsed.ignored.join(', ')}`)
  return d
}
