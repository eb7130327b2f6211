/**
 * The decision memoises what does not depend on the number: LCR offers per
 * prefix-trie node (prefix-index.ts) and trunk plans per snapshot version
 * (plans.ts). These properties check that a snapshot warmed up by decisions
 * and then changed in arbitrary ways answers exactly like the same state with
 * nothing memoised.
 */
import t from 'tap'
import fc from 'fast-check'
import {
  PrefixIndex, decideRoute, lcrOrder, type LcrOffer, type ProviderView, type RouteRequest, type RoutingSnapshot
} from '../../src/index.js'
import { RUNS } from './arbitraries.js'
import { A, B, C, D, NOW, cluster, contact } from './fixtures.js'
import type { MemorySnapshot } from '../../src/index.js'

const NODE_IDS = [A, B, C, D, 'e'.repeat(64)]
const NODE_NAMES = ['a', 'b', 'c', 'd', 'e']
const TRUNKS = ['t-local', 't-b', 't-c', 't-full', 't-off', 't-bd', 't-new']
const PROVIDERS = ['cheap', 'mid', 'pricey', 'tie', 'off', 'p-new']
const DEVICES = ['alice-desk', 'alice-mobile', 'bob-desk', 'carol-desk', 'carol-soft', 'gina-desk', 'frank-desk']
const PREFIXES = ['', '4', '44', '447', '4477', '33', '0', '7', '77']
const PATTERNS = ['_00X.', '_0044X.', '_X.', '_66X.', '_8X.', '112', '_7X.', '_[1-5]X.', '_NXX', '_2!', '_X1.']
const EXTENS = ['00447700900123', '0044123', '00331234', '66123', '8123', '7447', '112', '1120', '0', '100', '200', '300',
  '123', '2001', '55123', '31', '211', 't~t-b~123', 't~t-bd~99', 't~nope~1', 'd~alice-desk', 'u~bob']

type Op = (s: MemorySnapshot) => void

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constantFrom(...TRUNKS), fc.option(fc.nat(3), { nil: undefined }))
    .map(([id, n]): Op => (s) => { s.setChannels(id, n) }),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(...NODE_NAMES), fc.constantFrom('alive', 'suspect', 'dead') as fc.Arbitrary<'alive' | 'suspect' | 'dead'>, fc.boolean())
    .map(([i, name, state, addr]): Op => (s) => { s.setNode({ id: NODE_IDS[i]!, name, state, ...(addr ? { sipAddress: `10.0.0.${i + 1}` } : {}) }) }),
  fc.integer({ min: 1, max: 4 }).map((i): Op => (s) => { s.removeNode(NODE_IDS[i]!) }),
  fc.tuple(fc.constantFrom(...TRUNKS), fc.boolean(), fc.nat(3), fc.array(fc.constantFrom(...NODE_NAMES, ...NODE_IDS), { maxLength: 3 }))
    .map(([id, enabled, maxChannels, nodes]): Op => (s) => { s.applyChange({ type: 'trunk', id, after: { enabled, maxChannels, nodes } }) }),
  fc.constantFrom(...TRUNKS).map((id): Op => (s) => { s.applyChange({ type: 'trunk', id }) }),
  fc.tuple(fc.constantFrom(...PROVIDERS), fc.array(fc.constantFrom(...TRUNKS), { minLength: 1, maxLength: 2 }),
    fc.array(fc.tuple(fc.constantFrom(...PREFIXES), fc.nat(5)), { maxLength: 4 }), fc.nat(2), fc.boolean(), fc.nat(2), fc.constantFrom('', '+', '0'))
    .map(([id, trunks, prefixes, priority, enabled, strip, prepend]): Op => (s) => {
      s.applyChange({ type: 'provider', id, after: { name: id, trunks, prefixes: prefixes.map(([prefix, cost]) => ({ prefix, cost })), priority, enabled, strip, prepend } })
    }),
  fc.constantFrom(...PROVIDERS).map((id): Op => (s) => { s.applyChange({ type: 'provider', id }) }),
  fc.tuple(fc.nat(6), fc.constantFrom(...PATTERNS), fc.oneof(
    fc.constant({ kind: 'lcr' }), fc.array(fc.constantFrom(...PROVIDERS), { maxLength: 2 }).map((providers) => ({ kind: 'lcr', providers })),
    fc.constantFrom(...TRUNKS).map((trunk) => ({ kind: 'trunk', trunk })), fc.constantFrom(...PROVIDERS).map((provider) => ({ kind: 'provider', provider })),
    fc.constantFrom(...DEVICES).map((device) => ({ kind: 'device', device }))
  ), fc.nat(2), fc.nat(2))
    .map(([k, pattern, target, strip, priority]): Op => (s) => { s.applyChange({ type: 'route', id: `r${k}`, after: { pattern, target, strip, priority } }) }),
  fc.nat(6).map((k): Op => (s) => { s.applyChange({ type: 'route', id: `r${k}` }) }),
  fc.tuple(fc.constantFrom(...DEVICES), fc.nat(4), fc.integer({ min: -1, max: 2 }))
    .map(([device, i, e]): Op => (s) => { s.putContact(contact(device, NODE_IDS[i]!, { expires: NOW + e * 10_000, id: device + ';@' + String(i) })) }),
  fc.tuple(fc.constantFrom(...DEVICES), fc.boolean()).map(([d, busy]): Op => (s) => { s.setBusy(d, busy) })
)

const reqArb: fc.Arbitrary<RouteRequest> = fc.record({
  exten: fc.constantFrom(...EXTENS),
  context: fc.constantFrom(undefined, 'sales', 'federator-inbound'),
  node: fc.constantFrom(undefined, 'b', 'd'),
  tech: fc.constantFrom(undefined, 'SIP' as const)
}).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as RouteRequest)

/** Each provider's longest matching prefix (cheapest on a tie), sorted like LCR: computed afresh, nothing memoised. */
function bruteOffers (views: ReadonlyArray<ProviderView | undefined>, number: string): LcrOffer[] {
  const out: LcrOffer[] = []
  for (const v of views) {
    if (v === undefined) continue
    const hits = v.prefixes.filter((x) => number.startsWith(x.prefix))
    if (hits.length === 0) continue
    const len = Math.max(...hits.map((h) => h.prefix.length))
    const cost = Math.min(...hits.filter((h) => h.prefix.length === len).map((h) => h.cost))
    out.push({ provider: v, prefix: number.slice(0, len), cost })
  }
  return out.sort(lcrOrder)
}

/** The same snapshot seen through a new object (so no memoised plans) whose LCR offers are computed afresh. */
function unmemoised (s: MemorySnapshot): RoutingSnapshot {
  return new Proxy(s, {
    get (target, prop) {
      if (prop === 'lcrOffers') return (n: string) => bruteOffers(PROVIDERS.map((id) => target.provider(id)), n)
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  })
}

t.test('property: after arbitrary updates, memoised decisions equal decisions with nothing memoised', async () => {
  fc.assert(fc.property(fc.array(fc.tuple(opArb, fc.array(reqArb, { maxLength: 3 })), { maxLength: 25 }), fc.array(reqArb, { minLength: 1, maxLength: 6 }), (steps, finals) => {
    const s = cluster()
    for (const [op, reqs] of steps) {
      for (const r of reqs) decideRoute(s, r, { now: NOW }) // warm the memos up
      op(s)
      for (const r of reqs) {
        if (JSON.stringify(decideRoute(s, r, { now: NOW, trace: true })) !== JSON.stringify(decideRoute(unmemoised(s), r, { now: NOW, trace: true }))) return false
      }
    }
    for (const r of finals) {
      const memo = decideRoute(s, r, { now: NOW })
      if (JSON.stringify(memo) !== JSON.stringify(decideRoute(unmemoised(s), r, { now: NOW }))) return false
      const traced = decideRoute(s, r, { now: NOW, trace: true })
      if (JSON.stringify({ ...memo, why: [] }) !== JSON.stringify({ ...traced, why: [] })) return false
    }
    return true
  }), { numRuns: RUNS })
})

t.test('property: prefix index offers stay right through puts and deletes', async () => {
  const provider = (id: string, prefixes: Array<[string, number]>, priority: number): ProviderView =>
    ({ id, name: id, trunks: [], prefixes: prefixes.map(([prefix, cost]) => ({ prefix, cost })), priority, enabled: true, maxChannels: 0, strip: 0, prepend: '' })
  const prefixArb = fc.array(fc.constantFrom('1', '2', '3'), { maxLength: 4 }).map((a) => a.join(''))
  const putArb = fc.tuple(fc.constantFrom('p0', 'p1', 'p2', 'p3'), fc.array(fc.tuple(prefixArb, fc.nat(4)), { maxLength: 5 }), fc.nat(2))
    .map(([id, ps, priority]) => ({ put: provider(id, ps, priority) }))
  const delArb = fc.constantFrom('p0', 'p1', 'p2', 'p3').map((id) => ({ del: id }))
  fc.assert(fc.property(fc.array(fc.tuple(fc.oneof(putArb, delArb), fc.array(prefixArb, { maxLength: 4 })), { maxLength: 20 }), (steps) => {
    const idx = new PrefixIndex()
    const views = new Map<string, ProviderView>()
    for (const [step, numbers] of steps) {
      if ('put' in step) { idx.put(step.put); views.set(step.put.id, step.put) } else { idx.delete(step.del); views.delete(step.del) }
      for (const n of numbers) {
        const got = idx.offers(n).map((o) => `${o.provider.id}:${o.prefix}=${o.cost}`)
        const want = bruteOffers([...views.values()], n).map((o) => `${o.provider.id}:${o.prefix}=${o.cost}`)
        if (JSON.stringify(got) !== JSON.stringify(want)) return false
      }
    }
    return true
  }), { numRuns: RUNS })
})
