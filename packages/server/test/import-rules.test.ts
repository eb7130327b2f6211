/**
 * Bulk import applies the rules REST enforces: node records are read-only
 * except `revoked` (and a node cannot revoke itself), rows need a table
 * definition and an id matching their key columns, a table's key columns
 * cannot change while it has rows. A UTF-8 BOM before the first line is
 * accepted.
 */
import t from 'tap'
import { harness } from './helpers.js'

const NDJSON = { 'content-type': 'application/x-ndjson' }
const OTHER = 'b'.repeat(64)

interface Result { imported: number, failed: number, errors: Array<{ line: number, code: string, message: string }> }

t.test('import lines obey the API\'s rules', async (t) => {
  const { store, api } = await harness(t)
  const self = store.writerKey
  await store.write({ op: 'create', type: 'node', id: self, fields: { name: 'me', version: '1' } })
  await store.write({ op: 'create', type: 'node', id: OTHER, fields: { name: 'other', version: '1' } })
  await store.write({ op: 'create', type: 'table', id: 'queues_x', fields: { keys: ['name'] } })
  await store.write({ op: 'create', type: 'row', id: 'queues_x/support', fields: { family: 'queues_x', columns: { name: 'support' } } })
  const lines = [
    /* 1 */ { type: 'node', id: self, name: 'me', version: '1' }, // as it is: accepted, nothing written
    /* 2 */ { type: 'node', id: OTHER, name: 'renamed', version: '1' }, // read-only field
    /* 3 */ { type: 'node', id: 'c'.repeat(64), name: 'new' }, // nodes write their own records
    /* 4 */ { type: 'node', id: self, name: 'me', version: '1', revoked: { length: 0, at: 'now' } }, // self-revocation
    /* 5 */ { type: 'node', id: OTHER, name: 'other', version: '1', revoked: { length: 3, at: '2026-01-01', reason: 'imported' } }, // a revocation: allowed
    /* 6 */ { type: 'row', id: 'nosuch/a', family: 'nosuch', columns: { k: 'a' } }, // no table definition
    /* 7 */ { type: 'row', id: 'queues_x/wrong', family: 'queues_x', columns: { name: 'right' } }, // id ≠ key columns
    /* 8 */ { type: 'table', id: 'queues_x', keys: ['name', 'other'] }, // has rows: keys fixed
    /* 9 */ { type: 'table', id: 'fresh', keys: ['k'] }, // a table defined in the import …
    /* 10 */ { type: 'row', id: 'fresh/a', family: 'fresh', columns: { k: 'a', v: '1' } }, // … takes rows right away
    /* 11 */ { type: 'row', id: 'queues/sales', family: 'queues', columns: { name: 'sales' } } // built-in key columns
  ]
  const r = await api('POST', '/api/v1/import', lines.map((l) => JSON.stringify(l)).join('\n') + '\n', NDJSON)
  t.equal(r.statusCode, 200, r.body)
  const res = JSON.parse(r.body) as Result
  t.same(res.errors.map((e) => [e.line, e.code]), [
    [2, 'FED_ERR_READ_ONLY_FIELD'], [3, 'FED_ERR_NOT_FOUND'], [4, 'FED_ERR_VALIDATION'],
    [6, 'FED_ERR_UNKNOWN_TABLE'], [7, 'FED_ERR_ID_MISMATCH'], [8, 'FED_ERR_TABLE_NOT_EMPTY']
  ])
  t.equal(res.imported, 5)
  t.same(await store.get('node', self), { name: 'me', version: '1' }, 'this node\'s record unchanged')
  t.same((await store.get('node', OTHER))?.name, 'other', 'a node\'s name unchanged')
  t.same((await store.get('node', OTHER))?.revoked, { length: 3, at: '2026-01-01', reason: 'imported' }, 'a revocation imported')
  t.equal(await store.get('node', 'c'.repeat(64)), undefined)
  t.equal(await store.get('row', 'nosuch/a'), undefined)
  t.equal(await store.get('row', 'queues_x/wrong'), undefined)
  t.same((await store.get('table', 'queues_x'))?.keys, ['name'])
  t.ok(await store.get('row', 'fresh/a'))
  t.ok(await store.get('row', 'queues/sales'))

  // the same answers in a dry run, with nothing written
  const before = store.core.length
  const dry = JSON.parse((await api('POST', '/api/v1/import?dryRun=true', lines.slice(1, 4).map((l) => JSON.stringify(l)).join('\n'), NDJSON)).body) as Result
  t.same(dry.errors.map((e) => e.code), ['FED_ERR_READ_ONLY_FIELD', 'FED_ERR_NOT_FOUND', 'FED_ERR_VALIDATION'])
  t.equal(store.core.length, before)

  // the REST routes answer the same codes for the same writes
  t.equal(JSON.parse((await api('PATCH', `/api/v1/nodes/${OTHER}`, { name: 'renamed' })).body).code, 'FED_ERR_READ_ONLY_FIELD')
  t.equal(JSON.parse((await api('PATCH', `/api/v1/nodes/${self}`, { revoked: { length: 0, at: 'now' } })).body).code, 'FED_ERR_VALIDATION', 'no self-revocation through PATCH either')
  t.equal(JSON.parse((await api('PUT', '/api/v1/tables/nosuch/rows/a', { columns: { k: 'a' } })).body).code, 'FED_ERR_UNKNOWN_TABLE')
})

t.test('a UTF-8 BOM before the first import line is accepted', async (t) => {
  const { store, api } = await harness(t)
  const body = '\uFEFF{"type":"user","id":"bom","name":"Bom","extensions":["100"]}\n{"type":"user","id":"two","name":"Two","extensions":[]}\n'
  const r = JSON.parse((await api('POST', '/api/v1/import', Buffer.from(body, 'utf8'), NDJSON)).body) as Result
  t.same(r.errors, [])
  t.equal(r.imported, 2)
  t.same(await store.get('user', 'bom'), { name: 'Bom', extensions: ['100'] })
  // only before the first line: elsewhere it is part of the line (and not JSON)
  const r2 = JSON.parse((await api('POST', '/api/v1/import', Buffer.from('{"type":"user","id":"x","name":"X","extensions":[]}\n\uFEFF{"type":"user","id":"y","name":"Y","extensions":[]}\n', 'utf8'), NDJSON)).body) as Result
  t.same(r2.errors.map((e) => [e.line, e.code]), [[2, 'FED_ERR_INVALID_JSON']])
})
