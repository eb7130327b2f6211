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

t.test('any JSON field value survives the stored form exactly, as msgpackr reads it', async (t) => {
  // values as JSON brings them: unicode and long strings, integers of every msgpack width, HLC-sized and
  // fractional numbers, nested arrays and objects; field names of any length
  const num = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.constantFrom(0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 1.5e15, Number.MAX_SAFE_INTEGER))
  const str = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ minLength: 30, maxLength: 300 }), fc.string({ minLength: 70000, maxLength: 70001 }).map((s) => s.slice(0, 70000)))
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, str, num, fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }))
  })).v
  const name = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,39}$/) // field names as the schemas have them
  fc.assert(fc.property(fc.dictionary(name, value, { minKeys: 1, maxKeys: 5 }), fc.integer({ min: 1, max: 2 ** 50 }), (set, hlc) => {
    const s = applyEntry(undefined, { op: 'put', type: 'user', id: 'u1', hlc: hlc as Hlc, writer: WRITERS[0]!, set: set as Entry['set'], ctx: {} })
    const back = decodeState('user', 'u1', encodeState({ s, d: new Uint8Array(32) }))
    t.same(back.s, s)
  }), { numRuns: Math.min(RUNS, 100) })
})
