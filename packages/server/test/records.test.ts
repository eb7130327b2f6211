import t from 'tap'
import { harness } from './helpers.js'

const json = (r: { body: string }): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>

/** One full create → read → replace → patch → delete cycle of a collection. */
const CASES = [
  {
    plural: 'users',
    create: { id: 'alice', name: 'Alice', extensions: ['1001'] },
    replace: { name: 'Alice B', extensions: ['1002'], email: 'alice@example.com' },
    patch: { email: null, voicemail: { enabled: true, pin: '1234' } },
    after: { id: 'alice', name: 'Alice B', extensions: ['1002'], voicemail: { enabled: true, pin: '1234' } }
  },
  {
    plural: 'devices',
    create: { id: 'alice-desk', user: 'alice', secret: 's3cret', codecs: ['ulaw'], pjsip: { direct_media: 'no', rtp_symmetric: 'yes' } },
    replace: { user: 'alice', secret: 'other', codecs: ['alaw', 'ulaw'], pjsip: { direct_media: 'no', rtp_symmetric: 'yes' } },
    patch: { pjsip: { direct_media: null, force_rport: 'yes' }, nat: true },
    after: { id: 'alice-desk', user: 'alice', secret: 'other', codecs: ['alaw', 'ulaw'], nat: true, pjsip: { rtp_symmetric: 'yes', force_rport: 'yes' } }
  },
  {
    plural: 'trunks',
    create: { id: 'carrier1', host: 'sip.example.net', port: 5060, ips: ['192.0.2.10'] },
    replace: { host: 'sip2.example.net', ips: ['192.0.2.11/32'] },
    patch: { maxChannels: 30, host: null },
    after: { id: 'carrier1', ips: ['192.0.2.11/32'], maxChannels: 30 }
  },
  {
    plural: 'providers',
    create: { id: 'cheap', name: 'Cheap Telco', trunks: ['carrier1'], prefixes: [{ prefix: '49', cost: 0.01 }] },
    replace: { name: 'Cheap Telco AG', trunks: ['carrier1'], prefixes: [] },
    patch: { priority: 5, enabled: false },
    after: { id: 'cheap', name: 'Cheap Telco AG', trunks: ['carrier1'], prefixes: [], priority: 5, enabled: false }
  },
  {
    plural: 'routes',
    create: { id: 'to-alice', pattern: '1001', target: { kind: 'user', user: 'alice' } },
    replace: { pattern: '_1XXX', target: { kind: 'lcr' }, priority: 1 },
    patch: { target: { kind: 'trunk', trunk: 'carrier1' } },
    after: { id: 'to-alice', pattern: '_1XXX', priority: 1, target: { kind: 'trunk', trunk: 'carrier1' } }
  },
  {
    plural: 'tables',
    create: { id: 'queues', keys: ['name'] },
    replace: { keys: ['name'], description: 'call queues' },
    patch: { description: 'queues' },
    after: { id: 'queues', keys: ['name'], description: 'queues' }
  }
]

t.test('CRUD of every writable record type', async (t) => {
  const { api, store } = await harness(t)
  for (const c of CASES) {
    const base = '/api/v1/' + c.plural
    const id = c.create.id
    const type = c.plural.slice(0, -1)
    await t.test(c.plural, async (t) => {
      let r = await api('POST', base, c.create)
      t.equal(r.statusCode, 201, 'created')
      t.equal(r.headers.location, `${base}/${id}`)
      t.same(json(r), c.create)
      t.same(await store.get(type, id), Object.fromEntries(Object.entries(c.create).filter(([k]) => k !== 'id')), 'in the store')

      r = await api('GET', `${base}/${id}`)
      t.equal(r.statusCode, 200)
      t.same(json(r), c.create)

      r = await api('PUT', `${base}/${id}`, c.replace)
      t.equal(r.statusCode, 200, 'replaced')
      t.same(json(r), { id, ...c.replace }, 'PUT drops the fields it does not give')

      r = await api('PATCH', `${base}/${id}`, c.patch, { 'content-type': 'application/merge-patch+json' })
      t.equal(r.statusCode, 200, 'patched')
      t.same(json(r), c.after)
      t.same(json(await api('GET', `${base}/${id}`)), c.after)

      r = await api('PATCH', `${base}/${id}`, {})
      t.same(json(r), c.after, 'an empty patch changes nothing')

      r = await api('DELETE', `${base}/${id}`)
      t.equal(r.statusCode, 204)
      t.equal(r.body, '')
      t.equal((await api('GET', `${base}/${id}`)).statusCode, 404)
      t.equal(await store.get(type, id), undefined)

      r = await api('PUT', `${base}/${id}`, { id, ...c.replace })
      t.equal(r.statusCode, 201, 'PUT creates (body id equal to the URL is fine)')
      t.same(json(r), { id, ...c.replace })
    })
  }
})

t.test('rows of generic tables: keyed by their key columns', async (t) => {
  const { api, store } = await harness(t)
  t.equal((await api('PUT', '/api/v1/tables/queue_rules', { keys: ['rule_name', 'time'] })).statusCode, 201)
  const base = '/api/v1/tables/queue_rules/rows'
  let r = await api('POST', base, { columns: { rule_name: 'short/wait', time: '20', min_penalty: '1' } })
  t.equal(r.statusCode, 201)
  const id = 'queue_rules/short%2Fwait/20'
  t.same(json(r), { id, family: 'queue_rules', columns: { rule_name: 'short/wait', time: '20', min_penalty: '1' } })
  t.equal(r.headers.location, `${base}/short%252Fwait/20`, 'the key is the id after the family, URL-encoded per segment')
  t.same(await store.get('row', id), { family: 'queue_rules', columns: { rule_name: 'short/wait', time: '20', min_penalty: '1' } })

  r = await api('GET', r.headers.location as string)
  t.equal(r.statusCode, 200)
  t.equal(json(r).id, id)

  r = await api('PUT', `${base}/short%252Fwait/20`, { columns: { rule_name: 'short/wait', time: '20', max_penalty: '5' } })
  t.equal(r.statusCode, 200)
  t.same(json(r).columns, { rule_name: 'short/wait', time: '20', max_penalty: '5' })

  r = await api('PATCH', `${base}/short%252Fwait/20`, { columns: { max_penalty: null, min_penalty: '2' } })
  t.equal(r.statusCode, 200)
  t.same(json(r).columns, { rule_name: 'short/wait', time: '20', min_penalty: '2' }, 'columns merge')

  r = await api('PUT', `${base}/other/30`, { columns: { rule_name: 'other', time: '30' } })
  t.equal(r.statusCode, 201, 'PUT creates')

  // a built-in family has default key columns: no table definition needed
  r = await api('POST', '/api/v1/tables/queues/rows', { columns: { name: 'support', strategy: 'ringall' } })
  t.equal(r.statusCode, 201)
  t.equal(json(r).id, 'queues/support')

  r = await api('GET', base)
  t.same((json(r).items as Array<{ id: string }>).map((x) => x.id), ['queue_rules/other/30', id], 'only this family, in id order')
  r = await api('GET', base + '?rule_name=other')
  t.same((json(r).items as Array<{ id: string }>).map((x) => x.id), ['queue_rules/other/30'], 'filter on a column')

  t.equal((await api('DELETE', `${base}/other/30`)).statusCode, 204)
  t.equal((await api('GET', `${base}/other/30`)).statusCode, 404)
})

t.test('nodes: read; only revoked can change; revoke fills in the log length', async (t) => {
  const { api, store } = await harness(t)
  const other = 'ab'.repeat(32)
  await store.write({ op: 'create', type: 'node', id: store.writerKey, fields: { name: 'self', version: '1' } })
  await store.write({ op: 'create', type: 'node', id: other, fields: { name: 'other' } })
  let r = await api('GET', '/api/v1/nodes')
  t.same((json(r).items as Array<{ name: string }>).map((n) => n.name).sort(), ['other', 'self'])
  r = await api('GET', `/api/v1/nodes/${other}`)
  t.same(json(r), { id: other, name: 'other' })
  t.equal((await api('POST', '/api/v1/nodes', { id: 'x', name: 'x' })).statusCode, 404, 'no creation through the API')
  t.equal((await api('DELETE', `/api/v1/nodes/${other}`)).statusCode, 404, 'no deletion either')

  r = await api('PATCH', `/api/v1/nodes/${other}`, { revoked: { length: 7, at: '2026-01-01T00:00:00Z', reason: 'stolen' } })
  t.equal(r.statusCode, 200)
  t.same(json(r).revoked, { length: 7, at: '2026-01-01T00:00:00Z', reason: 'stolen' })
  r = await api('PATCH', `/api/v1/nodes/${other}`, { revoked: null })
  t.equal(r.statusCode, 200)
  t.same(json(r), { id: other, name: 'other' }, 'revocation lifted')

  r = await api('POST', `/api/v1/nodes/${other}/revoke`, { length: 0, reason: 'gone' })
  t.equal(r.statusCode, 200)
  t.match(json(r).revoked, { length: 0, reason: 'gone', at: /^\d{4}-/ })
  r = await api('POST', `/api/v1/nodes/${store.writerKey}/revoke`)
  t.equal(r.statusCode, 400, 'a node does not revoke itself')
  t.equal(json(r).code, 'FED_ERR_VALIDATION')
})
