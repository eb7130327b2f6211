import t from 'tap'
import fc from 'fast-check'
import { PrefixIndex, type ProviderView } from '../../src/index.js'
import { RUNS } from './arbitraries.js'

const provider = (id: string, prefixes: Array<[string, number]>): ProviderView =>
  ({ id, name: id, trunks: [], prefixes: prefixes.map(([prefix, cost]) => ({ prefix, cost })), priority: 0, enabled: true, maxChannels: 0, strip: 0, prepend: '' })

const rates = (idx: PrefixIndex, n: string): string[] =>
  idx.rates(n).map((r) => `${r.provider}:${r.prefix}=${r.cost}`).sort()

t.test('longest prefix per provider', async (t) => {
  const idx = new PrefixIndex([
    provider('a', [['44', 2], ['447', 5], ['', 9]]),
    provider('b', [['4', 1], ['44', 3], ['44', 1.5]]),
    provider('c', [['33', 1]])
  ])
  t.same(rates(idx, '447700900'), ['a:447=5', 'b:44=1.5'])
  t.same(rates(idx, '4420'), ['a:44=2', 'b:44=1.5'])
  t.same(rates(idx, '49'), ['a:=9', 'b:4=1'])
  t.same(rates(idx, '1'), ['a:=9'])
  idx.delete('a')
  t.same(rates(idx, '1'), [])
  idx.put(provider('b', [['1', 4]]))
  t.same(rates(idx, '4420'), [])
  t.same(rates(idx, '1'), ['b:1=4'])
  t.equal(idx.size, 2)
})

t.test('property: equals a brute-force scan', async () => {
  const prefixArb = fc.array(fc.constantFrom('1', '2', '3'), { maxLength: 4 }).map((a) => a.join(''))
  const provArb = fc.array(fc.tuple(prefixArb, fc.integer({ min: 0, max: 9 })), { maxLength: 12 })
  fc.assert(fc.property(fc.array(provArb, { minLength: 1, maxLength: 6 }), fc.array(prefixArb, { maxLength: 10 }), (ps, numbers) => {
    const views = ps.map((p, i) => provider('p' + String(i), p))
    const idx = new PrefixIndex(views)
    for (const n of numbers) {
      const want = views.flatMap((v) => {
        const hits = v.prefixes.filter((x) => n.startsWith(x.prefix))
        if (hits.length === 0) return []
        const len = Math.max(...hits.map((h) => h.prefix.length))
        const cost = Math.min(...hits.filter((h) => h.prefix.length === len).map((h) => h.cost))
        return [`${v.id}:${n.slice(0, len)}=${cost}`]
      }).sort()
      if (JSON.stringify(rates(idx, n)) !== JSON.stringify(want)) return false
    }
    return true
  }), { numRuns: RUNS })
})
