import t from 'tap'
import fc from 'fast-check'
import {
  applyEntry, compareVersion, conflictsOf, isAlive, knowledgeOf, viewHashOf, visibleFields, canonical, deepEqual,
  type Entry, type Hlc, type RecordState, type Value, type Version, type WriterTag
} from '../src/index.js'
import { runSim, commandsArb, TAGS } from './sim.js'

const RUNS = Number(process.env.FC_RUNS ?? 1000)

function reduce (entries: Entry[]): Map<string, RecordState> {
  const m = new Map<string, RecordState>()
  for (const e of entries) {
    const k = e.type + '/' + e.id
    m.set(k, applyEntry(m.get(k), structuredClone(e)))
  }
  return m
}

const hashOf = (entries: Entry[]): string => viewHashOf(reduce(entries).values())

/** A naive reference of the conflict rule, computed from the whole entry set. */
function naiveConflicts (all: Entry[]): Array<{ field: string, losers: string[] }> {
  const uniq = new Map<string, Entry>()
  for (const e of all) uniq.set(e.hlc + e.writer, e)
  const entries = [...uniq.values()]
  const ver = (e: Entry): Version => [e.hlc, e.writer]
  const knew = (e: Entry, w: Entry): boolean => (knowledgeOf(e)[w.writer] ?? -1) >= w.hlc
  const life = entries.filter((e) => e.op !== 'patch')
  const maxOf = (xs: Entry[]) => xs.reduce<Entry | undefined>((m, e) => m === undefined || compareVersion(ver(e), ver(m)) > 0 ? e : m, undefined)
  const lw = maxOf(life)
  const alive = lw?.op === 'put'
  const out: Array<{ field: string, losers: string[] }> = []
  if (lw !== undefined) {
    const losers = life.filter((w) => w !== lw && !life.some((e) => knew(e, w)) && (w.op === 'put') !== alive)
    if (losers.length > 0) out.push({ field: '$', losers: losers.map((w) => w.hlc + w.writer).sort() })
  }
  const names = new Set(entries.flatMap((e) => [...Object.keys(e.set ?? {}), ...(e.unset ?? [])]))
  for (const f of [...names].sort()) {
    const writes = entries.filter((e) => e.op !== 'del' && (e.set?.[f] !== undefined || e.unset?.includes(f)))
    const valueOf = (e: Entry): Value => e.set?.[f] ?? null
    const m = maxOf(writes)!
    const vis = alive && valueOf(m) !== null && compareVersion(ver(m), ver(lw!)) >= 0
    const shown = vis ? valueOf(m) : null
    const hiders = [...writes, ...life]
    const losers = writes.filter((w) => {
      const hidden = w !== m || (!vis && valueOf(w) !== null && lw !== undefined)
      return hidden && !hiders.some((e) => knew(e, w)) && !deepEqual(valueOf(w), shown)
    })
    if (losers.length > 0) out.push({ field: f, losers: losers.map((w) => w.hlc + w.writer).sort() })
  }
  return out
}

t.test('any permutation and duplication of the same entries gives the same view hash', async (t) => {
  fc.assert(fc.property(
    commandsArb,
    fc.infiniteStream(fc.nat()),
    (commands, rnd) => {
      const { entries } = runSim(commands)
      const expected = hashOf(entries)
      const shuffled = [...entries, ...entries.filter(() => (rnd.next().value as number) % 3 === 0)]
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = (rnd.next().value as number) % (i + 1)
        ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
      }
      return hashOf(shuffled) === expected
    }), { numRuns: RUNS })
  t.pass('1000 runs')
})

t.test('nodes that have applied the same entries show the same view', async (t) => {
  fc.assert(fc.property(commandsArb, (commands) => {
    const { nodes } = runSim([...commands, ...[0, 1, 2, 3].flatMap((to) => [0, 1, 2, 3].map((from) => ({ kind: 'sync' as const, from, to }))), ...[0, 1, 2, 3].flatMap((to) => [0, 1, 2, 3].map((from) => ({ kind: 'sync' as const, from, to })))])
    const hashes = nodes.map((n) => viewHashOf(n.states.values()))
    return hashes.every((h) => h === hashes[0])
  }), { numRuns: RUNS })
  t.pass('converged')
})

t.test('the incremental conflicts equal the reference definition', async (t) => {
  fc.assert(fc.property(commandsArb, (commands) => {
    const { entries } = runSim(commands)
    for (const [key, state] of reduce(entries)) {
      const mine = entries.filter((e) => e.type + '/' + e.id === key)
      const got = conflictsOf(state).map((c) => ({ field: c.field, losers: c.losers.map((l) => l.hlc + l.writer).sort() }))
      if (canonical(got) !== canonical(naiveConflicts(mine))) return false
    }
    return true
  }), { numRuns: RUNS })
  t.pass('same as the reference')
})

t.test('a delete is never undone by an older write', async (t) => {
  fc.assert(fc.property(commandsArb, fc.nat(), (commands, pick) => {
    const { entries } = runSim(commands)
    const dels = entries.filter((e) => e.op === 'del')
    if (dels.length === 0) return true
    const d = dels[pick % dels.length]!
    // every entry on d's record that is not newer than d: the record must stay deleted
    const older = entries.filter((e) => e.id === d.id && compareVersion([e.hlc, e.writer], [d.hlc, d.writer]) <= 0)
    return !isAlive(reduce(older).get('device/' + d.id)) && !isAlive(reduce([...older].reverse()).get('device/' + d.id))
  }), { numRuns: RUNS })
  t.pass('deletes stay')
})

const W1 = TAGS[0]!
const W2 = TAGS[1]!
const e = (x: Partial<Entry> & Pick<Entry, 'op' | 'hlc' | 'writer'>): Entry => ({ type: 'user', id: 'alice', ...x })

t.test('concurrent edits of one field are a conflict, sequential ones are not', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.string(), fc.string(), (d1, d2, v1, v2) => {
    fc.pre(v1 !== v2)
    const create = e({ op: 'put', hlc: 1000 as Hlc, writer: W1, set: { name: 'A' } })
    const ctx = { [W1]: 1000 as Hlc }
    const a = e({ op: 'patch', hlc: (1000 + d1) as Hlc, writer: W1, set: { name: v1 } })
    const b = e({ op: 'patch', hlc: (1000 + d2) as Hlc, writer: W2, set: { name: v2 }, ctx })
    const concurrent = conflictsOf(reduce([create, a, b]).get('user/alice'))
    // sequential: b' was written after its writer had applied a
    const later = Math.max(1000 + d1, 1000 + d2) + 1
    const b2 = e({ op: 'patch', hlc: later as Hlc, writer: W2, set: { name: v2 }, ctx: { [W1]: a.hlc } })
    const sequential = conflictsOf(reduce([b2, a, create]).get('user/alice'))
    return concurrent.length === 1 && concurrent[0]!.field === 'name' && concurrent[0]!.losers.length === 1 &&
      sequential.length === 0 && visibleFields(reduce([create, a, b2]).get('user/alice'))?.name === v2
  }), { numRuns: RUNS })
  t.pass('detected')
})

t.test('examples', async (t) => {
  const create = e({ op: 'put', hlc: 10 as Hlc, writer: W1, set: { name: 'A', email: 'a@x' } })
  t.test('a delete concurrent with a newer patch keeps the record deleted and reports the patch', async (t) => {
    const del = e({ op: 'del', hlc: 20 as Hlc, writer: W1 })
    const patch = e({ op: 'patch', hlc: 30 as Hlc, writer: W2, set: { name: 'B' }, ctx: { [W1]: 10 as Hlc } })
    const s = reduce([patch, del, create]).get('user/alice')!
    t.equal(isAlive(s), false)
    t.same(conflictsOf(s).map((c) => [c.field, c.value, c.losers.map((l) => l.value)]), [['name', null, ['B']]])
  })
  t.test('a later put re-creates a deleted record with only its own fields', async (t) => {
    const del = e({ op: 'del', hlc: 20 as Hlc, writer: W1 })
    const put = e({ op: 'put', hlc: 30 as Hlc, writer: W1, set: { name: 'C' } })
    const s = reduce([put, create, del]).get('user/alice')!
    t.same(visibleFields(s), { name: 'C' })
    t.same(conflictsOf(s), [])
  })
  t.test('a field removed by a patch', async (t) => {
    const unset = e({ op: 'patch', hlc: 20 as Hlc, writer: W1, unset: ['email'] })
    t.same(visibleFields(reduce([unset, create]).get('user/alice')), { name: 'A' })
  })
  t.test('tie on the timestamp is broken by the writer', async (t) => {
    const a = e({ op: 'patch', hlc: 20 as Hlc, writer: W1, set: { name: 'from-1' } })
    const b = e({ op: 'patch', hlc: 20 as Hlc, writer: W2 as WriterTag, set: { name: 'from-2' }, ctx: { [W1]: 10 as Hlc } })
    t.equal(visibleFields(reduce([b, a, create]).get('user/alice'))?.name, 'from-2')
    t.equal(visibleFields(reduce([create, a, b]).get('user/alice'))?.name, 'from-2')
  })
})
