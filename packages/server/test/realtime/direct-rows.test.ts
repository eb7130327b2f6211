/**
 * `RealtimeService.rows()` and `rowsById()`: the rows a realtime lookup answers, typed, for the node's
 * own features (push mode). The same rows as the text answers Asterisk gets, without counting in the realtime
 * metrics and without filling the answer cache.
 */
import t from 'tap'
import { decodeComponent, type Row } from '@federator/core'
import { rtHarness } from './harness.js'

/** A single answer's line as a row (what push mode used to do with the text). */
function parseLine (line: string): Row {
  const row: Record<string, string> = {}
  for (const pair of line.split('&')) {
    const [k = '', v = ''] = pair.split('=')
    row[decodeComponent(k)] = decodeComponent(v)
  }
  return row
}

const byId = (id: string) => [{ column: 'id', op: '=' as const, value: id, truncated: false }]
const all = [{ column: 'id', op: 'LIKE' as const, value: '%', truncated: false }]

t.test('rows(): the realtime rows, typed; not counted as requests, not cached', async (t) => {
  const h = await rtHarness(t)
  await h.write(
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'] } },
    { op: 'create', type: 'device', id: 'alice-desk', fields: { user: 'alice', secret: 'pw one&two', pjsip: { endpoint__language: 'fr' } } },
    { op: 'create', type: 'device', id: 'bob-desk', fields: { secret: 'bob' } },
    { op: 'create', type: 'trunk', id: 'prov', fields: { host: 'sip.example.com', secret: 'tpw', register: true, ips: ['192.0.2.1'] } }
  )
  await h.service.ready()
  const requests = (): number => h.service.metrics().find((m) => m.name === 'federator_realtime_requests_total')!.samples.reduce((n, s) => n + s.value, 0)
  for (const family of ['ps_endpoints', 'ps_auths', 'ps_aors', 'ps_endpoint_id_ips', 'ps_registrations']) {
    for (const id of ['alice-desk', 'bob-desk', 'prov', 'nobody']) {
      const entries = h.service.cache.size
      const before = requests()
      const rows = await h.service.rows(family, 'single', byId(id))
      t.equal(h.service.cache.size, entries, `${family} ${id}: nothing cached`)
      t.equal(requests(), before, `${family} ${id}: not counted as Asterisk's request`)
      const text = (await h.rt(family, 'single', 'id=' + encodeURIComponent(id))).body.trim()
      t.same(rows, text === '' ? [] : [parseLine(text)], `${family} ${id}: the same row as the text answer`)
    }
  }
  const families = ['ps_endpoints', 'ps_auths', 'ps_aors', 'ps_endpoint_id_ips', 'ps_registrations']
  for (const id of ['alice-desk', 'prov', 'nobody']) {
    const entries = h.service.cache.size
    const together = await h.service.rowsById(families, id)
    t.equal(h.service.cache.size, entries, `rowsById ${id}: nothing cached`)
    const one = Object.fromEntries((await Promise.all(families.map(async (f) => [f, (await h.service.rows(f, 'single', byId(id)))[0]] as const))).filter(([, r]) => r !== undefined))
    t.same(together, one, `rowsById ${id}: the rows of single lookups, computed together`)
  }
  t.same(Object.keys(await h.service.rowsById(families, 'alice-desk')), ['ps_endpoints', 'ps_auths', 'ps_aors'])
  const ids = (await h.service.rows('ps_endpoints', 'multi', all)).map((r) => r.id)
  t.same(ids, ['alice-desk', 'bob-desk', 'prov'], 'multi: every row, sorted by the key')
  t.same((await h.service.rows('ps_registrations', 'multi', all)).map((r) => r.id), ['prov'])
  await t.rejects(h.service.rows('no such family!', 'single', byId('x')), { code: 'FED_ERR_REALTIME_REQUEST' }, 'a family that cannot exist: a clear error')
  await t.rejects(h.service.rows('ps_endpoints', 'single', []), { code: 'FED_ERR_REALTIME_REQUEST' }, 'no criteria: a clear error')
})
