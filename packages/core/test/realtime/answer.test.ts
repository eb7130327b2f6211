import t from 'tap'
import fc from 'fast-check'
import { ANSWER_FAILED, ANSWER_NONE, ANSWER_REQUIRE, encodeCount, encodeLine, encodeMulti, encodeSingle } from '../../src/index.js'
import { astFilter, astInt, astMulti, astSingle, type AstVar } from './asterisk.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }
const asStrings = (vars: AstVar[] | undefined): Array<[string, string]> | undefined =>
  vars?.map(([n, v]) => [n.toString('utf8'), v.toString('utf8')])

t.test('single: one line, byte-exact', async (t) => {
  t.equal(encodeSingle({ id: 'alice', aors: 'alice', allow: 'ulaw,alaw', context: 'from-internal' }), 'id=alice&aors=alice&allow=ulaw%2Calaw&context=from-internal\n')
  t.equal(encodeSingle({ exten: '100', app: 'Verbose', appdata: '1,RT-SWITCH priority 1 for ${EXTEN}' }),
    'exten=100&app=Verbose&appdata=1%2CRT-SWITCH%20priority%201%20for%20%24%7BEXTEN%7D\n', 'asterisk-protocol.md §6: the pbx_realtime answer')
  t.equal(encodeSingle({ callerid: '"Alice" <100>', pct: '100%', amp: 'x&y', eq: 'a=b', plus: 'a+b', nl: 'a\nb\r', u: 'ü' }),
    'callerid=%22Alice%22%20%3C100%3E&pct=100%25&amp=x%26y&eq=a%3Db&plus=a%2Bb&nl=a%0Ab%0D&u=%C3%BC\n')
  t.equal(encodeSingle({ name: 'alice', secret: null, host: undefined }), 'name=alice\n', 'NULL columns are left out')
  t.equal(encodeSingle({ name: 'alice', callerid: '' }), 'name=alice&callerid=%20\n', 'an empty string is %20 (ast_load_realtime makes it empty)')
  t.equal(encodeSingle(undefined), ANSWER_NONE)
  t.equal(encodeSingle({}), '', 'a row without columns is no row')
  t.equal(encodeSingle({ '': 'x' }), '', 'no empty names')
  t.equal(encodeSingle({ 'call-limit': '2', '100rel': 'yes', '@body': 'x', 'name LIKE': 'y' }), 'call-limit=2&100rel=yes&%40body=x&name%20LIKE=y\n')
})

t.test('multi: one row per line with the key column, empty and NULL columns left out', async (t) => {
  const body = encodeMulti([
    { name: 'support', strategy: 'ringall', timeout: '15' },
    { strategy: 'orphan' },
    { name: 'sales', strategy: 'leastrecent', announce: '' }
  ], 'name')
  t.equal(body, 'name=support&strategy=ringall&timeout=15\nname=sales&strategy=leastrecent\n')
  t.same(astMulti(body, 'name').map((r) => r.category), ['support', 'sales'])
  t.equal(encodeMulti([{ uniqueid: '1', queue_name: 'support', interface: 'Local/100@apps' }], 'interface'),
    'interface=Local%2F100%40apps&uniqueid=1&queue_name=support\n', 'the key column comes first')
  t.equal(encodeMulti([], 'id'), '')
})

t.test('writes answer an integer, require 0', async (t) => {
  t.equal(encodeCount(1), '1\n')
  t.equal(encodeCount(0), '0\n')
  t.equal(encodeCount(42), '42\n')
  t.equal(encodeCount(NaN), '-1\n')
  t.equal(ANSWER_FAILED, '-1\n')
  t.equal(ANSWER_REQUIRE, '0\n')
  for (const n of [0, 1, 42, -1]) t.equal(astInt(encodeCount(n)), n, `Asterisk reads ${n}`)
})

const value = fc.oneof(
  fc.string({ maxLength: 60, unit: 'grapheme' }),
  fc.string({ maxLength: 30, unit: fc.constantFrom('&', '=', '%', '+', ',', ';', '\n', '\r', ' ', '"', '\\', '%2', '%41', 'a', 'é', '😀', '\t', '\u0000') })
)
const name = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' })

t.test('property: any value survives encode → Asterisk decode (single, all-fields path)', async (t) => {
  fc.assert(fc.property(fc.dictionary(name, value, { minKeys: 1, maxKeys: 6 }), (row) => {
    const got = asStrings(astSingle(encodeSingle(row)))!
    const want = Object.entries(row).map(([k, v]) => [k, v === '' ? ' ' : v])
    return JSON.stringify(got) === JSON.stringify(want)
  }), runs)
  t.pass()
})

t.test('property: any value survives encode → ast_load_realtime (single, blank-filtered)', async (t) => {
  fc.assert(fc.property(fc.dictionary(name, value.filter((v) => v !== ' '), { minKeys: 1, maxKeys: 6 }), (row) => {
    const got = asStrings(astFilter(astSingle(encodeSingle(row))!))
    return JSON.stringify(got) === JSON.stringify(Object.entries(row))
  }), runs)
  t.pass()
})

t.test('property: any non-empty value survives encode → Asterisk decode (multi)', async (t) => {
  const row = fc.dictionary(name.filter((n) => n !== 'key'), value.filter((v) => v.length > 0), { maxKeys: 5 })
  fc.assert(fc.property(fc.array(fc.tuple(value.filter((v) => v.length > 0), row), { maxLength: 5 }), (rows) => {
    const full = rows.map(([k, r]) => ({ key: k, ...r }))
    const got = astMulti(encodeMulti(full, 'key'), 'key')
    // the key column is sent first, the others in the row's order
    return got.length === full.length && got.every((g, i) => g.category === rows[i]![0] &&
      JSON.stringify(asStrings(g.vars)) === JSON.stringify([['key', rows[i]![0]], ...Object.entries(rows[i]![1])]))
  }), runs)
  t.pass()
})

t.test('a line never holds a raw separator', async (t) => {
  fc.assert(fc.property(fc.dictionary(name, value), (row) => !/[\r\n+ ]/.test(encodeLine(row, 'space'))), runs)
  t.pass()
})
