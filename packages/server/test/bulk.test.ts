import t from 'tap'
import { Readable } from 'node:stream'
import { harness, openStore, snapshot } from './helpers.js'

const NDJSON = { 'content-type': 'application/x-ndjson' }

interface ImportAnswer { imported: number, failed: number, errors: Array<{ line: number, code: string, message: string }>, omittedErrors: number, dryRun?: boolean }

t.test('import of a mixed NDJSON stream: bad lines are reported and skipped, the rest imported', async (t) => {
  const { api, app, store } = await harness(t, { limits: { importMaxLine: 400 } })
  await api('POST', '/api/v1/devices', { id: 'old', secret: 'will be replaced', codecs: ['ulaw'] })
  const lines = [
    '{"type":"user","id":"alice","name":"Alice","extensions":["1001"]}',
    '{"type":"device","id":"old","user":"alice"}',
    'this is not json',
    '',
    '{"type":"pizza","id":"margherita"}',
    '{"type":"device","id":"bad id"}',
    '{"type":"device","id":"d2","shoeSize":42}',
    '{"type":"device","id":"d3","maxContacts":"many"}',
    '   ',
    '{"type":"device","id":"d4","description":"' + 'x'.repeat(500) + '"}',
    '["an","array"]',
    '{"type":"table","id":"queues","keys":["name"]}\r',
    '{"type":"row","id":"queues/support","family":"queues","columns":{"name":"support"}}',
    '{"type":"user","id":"bob","name":"Bob","extensions":[]}'
  ]
  const before = store.core.length
  // sent as a stream of small chunks (inject gathers them; socket.test.ts streams for real)
  const body = Readable.from(lines.join('\n').match(/[\s\S]{1,7}/g)!.map((s) => Buffer.from(s)))
  const r = await app.inject({ method: 'POST', url: '/api/v1/import', headers: { authorization: 'Bearer test-token-0123456789', ...NDJSON }, payload: body })
  t.equal(r.statusCode, 200)
  const res = JSON.parse(r.body) as ImportAnswer
  t.equal(res.imported, 5)
  t.equal(res.failed, 7)
  t.same(res.errors.map((e) => [e.line, e.code]), [
    [3, 'FED_ERR_INVALID_JSON'], [5, 'FED_ERR_UNKNOWN_TYPE'], [6, 'FED_ERR_INVALID_ID'], [7, 'FED_ERR_UNKNOWN_FIELD'],
    [8, 'FED_ERR_VALIDATION'], [10, 'FED_ERR_BODY_TOO_LARGE'], [11, 'FED_ERR_VALIDATION']
  ])
  t.equal(res.omittedErrors, 0)
  t.same(await store.get('device', 'old'), { user: 'alice' }, 'an import line is an upsert: the record becomes the line')
  t.same(await store.get('user', 'bob'), { name: 'Bob', extensions: [] }, 'the line after the bad ones is imported')
  t.same(await store.get('row', 'queues/support'), { family: 'queues', columns: { name: 'support' } })
  for (const id of ['d2', 'd3', 'd4']) t.equal(await store.get('device', id), undefined, `${id} not written`)
  t.ok(store.core.length - before <= 2, 'written in few log blocks')
})

t.test('import: dry run writes nothing; error list capped; limits', async (t) => {
  const { api, store } = await harness(t, { limits: { importMaxErrors: 3, importMaxBytes: 4096 } })
  const good = (i: number): string => JSON.stringify({ type: 'device', id: 'd' + i, codecs: ['ulaw'] })
  const text = [good(1), 'bad', 'bad', 'bad', 'bad', 'bad', good(2)].join('\n') + '\n'
  const snap = snapshot(store)
  let r = await api('POST', '/api/v1/import?dryRun=true', text, NDJSON)
  t.equal(r.statusCode, 200)
  t.same(JSON.parse(r.body), {
    imported: 2, failed: 5, dryRun: true, omittedErrors: 2,
    errors: [2, 3, 4].map((line) => ({ line, code: 'FED_ERR_INVALID_JSON', message: (JSON.parse(r.body) as ImportAnswer).errors[0]!.message }))
  })
  t.same(snapshot(store), snap, 'dry run: nothing written')

  r = await api('POST', '/api/v1/import', text, NDJSON)
  t.match(JSON.parse(r.body), { imported: 2, failed: 5, omittedErrors: 2 })
  t.equal(store.count('device'), 2)

  const big = Array.from({ length: 100 }, (_, i) => good(100 + i)).join('\n')
  t.ok(big.length > 4096)
  const snap2 = snapshot(store)
  r = await api('POST', '/api/v1/import', big, NDJSON)
  t.equal(r.statusCode, 413, 'a declared Content-Length over the limit is refused before reading')
  t.equal(JSON.parse(r.body).code, 'FED_ERR_BODY_TOO_LARGE')
  t.same(snapshot(store), snap2)

})

t.test('export → import round trip into a second store gives the same view hash', async (t) => {
  const a = await harness(t)
  await a.api('POST', '/api/v1/users', { id: 'alice', name: 'Alice', extensions: ['1001'], voicemail: { enabled: true, pin: '1234' } })
  await a.api('POST', '/api/v1/devices', { id: 'alice-desk', user: 'alice', secret: 'é€😀 unicode', pjsip: { direct_media: 'no' } })
  await a.api('POST', '/api/v1/trunks', { id: 'carrier', host: 'sip.example.net', ips: ['192.0.2.1'] })
  await a.api('POST', '/api/v1/providers', { id: 'p', name: 'P', trunks: ['carrier'], prefixes: [{ prefix: '', cost: 1.5 }] })
  await a.api('POST', '/api/v1/routes', { id: 'r', pattern: '_0X.', target: { kind: 'lcr' } })
  await a.api('PUT', '/api/v1/tables/queues', { keys: ['name'] })
  await a.api('POST', '/api/v1/tables/queues/rows', { columns: { name: 'support', strategy: 'ringall' } })
  await a.store.writeMany(Array.from({ length: 300 }, (_, i) => ({ op: 'create' as const, type: 'device' as const, id: 'bulk' + i, fields: { user: 'alice', codecs: ['ulaw'] } })))
  await a.store.write({ op: 'create', type: 'node', id: a.store.writerKey, fields: { name: 'a' } })

  const exp = await a.api('GET', '/api/v1/export') // node records only when asked for: they are the cluster's membership
  t.equal(exp.statusCode, 200)
  t.match(exp.headers['content-type'], /^application\/x-ndjson/)
  const lines = exp.body.trim().split('\n')
  t.equal(lines.length, 307)
  t.notOk(lines.some((l) => l.includes('"type":"node"')), 'no node records by default')
  t.same(JSON.parse(lines[0]!), { type: 'user', id: 'alice', name: 'Alice', extensions: ['1001'], voicemail: { enabled: true, pin: '1234' } })
  const types = lines.map((l) => (JSON.parse(l) as { type: string }).type)
  t.ok(types.indexOf('table') < types.indexOf('row'), 'tables before rows')

  const b = await harness(t, {}, await openStore(t))
  const imp = await b.api('POST', '/api/v1/import', exp.body, NDJSON)
  t.same(JSON.parse(imp.body), { imported: 307, failed: 0, errors: [], omittedErrors: 0 })
  await b.store.write({ op: 'create', type: 'node', id: a.store.writerKey, fields: { name: 'a' } }) // as node a would replicate it
  t.equal(b.store.viewHash(), a.store.viewHash(), 'same view hash')
  t.equal((await b.api('GET', '/api/v1/export')).body, exp.body, 'and the same export')

  const nodes = await a.api('GET', '/api/v1/export?types=node')
  t.equal(nodes.body, JSON.stringify({ type: 'node', id: a.store.writerKey, name: 'a' }) + '\n', 'node records when asked for')
  t.same(JSON.parse((await b.api('POST', '/api/v1/import', nodes.body, NDJSON)).body), { imported: 1, failed: 0, errors: [], omittedErrors: 0 }, 'a node line as the record is: accepted, nothing to write')
  const some = await a.api('GET', '/api/v1/export?types=row,user')
  t.same(some.body.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type), ['user', 'row'])
})
