import t from 'tap'
import fc from 'fast-check'
import { applyEntry, type Entry, type Hlc, type RecordState, type WriterTag } from '@federator/core'
import { decodeState, encodeState } from '../src/state-codec.js'

const RUNS = Number(process.env.FC_RUNS ?? 300)
const WRITERS = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'] as WriterTag[]

const entry = fc.record({
  op: fc.constantFrom('put', 'patch', 'del'),
  hlc: fc.integer({ min: 1, max: 40 }),
  writer: fc.constantFrom(...WRITERS),
  set: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'name'), fc.oneof(fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 2 })), { maxKeys: 3 }),
  unset: fc.subarray(['a', 'b', 'c']),
  ctx: fc.dictionary(fc.constantFrom(...WRITERS), fc.integer({ min: 0, max: 40 }), { maxKeys: 3 })
}).map((e): Entry => ({
  op: e.op as Entry['op'], type: 'user', id: 'u1', hlc: e.hlc as Hlc, writer: e.writer,
  ...(e.op !== 'del' ? { set: e.set } : {}), ...(e.op === 'patch' ? { unset: e.unset } : {}), ctx: e.ctx as Record<string, Hlc>
}))

t.test('a merge state survives its stored form unchanged (versions, knowledge, losers)', async (t) => {
  let conflicted = 0
  fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 12 }), fc.boolean(), (entries, c) => {
    let s: RecordState | undefined
    for (const e of entries) s = applyEntry(s, structuredClone(e))
    const d = new Uint8Array(32).fill(entries.length)
    const back = decodeState('user', 'u1', encodeState(c ? { s: s!, d, c: true } : { s: s!, d }))
    if (Object.values(s!.fields).some((f) => f.lo !== undefined)) conflicted++
    t.same(back.s, s)
    t.same([...back.d], [...d])
    t.equal(back.c, c ? true : undefined)
  }), { numRuns: RUNS })
  t.ok(conflicted > 0, 'some states held lost concurrent writes')
})
