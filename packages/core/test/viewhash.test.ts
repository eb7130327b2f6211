import t from 'tap'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { Packr } from 'msgpackr'
import { encodedRecordDigest, recordDigest, type Conflict, type Fields, type Hlc, type RecordState, type WriterTag } from '../src/index.js'

const RUNS = Number(process.env.FC_RUNS ?? 300)
const packr = new Packr({ useRecords: false, variableMapSize: true })

/** The definition of a record's digest: sha256 of msgpack [type, id, alive, fields, conflicts]. */
const reference = (type: string, id: string, fields: Fields | undefined, conflicts: Conflict[]): string =>
  createHash('sha256').update(packr.pack([type, id, fields !== undefined, fields ?? {}, conflicts])).digest('hex')

const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('v'), { maxKeys: 3 }))
})).v
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), fc.nat({ max: 70000 }).map((n) => 'x'.repeat(n + 1)))

t.test('the digest assembled from encoded parts is the digest of the whole encoded view', async (t) => {
  fc.assert(fc.property(text, text, fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), value, { maxKeys: 5 }), { nil: undefined }), fc.boolean(), (type, id, fields, conflicted) => {
    const conflicts: Conflict[] = conflicted ? [{ field: 'name', value: 'a', hlc: 5 as Hlc, writer: 'w1' as WriterTag, losers: [{ value: 'b', hlc: 4 as Hlc, writer: 'w2' as WriterTag }] }] : []
    const got = encodedRecordDigest(type, id, fields === undefined ? undefined : packr.pack(fields), conflicts.length > 0 ? packr.pack(conflicts) : undefined)
    return got.toString('hex') === reference(type, id, fields as Fields | undefined, conflicts)
  }), { numRuns: RUNS })
  t.pass(`${RUNS} records of every string length class`)
})

t.test('recordDigest of a state follows the same definition', async (t) => {
  const s: RecordState = { type: 'user', id: 'alice', fields: { name: { val: 'Alice', v: [2 as Hlc, 'w1' as WriterTag] } }, life: { val: true, v: [1 as Hlc, 'w1' as WriterTag], kw: {} }, seen: {} }
  t.equal(recordDigest(s).toString('hex'), reference('user', 'alice', { name: 'Alice' }, []))
  const dead: RecordState = { ...s, life: { val: false, v: [3 as Hlc, 'w1' as WriterTag], kw: { w1: 2 as Hlc } } } // the delete knew the name
  t.equal(recordDigest(dead).toString('hex'), reference('user', 'alice', undefined, []))
})
