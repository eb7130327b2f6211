import t from 'tap'
import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { BlockError, decodeBlock, encodeBlock, type Hlc, type NewEntry, type WriterTag } from '../src/index.js'

const W = 'aaaaaaaaaaaaaaaa' as WriterTag
const packr = new Packr({ useRecords: false })

t.test('entries round-trip through a block', async (t) => {
  const entries: NewEntry[] = [
    { op: 'put', type: 'user', id: 'alice', hlc: 1 as Hlc, set: { name: 'Alice', extensions: ['1001'] } },
    { op: 'patch', type: 'user', id: 'alice', hlc: 2 as Hlc, set: { email: 'a@x' }, unset: ['voicemail'], ctx: { bbbbbbbbbbbbbbbb: 7 as Hlc } },
    { op: 'del', type: 'device', id: 'd1', hlc: 3 as Hlc }
  ]
  const { entries: out, bad } = decodeBlock(encodeBlock(entries), W)
  t.same(bad, [])
  t.same(out, entries.map((e) => ({ ...e, writer: W })))
})

t.test('unknown entry fields are kept', async (t) => {
  const buf = packr.pack({ v: 1, e: [{ o: 'p', t: 'user', i: 'a', h: 5, s: { name: 'x' }, future: { z: 1 } }], more: true })
  const { entries } = decodeBlock(buf, W)
  t.same(entries[0]!.extra, { future: { z: 1 } })
})

t.test('malformed entries are reported, the rest of the block is read', async (t) => {
  const buf = packr.pack({
    v: 1,
    e: [
      { o: 'p', t: 'user', i: 'ok', h: 5, s: { name: 'x' } },
      { o: 'x', t: 'user', i: 'a', h: 5 },
      { o: 'p', t: 'user', i: 'a', h: -1 },
      { o: 'p', t: 'user', i: 'a', h: 1, s: { $: 1 } },
      { o: 'd', t: 'user', i: 'a', h: 1, s: { a: 1 } },
      { o: 'p', t: 'user', i: 'a', h: 1, c: { nothex: 1 } },
      'garbage'
    ]
  })
  const { entries, bad } = decodeBlock(buf, W)
  t.equal(entries.length, 1)
  t.same(bad.map((b) => b.index), [1, 2, 3, 4, 5, 6])
})

t.test('unreadable blocks throw BlockError', async (t) => {
  t.throws(() => decodeBlock(Buffer.from([0xc1, 0xff]), W), BlockError)
  t.throws(() => decodeBlock(packr.pack({ v: 2, e: [] }), W), /unknown block version/)
  t.throws(() => decodeBlock(packr.pack([1, 2]), W), BlockError)
})

t.test('any byte string either decodes or throws BlockError', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    try { decodeBlock(bytes, W) } catch (err) { return err instanceof BlockError }
    return true
  }), { numRuns: 1000 })
  t.pass('never crashes')
})
