/**
 * Bad input, case by case: HTTP 200, an empty answer for reads and `-1` for
 * writes, the reason counted, a (rate-limited) warning in the log, and the
 * store unchanged.
 */
import t from 'tap'
import { rtHarness, snapshot, type RtHarness } from './harness.js'

async function seeded (t: Parameters<typeof rtHarness>[0]): Promise<RtHarness> {
  const h = await rtHarness(t)
  await h.write(
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } } },
    { op: 'create', type: 'device', id: 'alice', fields: { user: 'alice', secret: 's3cr3t' } },
    { op: 'create', type: 'row', id: 'queues/support', fields: { family: 'queues', columns: { name: 'support', strategy: 'ringall' } } }
  )
  return h
}

interface Case { name: string, family: string, op: string, body: string, query?: string, reason: string }

const CASES: Case[] = [
  { name: 'malformed escape (read)', family: 'ps_endpoints', op: 'single', body: 'id=%zz', reason: 'bad_escape' },
  { name: 'malformed escape (write)', family: 'queues', op: 'store', body: 'name=%4&strategy=x', reason: 'bad_escape' },
  { name: 'unknown operator (read)', family: 'ps_endpoints', op: 'multi', body: 'id%20NOT%20LIKE=x', reason: 'bad_operator' },
  { name: 'unknown operator (write)', family: 'queues', op: 'destroy', body: 'name%20%3D%3D=support', reason: 'bad_operator' },
  { name: 'no criteria', family: 'ps_endpoints', op: 'single', body: '', reason: 'no_criteria' },
  { name: 'a store without values', family: 'queues', op: 'store', body: '&', reason: 'no_values' },
  { name: 'an invalid column name', family: 'queues', op: 'store', body: 'name=x&bad%20col=1', reason: 'bad_column' },
  { name: 'an update without a key', family: 'queues', op: 'update', body: 'strategy=linear', reason: 'bad_update' },
  { name: 'update2 with unknown columns', family: 'sippeers', op: 'update', body: '&port=1', query: '&name=bobfoo=1', reason: 'update2_unknown_columns' },
  { name: 'ambiguous update2', family: 'voicemail', op: 'update', body: '&email=ximappassword=1234', query: '&context=defaultmailbox=100', reason: 'update2_ambiguous' },
  { name: 'unknown family (read)', family: 'nope', op: 'single', body: 'x=1', reason: 'unknown_family' },
  { name: 'unknown family (write)', family: 'nope', op: 'store', body: 'x=1', reason: 'unknown_family' },
  { name: 'invalid family name', family: 'no%20pe', op: 'multi', body: 'x=1', reason: 'bad_family' },
  { name: 'unknown operation', family: 'ps_endpoints', op: 'select', body: 'id=alice', reason: 'bad_operation' },
  { name: 'store into a view', family: 'ps_endpoints', op: 'store', body: 'id=mallory&context=evil', reason: 'read_only' },
  { name: 'destroy from a view', family: 'sippeers', op: 'destroy', body: 'name=alice&', reason: 'read_only' },
  { name: 'update of a non-registration column', family: 'sippeers', op: 'update', body: 'secret=hacked', query: 'name=alice', reason: 'read_only' },
  { name: 'store into voicemail', family: 'voicemail', op: 'store', body: 'context=default&mailbox=200', reason: 'read_only' },
  { name: 'a voicemail key column change', family: 'voicemail', op: 'update', body: 'mailbox=999', query: 'mailbox=100', reason: 'read_only' },
  { name: 'a voicemail value the record refuses', family: 'voicemail', op: 'update', body: 'password=abc', query: 'mailbox=100', reason: 'invalid_row' },
  { name: 'a contact without an expiry', family: 'ps_contacts', op: 'store', body: 'id=alice%3B%40x&uri=sip%3Aa%40b', reason: 'bad_contact' },
  { name: 'a contact with a bad id', family: 'ps_contacts', op: 'store', body: 'id=x&uri=sip%3Ax&expiration_time=1', reason: 'bad_contact' },
  { name: 'a row without its key column', family: 'queues', op: 'store', body: 'strategy=ringall', reason: 'invalid_row' },
  { name: 'a column name the row schema refuses', family: 'queues', op: 'store', body: 'name=big&Strategy=x', reason: 'invalid_row' },
  { name: 'an existing key', family: 'queues', op: 'store', body: 'name=support&strategy=linear', reason: 'exists' },
  { name: 'an update onto an existing key', family: 'queues', op: 'update', body: 'name=support', query: 'name=sales', reason: 'exists' }
]

t.test('each bad request: 200, nothing or -1, counted, warned, nothing written', async (t) => {
  const h = await seeded(t)
  await h.write({ op: 'create', type: 'row', id: 'queues/sales', fields: { family: 'queues', columns: { name: 'sales' } } })
  for (const c of CASES) {
    const before = snapshot(h.store)
    const count = h.refused(c.reason)
    const logs = h.logs.length
    const res = await h.rt(c.family, c.op, c.body, c.query)
    const write = ['update', 'store', 'destroy'].includes(c.op)
    t.same(res, { status: 200, body: write ? '-1\n' : '' }, `${c.name}: 200 and ${write ? '-1' : 'an empty body'}`)
    t.equal(h.refused(c.reason), count + 1, `${c.name}: counted as ${c.reason}`)
    t.same(snapshot(h.store), before, `${c.name}: nothing written`)
    if (count === 0) t.match(h.logs.slice(logs), [{ level: 40, reason: c.reason }], `${c.name}: a warning`)
  }
  t.equal((await h.rt('queues', 'single', 'name=support')).body, 'name=support&strategy=ringall\n', 'the data is intact')
  t.equal((await h.rt('ps_endpoints', 'single', 'id=mallory')).body, '')
})

t.test('oversized bodies: cut off before they are read, 200 and nothing or -1', async (t) => {
  const h = await rtHarness(t, { limits: { bodyLimit: 4096 } })
  const before = snapshot(h.store)
  const big = 'name=' + 'a'.repeat(5000)
  t.same(await h.rt('queues', 'single', big), { status: 200, body: '' })
  t.same(await h.rt('queues', 'store', big), { status: 200, body: '-1\n' })
  t.equal(h.refused('body_too_large'), 2)
  t.same(snapshot(h.store), before)
  t.same(await h.rt('queues', 'store', 'name=ok&strategy=x'), { status: 200, body: '1\n' }, 'the next request is fine')
})

t.test('paths outside the protocol and bad static requests: 200 and nothing', async (t) => {
  const h = await rtHarness(t)
  for (const [method, url] of [['POST', '/realtime/a/b/c'], ['GET', '/realtime/'], ['PUT', '/realtime/queues/single'], ['DELETE', '/realtime/queues/destroy']] as const) {
    const res = await h.app.inject({ method, url, payload: method === 'GET' ? undefined : 'x=1' })
    t.same([res.statusCode, res.body], [200, ''], `${method} ${url}`)
  }
  t.equal(h.refused('bad_request'), 4)
  for (const q of ['file=..%2Fetc%2Fpasswd', '', 'file=%zz', 'name=queues.conf']) {
    const res = await h.app.inject({ method: 'GET', url: '/realtime/static?' + q })
    t.same([res.statusCode, res.body], [200, ''], `static?${q}`)
  }
  t.equal(h.refused('bad_request'), 7)
  t.equal(h.refused('bad_escape'), 1)
})

t.test('warnings are rate-limited per reason, every occurrence is counted', async (t) => {
  let now = 1_000_000
  const h = await rtHarness(t, { now: () => now, limits: { warnIntervalMs: 60_000 } })
  for (let i = 0; i < 5; i++) await h.rt('ps_endpoints', 'single', 'id=%zz')
  t.equal(h.refused('bad_escape'), 5)
  t.equal(h.logs.filter((l) => l.reason === 'bad_escape').length, 1, 'one warning')
  now += 60_000
  await h.rt('ps_endpoints', 'single', 'id=%zz')
  t.match(h.logs.filter((l) => l.reason === 'bad_escape'), [{}, { suppressed: 4 }], 'the next says how many were not logged')
  const text = h.service.metrics().find((m) => m.name === 'federator_realtime_refused_total')
  t.same(text?.samples, [{ labels: { reason: 'bad_escape' }, value: 6 }], 'exposed as a metric')
})

t.test('never a 5xx: a failing store answers -1 and nothing', async (t) => {
  const h = await seeded(t)
  t.equal((await h.rt('queues', 'single', 'name=support')).body, 'name=support&strategy=ringall\n')
  await h.store.close()
  t.same(await h.rt('queues', 'store', 'name=x&strategy=y'), { status: 200, body: '-1\n' })
  t.same(await h.rt('queues', 'update', 'strategy=z', 'name=support'), { status: 200, body: '-1\n' })
  t.same(await h.rt('queues', 'single', 'name=other'), { status: 200, body: '' })
  t.ok(h.refused('write_failed') + h.refused('internal') >= 2)
})
