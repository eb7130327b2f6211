import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { parseToken } from '@federator/core'
import { buildApp, createToken, exportNdjson, importNdjson, lineToOp, parseTypes } from '../src/index.js'
import { harness, openStore, snapshot } from './helpers.js'

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as { code?: string }).code }
  return undefined
}

async function as (app: FastifyInstance, token: string, method: string, url: string, body?: unknown): Promise<{ status: number, json: any, text: string }> {
  const res = await app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {})
  })
  let json: unknown
  try { json = JSON.parse(res.body) } catch {}
  return { status: res.statusCode, json, text: res.body }
}

t.test('create, list, use, revoke: the secret is shown once, the hash never', async (t) => {
  const { api, app, store } = await harness(t)
  const created = await api('POST', '/api/v1/tokens', { name: 'ops laptop' })
  t.equal(created.statusCode, 201, created.body)
  const body = created.json() as { id: string, name: string, scope: string, created: string, createdBy: string, token: string }
  t.match(body, { name: 'ops laptop', scope: 'admin', createdBy: 'local' }, 'admin scope by default; created by the local token')
  t.match(body.token, /^fedt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
  t.equal(parseToken(body.token)?.id, body.id)
  t.equal(created.headers.location, `/api/v1/tokens/${body.id}`)
  t.ok(Date.parse(body.created) > 0)

  const rec = await store.get('token', body.id)
  t.match(rec?.hash, /^[0-9a-f]{64}$/, 'the record holds a hash')
  t.notOk(JSON.stringify(rec).includes(parseToken(body.token)!.secret), 'the record does not hold the secret')

  const list = await api('GET', '/api/v1/tokens')
  t.equal(list.statusCode, 200)
  t.same(list.json(), { items: [{ id: body.id, name: 'ops laptop', scope: 'admin', created: body.created, createdBy: 'local' }], nextCursor: null })
  t.notOk(list.body.includes(rec!.hash as string), 'the list does not show the hash')
  t.notOk(list.body.includes('"hash"'), 'nor a hash field')
  const one = await api('GET', `/api/v1/tokens/${body.id}`)
  t.equal(one.statusCode, 200)
  t.notOk(one.body.includes('hash'), 'GET /tokens/:id has no hash either')

  // the new token works: it reads, writes and creates tokens
  t.equal((await as(app, body.token, 'PUT', '/api/v1/users/alice', { name: 'Alice', extensions: ['1001'] })).status, 201)
  const second = await as(app, body.token, 'POST', '/api/v1/tokens', { name: 'ci', scope: 'read' })
  t.equal(second.status, 201)
  t.equal(second.json.createdBy, body.id, 'createdBy names the token that created it')

  const del = await api('DELETE', `/api/v1/tokens/${body.id}`)
  t.equal(del.statusCode, 204)
  const refused = await as(app, body.token, 'GET', '/api/v1/users')
  t.equal(refused.status, 401, 'a revoked token is refused')
  t.equal(refused.json.code, 'FED_ERR_UNAUTHORIZED')
  t.equal((await api('DELETE', `/api/v1/tokens/${body.id}`)).json().code, 'FED_ERR_NOT_FOUND', 'revoked twice: not found')
  t.equal((await api('GET', `/api/v1/tokens/${body.id}`)).statusCode, 404)
  t.same((await api('GET', '/api/v1/tokens')).json().items.map((x: { id: string }) => x.id), [second.json.id])
})

t.test('a read-only token reads and is refused every write with FED_ERR_FORBIDDEN', async (t) => {
  const { api, app, store } = await harness(t)
  await api('PUT', '/api/v1/users/bob', { name: 'Bob', extensions: ['1002'] })
  const ro = (await api('POST', '/api/v1/tokens', { name: 'dashboard', scope: 'read' })).json() as { id: string, token: string }
  t.equal((await as(app, ro.token, 'GET', '/api/v1/users/bob')).status, 200)
  t.equal((await as(app, ro.token, 'GET', '/api/v1/tokens')).status, 200)
  t.equal((await as(app, ro.token, 'GET', '/api/v1/export')).status, 200)
  const before = snapshot(store)
  for (const [method, url, body] of [
    ['PUT', '/api/v1/users/bob', { name: 'Robert', extensions: ['1002'] }],
    ['PATCH', '/api/v1/users/bob', { name: 'Robert' }],
    ['DELETE', '/api/v1/users/bob', undefined],
    ['POST', '/api/v1/users', { id: 'carol', name: 'Carol', extensions: [] }],
    ['POST', '/api/v1/tokens', { name: 'escalate' }],
    ['DELETE', `/api/v1/tokens/${ro.id}`, undefined],
    ['POST', '/api/v1/import', undefined]
  ] as const) {
    const r = await as(app, ro.token, method, url, body)
    t.equal(r.status, 403, `${method} ${url}`)
    t.equal(r.json.code, 'FED_ERR_FORBIDDEN', `${method} ${url}: code`)
  }
  t.same(snapshot(store), before, 'nothing written')
  t.equal((await store.get('user', 'bob'))?.name, 'Bob')
})

t.test('wrong, tampered and malformed tokens are refused', async (t) => {
  const { api, app } = await harness(t)
  const tok = (await api('POST', '/api/v1/tokens', { name: 'x' })).json() as { id: string, token: string }
  const p = parseToken(tok.token)!
  const flipped = p.secret.slice(0, -1) + (p.secret.endsWith('A') ? 'B' : 'A')
  for (const bad of [`fedt_${p.id}_${flipped}`, `fedt_0000000000000000_${p.secret}`, tok.token + 'x', 'fedt_', 'nonsense']) {
    const r = await as(app, bad, 'GET', '/api/v1/users')
    t.equal(r.status, 401, bad.slice(0, 30))
    t.equal(r.json.code, 'FED_ERR_UNAUTHORIZED')
  }
  t.equal((await api('POST', '/api/v1/tokens', { name: '' })).json().code, 'FED_ERR_VALIDATION', 'a name is required')
  t.equal((await api('POST', '/api/v1/tokens', { name: 'x', scope: 'root' })).json().code, 'FED_ERR_VALIDATION', 'scope is read or admin')
  t.equal((await api('POST', '/api/v1/tokens', { name: 'x', hash: 'a'.repeat(64) })).json().code, 'FED_ERR_UNKNOWN_FIELD', 'the hash is not chosen by the client')
  t.equal((await api('GET', '/api/v1/tokens/not a token')).json().code, 'FED_ERR_INVALID_ID')
})

t.test('without a local token only the cluster\'s tokens open the API', async (t) => {
  const store = await openStore(t)
  const app = await buildApp({ store, cursorSecret: 'cursor-secret' })
  t.teardown(() => app.close())
  await app.ready()
  const { token } = await createToken(store, 'first', 'admin')
  t.equal((await as(app, token, 'GET', '/api/v1/tokens')).status, 200)
  t.equal((await as(app, 'test-token-0123456789', 'GET', '/api/v1/tokens')).status, 401)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/tokens' })).statusCode, 401)
  t.equal(await buildApp({ store }).then(() => 'built', (e: { code: string }) => e.code), 'FED_ERR_CONFIG', 'a cursor secret is needed then')
})

t.test('app.adminAuth protects other routes with the same tokens and scopes', async (t) => {
  const store = await openStore(t)
  const app = await buildApp({ store, adminToken: 'local-token-0123456789' })
  t.teardown(() => app.close())
  await app.register(async (ui) => {
    ui.addHook('onRequest', app.adminAuth.hook)
    ui.get('/ui/whoami', async (req) => req.principal)
    ui.post('/ui/act', async () => ({ ok: true }))
  })
  await app.ready()
  const ro = await createToken(store, 'viewer', 'read')
  t.same((await as(app, ro.token, 'GET', '/ui/whoami')).json, { scope: 'read', token: ro.id })
  t.same((await as(app, 'local-token-0123456789', 'GET', '/ui/whoami')).json, { scope: 'admin', token: 'local' })
  t.equal((await as(app, ro.token, 'POST', '/ui/act', {})).json.code, 'FED_ERR_FORBIDDEN')
  t.equal((await app.inject({ method: 'GET', url: '/ui/whoami' })).statusCode, 401)
  t.same(await app.adminAuth.verify(ro.token), { scope: 'read', token: ro.id })
  t.equal(await app.adminAuth.verify('nope'), undefined)
})

t.test('token records are never exported nor imported', async (t) => {
  const { api, store } = await harness(t)
  await api('POST', '/api/v1/tokens', { name: 'x' })
  await api('PUT', '/api/v1/users/u', { name: 'U', extensions: [] })
  const exp = await api('GET', '/api/v1/export')
  t.equal(exp.statusCode, 200)
  t.notOk(exp.body.includes('"token"'), 'no token line in a default export')
  t.match(exp.body, /"type":"user"/)
  t.equal((await api('GET', '/api/v1/export?types=token')).json().code, 'FED_ERR_BAD_QUERY')
  t.equal(code(() => parseTypes('user,token')), 'FED_ERR_BAD_QUERY')
  let all = ''
  for await (const chunk of exportNdjson(store)) all += chunk
  t.notOk(all.includes('"token"'), 'exportNdjson with its default types has no token either')
  const line = JSON.stringify({ type: 'token', id: '0123456789abcdef', name: 'x', scope: 'admin', hash: 'a'.repeat(64), created: '2026-01-01T00:00:00Z' })
  t.equal(code(() => lineToOp(line)), 'FED_ERR_UNKNOWN_TYPE')
  const before = store.count('token')
  const res = await importNdjson(store, (async function * () { yield line + '\n' })())
  t.equal(res.failed, 1)
  t.equal(store.count('token'), before, 'nothing imported')
  t.equal(await store.get('token', '0123456789abcdef'), undefined)
})

t.test('a conflict on a token record never shows its hash', async (t) => {
  const { until } = await import('../../../test/helpers/index.js')
  const a = await openStore(t)
  const b = await openStore(t)
  const { api } = await harness(t, {}, a)
  const link = (): () => void => {
    const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
    const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
    s1.pipe(s2).pipe(s1)
    return () => { s1.destroy(); s2.destroy() }
  }
  await a.addWriter(b.writerKey)
  await b.addWriter(a.writerKey)
  // the same id written on two diverged stores (ids are random: in practice only a forged write does this)
  const base = { name: 'x', scope: 'admin', created: '2026-01-01T00:00:00.000Z' }
  await a.write({ op: 'create', type: 'token', id: '0123456789abcdef', fields: { ...base, hash: 'a'.repeat(64) } })
  await b.write({ op: 'create', type: 'token', id: '0123456789abcdef', fields: { ...base, hash: 'b'.repeat(64) } })
  t.teardown(link())
  await until(() => a.viewHash() === b.viewHash(), 'convergence')
  const res = await api('GET', '/api/v1/conflicts')
  const page = res.json() as { items: Array<{ type: string, conflicts: Array<{ field: string, value: unknown, losers: Array<{ value: unknown }> }> }> }
  const tok = page.items.find((i) => i.type === 'token')
  const hash = tok?.conflicts.find((c) => c.field === 'hash')
  t.ok(hash, 'the conflict is listed')
  t.equal(hash?.value, '(hidden)')
  t.same(hash?.losers.map((l) => l.value), ['(hidden)'])
  t.notOk(res.body.includes('a'.repeat(64)) || res.body.includes('b'.repeat(64)), 'neither hash is in the answer')
})
