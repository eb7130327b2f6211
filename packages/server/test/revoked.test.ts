/**
 * A revoked node knows it: once its own node record carries a revocation,
 * every write path refuses — REST (403 FED_ERR_REVOKED), bulk import,
 * realtime writes (`-1`, counted under `revoked`, soft state included) — and
 * /readyz answers 503 with the reason. Reads keep working.
 */
import t from 'tap'
import type { Store } from '@federator/store'
import { rtHarness, snapshot } from './realtime/harness.js'
import { TOKEN } from './helpers.js'

/** Revoke this store's own writer (as a replicated revocation would): entries from the next position on are cut. */
async function revokeSelf (store: Store): Promise<void> {
  await store.write({ op: 'create', type: 'node', id: store.writerKey, fields: { name: 'me' } })
  await store.write({ op: 'patch', type: 'node', id: store.writerKey, set: { revoked: { length: store.core.length + 1, at: '2026-01-02T03:04:05.000Z', reason: 'decommissioned' } } })
}

t.test('a revoked node refuses writes on every path and is not ready', async (t) => {
  const h = await rtHarness(t)
  await h.write({ op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'] } })
  await h.write({ op: 'create', type: 'device', id: 'alice', fields: { secret: 'x' } })
  await h.write({ op: 'create', type: 'table', id: 'queues', fields: { keys: ['name'] } })
  t.equal((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
  await revokeSelf(h.store)
  const before = snapshot(h.store)

  const api = async (method: string, url: string, body?: string, type = 'application/json'): Promise<{ status: number, json: { code?: string, message?: string } }> => {
    const res = await h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': type } : {}) }, ...(body !== undefined ? { payload: body } : {}) })
    return { status: res.statusCode, json: res.body === '' ? {} : JSON.parse(res.body) }
  }
  for (const [method, url, body, type] of [
    ['POST', '/api/v1/users', JSON.stringify({ id: 'bob', name: 'Bob', extensions: ['101'] })],
    ['PUT', '/api/v1/users/alice', JSON.stringify({ name: 'Alice 2', extensions: ['100'] })],
    ['PATCH', '/api/v1/users/alice', JSON.stringify({ name: 'Alice 3' })],
    ['DELETE', '/api/v1/users/alice'],
    ['POST', '/api/v1/import', '{"type":"user","id":"carol","name":"Carol","extensions":[]}\n', 'application/x-ndjson']
  ] as Array<[string, string, string?, string?]>) {
    const r = await api(method, url, body, type)
    t.equal(r.status, 403, `${method} ${url}: 403`)
    t.equal(r.json.code, 'FED_ERR_REVOKED', `${method} ${url}: FED_ERR_REVOKED`)
  }
  t.match((await api('PATCH', '/api/v1/users/alice', '{"name":"x"}')).json.message, /revoked at 2026-01-02T03:04:05.000Z \(decommissioned\)/)

  // realtime writes answer -1, counted as `revoked`: a generic table, a user's voicemail, a registration (soft state)
  t.equal((await h.rt('queues', 'store', 'name=support&strategy=ringall')).body, '-1\n', 'realtime store: -1')
  t.equal((await h.rt('voicemail', 'update', 'password=1234', 'mailbox=100')).body, '-1\n', 'realtime update: -1')
  t.equal((await h.rt('ps_contacts', 'store', 'id=alice%3B%40aaaa&uri=sip%3Aalice%40192.0.2.7&expiration_time=9999999999&endpoint=alice')).body, '-1\n', 'a registration: -1')
  t.equal(h.refused('revoked'), 3, 'each refusal counted under "revoked"')
  t.equal(h.soft.get('contact').length, 0, 'no registration kept')
  t.same(snapshot(h.store), before, 'nothing reached the log or the view')

  const ready = await h.app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.equal(JSON.parse(ready.body).code, 'FED_ERR_NOT_READY')
  t.match(JSON.parse(ready.body).message, /revoked \(decommissioned\)/)
  t.equal((await api('GET', '/api/v1/users/alice')).status, 200, 'reads keep working')
  t.equal((await h.rt('ps_endpoints', 'single', 'id=alice')).status, 200)
})
