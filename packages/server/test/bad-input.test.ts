import t from 'tap'
import { harness, snapshot, TOKEN } from './helpers.js'

const ALICE = { name: 'Alice', extensions: ['1001'] }

t.test('bad input: a clear 4xx with a FED_ERR code, and nothing written', async (t) => {
  const { api, app, store } = await harness(t, { limits: { bodyLimit: 2048 } })
  await api('POST', '/api/v1/users', { id: 'alice', ...ALICE })
  await api('PUT', '/api/v1/tables/queues', { keys: ['name'] })
  await api('POST', '/api/v1/tables/queues/rows', { columns: { name: 'support' } })
  const page = JSON.parse((await api('GET', '/api/v1/users?limit=1')).body) as { nextCursor: string | null }
  await api('POST', '/api/v1/users', { id: 'bob', name: 'Bob', extensions: [] })
  const cursor = JSON.parse((await api('GET', '/api/v1/users?limit=1')).body).nextCursor as string
  t.equal(page.nextCursor, null)
  t.type(cursor, 'string')

  const json = { 'content-type': 'application/json' }
  const cases: Array<[string, string, string, unknown, Record<string, string>?, number?, string?]> = [
    // [name, method, url, body, headers, status, code]
    ['invalid JSON (POST)', 'POST', '/api/v1/users', '{"id": "carol", "name": ', json, 400, 'FED_ERR_INVALID_JSON'],
    ['invalid JSON (PATCH)', 'PATCH', '/api/v1/users/alice', '{name: "x"}', json, 400, 'FED_ERR_INVALID_JSON'],
    ['empty JSON body', 'PUT', '/api/v1/users/alice', '', json, 400, 'FED_ERR_INVALID_JSON'],
    ['wrong type of a field', 'POST', '/api/v1/users', { id: 'carol', name: 42, extensions: [] }, {}, 400, 'FED_ERR_VALIDATION'],
    ['wrong type in an array', 'PUT', '/api/v1/users/alice', { name: 'A', extensions: [1001] }, {}, 400, 'FED_ERR_VALIDATION'],
    ['missing required field', 'POST', '/api/v1/users', { id: 'carol', name: 'Carol' }, {}, 400, 'FED_ERR_VALIDATION'],
    ['body not an object', 'POST', '/api/v1/users', [1, 2], {}, 400, 'FED_ERR_VALIDATION'],
    ['nested wrong type in a patch', 'PATCH', '/api/v1/users/alice', { voicemail: { pin: 1234 } }, {}, 400, 'FED_ERR_VALIDATION'],
    ['unknown field (POST)', 'POST', '/api/v1/users', { id: 'carol', name: 'C', extensions: [], shoeSize: 42 }, {}, 400, 'FED_ERR_UNKNOWN_FIELD'],
    ['unknown field (PUT)', 'PUT', '/api/v1/users/alice', { ...ALICE, shoeSize: 42 }, {}, 400, 'FED_ERR_UNKNOWN_FIELD'],
    ['unknown field (PATCH)', 'PATCH', '/api/v1/users/alice', { shoeSize: 42 }, {}, 400, 'FED_ERR_UNKNOWN_FIELD'],
    ['a "type" in a record body', 'POST', '/api/v1/users', { type: 'user', id: 'carol', name: 'C', extensions: [] }, {}, 400, 'FED_ERR_UNKNOWN_FIELD'],
    ['unknown collection (GET)', 'GET', '/api/v1/pizzas', undefined, {}, 404, 'FED_ERR_UNKNOWN_TYPE'],
    ['unknown collection (POST)', 'POST', '/api/v1/pizzas', { id: 'margherita' }, {}, 404, 'FED_ERR_UNKNOWN_TYPE'],
    ['unknown collection (PUT)', 'PUT', '/api/v1/pizzas/margherita', { id: 'margherita' }, {}, 404, 'FED_ERR_UNKNOWN_TYPE'],
    ['unknown route under a collection', 'GET', '/api/v1/users/alice/extra', undefined, {}, 404, 'FED_ERR_ROUTE_NOT_FOUND'],
    ['unknown route outside the API', 'GET', '/nothing/here', undefined, {}, 404, 'FED_ERR_ROUTE_NOT_FOUND'],
    ['oversized body', 'POST', '/api/v1/users', { id: 'carol', name: 'x'.repeat(3000), extensions: [] }, {}, 413, 'FED_ERR_BODY_TOO_LARGE'],
    ['oversized merge patch', 'PATCH', '/api/v1/users/alice', JSON.stringify({ email: 'x'.repeat(3000) }), { 'content-type': 'application/merge-patch+json' }, 413, 'FED_ERR_BODY_TOO_LARGE'],
    ['unsupported content type', 'POST', '/api/v1/users', 'id=carol', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'FED_ERR_UNSUPPORTED_MEDIA'],
    ['merge-patch content type on POST', 'POST', '/api/v1/users', JSON.stringify({ id: 'carol', name: 'C', extensions: [] }), { 'content-type': 'application/merge-patch+json' }, 415, 'FED_ERR_UNSUPPORTED_MEDIA'],
    ['JSON to the import', 'POST', '/api/v1/import', JSON.stringify([{ type: 'user', id: 'carol' }]), json, 415, 'FED_ERR_UNSUPPORTED_MEDIA'],
    ['garbled cursor', 'GET', '/api/v1/users?cursor=%%%garbage', undefined, {}, 400, 'FED_ERR_BAD_CURSOR'],
    ['forged cursor', 'GET', `/api/v1/users?cursor=${Buffer.from('bob').toString('base64url')}.${cursor.split('.')[1]!}`, undefined, {}, 400, 'FED_ERR_BAD_CURSOR'],
    ['cursor of another collection', 'GET', `/api/v1/devices?cursor=${cursor}`, undefined, {}, 400, 'FED_ERR_BAD_CURSOR'],
    ['cursor of other filters', 'GET', `/api/v1/users?name=Bob&cursor=${cursor}`, undefined, {}, 400, 'FED_ERR_BAD_CURSOR'],
    ['cursor on conflicts', 'GET', `/api/v1/conflicts?cursor=${cursor}`, undefined, {}, 400, 'FED_ERR_BAD_CURSOR'],
    ['unknown filter', 'GET', '/api/v1/users?shoeSize=42', undefined, {}, 400, 'FED_ERR_BAD_QUERY'],
    ['filter of the wrong type', 'GET', '/api/v1/devices?enabled=maybe', undefined, {}, 400, 'FED_ERR_BAD_QUERY'],
    ['limit 0', 'GET', '/api/v1/users?limit=0', undefined, {}, 400, 'FED_ERR_BAD_QUERY'],
    ['limit above the maximum', 'GET', '/api/v1/users?limit=1001', undefined, {}, 400, 'FED_ERR_BAD_QUERY'],
    ['export of an unknown type', 'GET', '/api/v1/export?types=user,pizza', undefined, {}, 400, 'FED_ERR_BAD_QUERY'],
    ['id mismatch (PUT)', 'PUT', '/api/v1/users/alice', { id: 'mallory', ...ALICE }, {}, 400, 'FED_ERR_ID_MISMATCH'],
    ['id mismatch (PATCH)', 'PATCH', '/api/v1/users/alice', { id: 'mallory', name: 'M' }, {}, 400, 'FED_ERR_ID_MISMATCH'],
    ['row key mismatch (PUT)', 'PUT', '/api/v1/tables/queues/rows/support', { columns: { name: 'sales' } }, {}, 400, 'FED_ERR_ID_MISMATCH'],
    ['row key change (PATCH)', 'PATCH', '/api/v1/tables/queues/rows/support', { columns: { name: 'sales' } }, {}, 400, 'FED_ERR_ID_MISMATCH'],
    ['row without its key column', 'POST', '/api/v1/tables/queues/rows', { columns: { strategy: 'ringall' } }, {}, 400, 'FED_ERR_VALIDATION'],
    ['row of an undefined table', 'POST', '/api/v1/tables/pizzas/rows', { columns: { name: 'x' } }, {}, 404, 'FED_ERR_UNKNOWN_TABLE'],
    ['table with rows deleted', 'DELETE', '/api/v1/tables/queues', undefined, {}, 409, 'FED_ERR_TABLE_NOT_EMPTY'],
    ['table keys changed with rows', 'PATCH', '/api/v1/tables/queues', { keys: ['strategy'] }, {}, 409, 'FED_ERR_TABLE_NOT_EMPTY'],
    ['invalid table family', 'PUT', '/api/v1/tables/Bad-Family', { keys: ['name'] }, {}, 400, 'FED_ERR_INVALID_ID'],
    ['PATCH removing a required field', 'PATCH', '/api/v1/users/alice', { name: null }, {}, 400, 'FED_ERR_VALIDATION'],
    ['PATCH removing row columns', 'PATCH', '/api/v1/tables/queues/rows/support', { columns: null }, {}, 400, 'FED_ERR_VALIDATION'],
    ['invalid id in the URL', 'PUT', '/api/v1/users/no%20spaces', ALICE, {}, 400, 'FED_ERR_INVALID_ID'],
    ['invalid id in the body', 'POST', '/api/v1/users', { id: '-dash-first', ...ALICE }, {}, 400, 'FED_ERR_VALIDATION'],
    ['create of an existing record', 'POST', '/api/v1/users', { id: 'alice', ...ALICE }, {}, 409, 'FED_ERR_EXISTS'],
    ['patch of a missing record', 'PATCH', '/api/v1/users/nobody', { email: 'x@y' }, {}, 404, 'FED_ERR_NOT_FOUND'],
    ['delete of a missing record', 'DELETE', '/api/v1/users/nobody', undefined, {}, 404, 'FED_ERR_NOT_FOUND'],
    ['node field that only the node writes', 'PATCH', `/api/v1/nodes/${'ab'.repeat(32)}`, { name: 'evil' }, {}, 400, 'FED_ERR_READ_ONLY_FIELD']
  ]
  const before = snapshot(store)
  const aliceBefore = await store.get('user', 'alice')
  for (const [name, method, url, body, headers, status, code] of cases) {
    const r = await api(method, url, body, headers)
    const answer = JSON.parse(r.body) as { code: string, message: string }
    t.equal(r.statusCode, status, `${name}: status`)
    t.equal(answer.code, code, `${name}: ${answer.message}`)
    t.match(r.headers['content-type'], /^application\/json/)
  }
  t.same(snapshot(store), before, 'nothing appended to the log, view unchanged')
  t.same(await store.get('user', 'alice'), aliceBefore)
  t.equal(await store.get('user', 'carol'), undefined)
  t.equal(await store.get('user', 'mallory'), undefined)

  // token: missing, wrong, other scheme → 401 everywhere under /api/v1, also on unknown routes
  for (const [what, headers] of [
    ['no token', {}],
    ['wrong token', { authorization: 'Bearer nope' }],
    ['a longer wrong token', { authorization: `Bearer ${TOKEN}x` }],
    ['basic auth', { authorization: 'Basic ' + Buffer.from('admin:' + TOKEN).toString('base64') }],
    ['token without scheme', { authorization: TOKEN }]
  ] as Array<[string, Record<string, string>]>) {
    for (const [method, url] of [['POST', '/api/v1/users'], ['GET', '/api/v1/users/alice'], ['DELETE', '/api/v1/users/alice'], ['GET', '/api/v1/pizzas'], ['GET', '/api/v1/export']]) {
      const r = await app.inject({ method: method as 'GET', url, headers, ...(method === 'POST' ? { payload: { id: 'eve', ...ALICE } } : {}) })
      t.equal(r.statusCode, 401, `${what}: ${method} ${url}`)
      t.equal(JSON.parse(r.body).code, 'FED_ERR_UNAUTHORIZED')
      t.match(r.headers['www-authenticate'], /^Bearer/)
    }
  }
  const lower = await app.inject({ url: '/api/v1/users/alice', headers: { authorization: `bearer ${TOKEN}` } })
  t.equal(lower.statusCode, 200, 'the scheme is case-insensitive')
  t.same(snapshot(store), before, 'still nothing written')
  t.equal(await store.get('user', 'eve'), undefined)
})

t.test('an unexpected failure is a 500 FED_ERR_INTERNAL without its message', async (t) => {
  const { api } = await harness(t, {
    apiPlugins: [{ prefix: '/broken', plugin: async (app) => { app.get('/', async () => { throw new Error('disk on fire at /var/secret') }) } }]
  })
  const r = await api('GET', '/api/v1/broken')
  t.equal(r.statusCode, 500)
  t.same(JSON.parse(r.body), { code: 'FED_ERR_INTERNAL', message: 'Internal error' })
  t.notMatch(r.body, /secret|fire|stack/)
})

t.test('a closed store answers 503', async (t) => {
  const { api, store } = await harness(t)
  await store.close()
  const r = await api('POST', '/api/v1/users', { id: 'late', ...ALICE })
  t.equal(r.statusCode, 503)
  t.equal(JSON.parse(r.body).code, 'FED_ERR_CLOSED')
})
