import t from 'tap'
import fc from 'fast-check'
import { RouteIndex, compareExtensions, extensionMatches, type RouteView } from '../../src/index.js'
import { RUNS, digitsArb, generalise, numberArb, patternArb } from './arbitraries.js'

const route = (id: string, pattern: string, extra: Partial<RouteView> = {}): RouteView =>
  ({ id, pattern, target: { kind: 'lcr' }, priority: 0, strip: 0, prepend: '', enabled: true, ...extra })

const ids = (idx: RouteIndex, n: string, ctx?: string): string[] => idx.matchAll(n, ctx).map((m) => m.route.id)
const best = (idx: RouteIndex, n: string, ctx?: string): string[] => idx.match(n, ctx).map((m) => m.route.id)

t.test('most specific first, then priority, then id', async (t) => {
  const idx = new RouteIndex([
    route('any', '_X.'), route('uk', '_0044X.'), route('uk-mobile', '_00447XXXXXXXXX'), route('uk2', '_0044X.', { priority: -1 }),
    route('zero', '_0X.'), route('op', '0'), route('off', '_00X.', { enabled: false })
  ])
  t.same(ids(idx, '00447700900123'), ['uk-mobile', 'uk2', 'uk', 'zero', 'op', 'any'])
  t.same(ids(idx, '0'), ['op'], 'plain route equal to the number')
  t.same(ids(idx, '0123'), ['zero', 'op', 'any'], 'plain "0" ranks as _0. for longer numbers')
  t.same(ids(idx, '123'), ['any'])
  t.same(ids(idx, '1'), [], '_X. needs two characters')
  const m = idx.matchAll('00447700900123', undefined)
  t.same(m.map((x) => x.tier), [0, 1, 1, 2, 3, 4], 'equal patterns share a tier')
  t.same(best(idx, '00447700900123'), ['uk-mobile'], 'match() gives the best tier')
  t.same(best(idx, '00447700900'), ['uk2', 'uk'], 'in priority order')
  t.same(best(idx, '0'), ['op'])
})

t.test('plain routes: exact like a literal extension, prefix for longer numbers; _digits is exact only', async (t) => {
  const idx = new RouteIndex([route('plain', '100'), route('exact', '_100'), route('pat', '_1XX')])
  t.same(idx.matchAll('100', undefined).map((m) => [m.route.id, m.exact]), [['plain', true], ['exact', false], ['pat', false]])
  t.same(best(idx, '100'), ['plain'])
  t.same(ids(idx, '1001'), ['plain'])
  t.same(ids(idx, '10'), [])
})

t.test('context scoping: scoped routes first, others only for their context', async (t) => {
  const idx = new RouteIndex([route('gen', '_911'), route('local', '_X.', { context: 'sales' }), route('other', '_9XX', { context: 'ops' })])
  t.same(ids(idx, '911', 'sales'), ['local', 'gen'])
  t.same(ids(idx, '911', 'ops'), ['other', 'gen'])
  t.same(ids(idx, '911', undefined), ['gen'])
})

t.test('invalid patterns are left out and reported; updates and deletes', async (t) => {
  const idx = new RouteIndex([route('bad', '_[12'), route('ok', '_1X')])
  t.equal(idx.size, 1)
  t.match(idx.invalid().get('bad'), /no "]"/)
  idx.put(route('bad', '_1[2]'))
  t.equal(idx.invalid().size, 0)
  t.same(ids(idx, '12'), ['bad', 'ok'])
  idx.put(route('ok', '_2X'))
  t.same(ids(idx, '12'), ['bad'])
  idx.delete('bad')
  idx.delete('nope')
  t.same(ids(idx, '12'), [])
  t.same(ids(idx, '23'), ['ok'])
})

// ---- property: the index equals a brute-force scan ------------------------------------------

const routeArb = fc.record({
  pattern: fc.oneof({ weight: 3, arbitrary: patternArb.map((p) => p.text) }, { weight: 1, arbitrary: digitsArb }),
  priority: fc.integer({ min: -2, max: 2 }),
  context: fc.constantFrom(undefined, 'a', 'b'),
  enabled: fc.boolean().map((b) => b || Math.random() < 0.8)
})

function brute (routes: RouteView[], n: string, ctx: string | undefined): string[] {
  const hits = routes.filter((r) => r.enabled && (r.context === undefined || r.context === ctx)).flatMap((r) => {
    if (r.pattern.startsWith('_')) return extensionMatches(r.pattern, n) ? [{ r, exact: false, eff: r.pattern }] : []
    if (n === r.pattern) return [{ r, exact: true, eff: r.pattern }]
    return n.startsWith(r.pattern) ? [{ r, exact: false, eff: '_' + r.pattern + '.' }] : []
  })
  hits.sort((a, b) => {
    const sa = a.r.context !== undefined
    const sb = b.r.context !== undefined
    if (sa !== sb) return sa ? -1 : 1
    if (a.exact !== b.exact) return a.exact ? -1 : 1
    return (a.exact ? 0 : compareExtensions(a.eff, b.eff)) || a.r.priority - b.r.priority || (a.r.id < b.r.id ? -1 : 1)
  })
  return hits.map((h) => h.r.id)
}

const toViews = (rs: Array<{ pattern: string, priority: number, context: string | undefined, enabled: boolean }>): RouteView[] =>
  rs.map((r, i) => route('r' + String(i).padStart(3, '0'), r.pattern, {
    priority: r.priority, enabled: r.enabled, ...(r.context !== undefined ? { context: r.context } : {})
  }))

t.test('property: index lookups equal a brute-force scan (any expansion budget)', async () => {
  fc.assert(fc.property(
    fc.array(routeArb, { minLength: 1, maxLength: 40 }),
    fc.array(fc.oneof(numberArb, digitsArb), { minLength: 1, maxLength: 15 }),
    fc.constantFrom(undefined, 'a', 'b'),
    fc.constantFrom(1, 7, 100, 10000),
    (rs, numbers, ctx, budget) => {
      const views = toViews(rs)
      const idx = new RouteIndex(views, { expandBudget: budget })
      for (const n of numbers) {
        const got = ids(idx, n, ctx)
        const want = brute(views, n, ctx)
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${n}: ${got.join()} != ${want.join()}`)
        const all = idx.matchAll(n, ctx)
        const tier0 = all.filter((m) => m.tier === 0).map((m) => m.route.id)
        const top = best(idx, n, ctx)
        if (JSON.stringify(top) !== JSON.stringify(tier0)) throw new Error(`best ${n}: ${top.join()} != ${tier0.join()}`)
      }
      return true
    }), { numRuns: RUNS })
})

t.test('property: incremental updates equal a fresh build', async () => {
  fc.assert(fc.property(
    fc.array(routeArb, { minLength: 1, maxLength: 30 }),
    fc.array(fc.tuple(fc.nat(40), fc.option(routeArb, { nil: undefined })), { maxLength: 30 }),
    fc.array(fc.oneof(numberArb, digitsArb), { minLength: 1, maxLength: 10 }),
    (rs, ops, numbers) => {
      const views = new Map(toViews(rs).map((v) => [v.id, v]))
      const idx = new RouteIndex(views.values(), { expandBudget: 20 })
      for (const [k, r] of ops) {
        const id = 'r' + String(k).padStart(3, '0')
        if (r === undefined) { idx.delete(id); views.delete(id); continue }
        const v = route(id, r.pattern, { priority: r.priority, enabled: r.enabled, ...(r.context !== undefined ? { context: r.context } : {}) })
        idx.put(v)
        views.set(id, v)
      }
      const fresh = new RouteIndex(views.values())
      return numbers.every((n) => JSON.stringify(ids(idx, n, 'a')) === JSON.stringify(ids(fresh, n, 'a')) &&
        JSON.stringify(best(idx, n, 'a')) === JSON.stringify(best(fresh, n, 'a')))
    }), { numRuns: RUNS })
})

t.test('property: with many overlapping routes, match() is the best tier of matchAll()', async () => {
  const arb = fc.array(digitsArb, { minLength: 1, maxLength: 4 }).chain((bases) => fc.tuple(
    fc.constant(bases),
    fc.array(fc.tuple(fc.constantFrom(...bases).chain((b) => fc.oneof(generalise(b), fc.constant(b.slice(0, 1 + (b.length >> 1))))),
      fc.integer({ min: 0, max: 2 }), fc.constantFrom(undefined, 'a')), { minLength: 1, maxLength: 60 })
  ))
  fc.assert(fc.property(arb, fc.constantFrom(2, 100), ([bases, rs], budget) => {
    const views = rs.map(([pattern, priority, context], i) => route('r' + String(i).padStart(3, '0'), pattern, { priority, ...(context !== undefined ? { context } : {}) }))
    const idx = new RouteIndex(views, { expandBudget: budget })
    return bases.every((n) => [undefined, 'a'].every((ctx) => {
      const want = brute(views, n, ctx)
      const all = idx.matchAll(n, ctx)
      const tier0 = all.filter((m) => m.tier === 0).map((m) => m.route.id)
      return JSON.stringify(all.map((m) => m.route.id)) === JSON.stringify(want) && JSON.stringify(best(idx, n, ctx)) === JSON.stringify(tier0)
    }))
  }), { numRuns: RUNS })
})
