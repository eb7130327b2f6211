/**
 * The answer cache: a change through the store is seen by the very next
 * lookup, only the affected answers are recomputed, and the cache stays
 * within its bounds.
 */
import t from 'tap'
import { rtHarness } from './harness.js'

t.test('changes through the store invalidate exactly the affected answers', async (t) => {
  const h = await rtHarness(t)
  await h.write(
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } } },
    { op: 'create', type: 'device', id: 'alice', fields: { user: 'alice', secret: 'one' } },
    { op: 'create', type: 'device', id: 'bob', fields: { secret: 'bob' } },
    { op: 'create', type: 'trunk', id: 'carrier', fields: { ips: ['192.0.2.10'] } }
  )
  const { rt, service } = h
  const auth = async (id: string): Promise<string> => (await rt('ps_auths', 'single', 'id=' + id)).body
  t.equal(await auth('alice'), 'id=alice&auth_type=userpass&username=alice&password=one\n')
  t.equal(await auth('bob'), 'id=bob&auth_type=userpass&username=bob&password=bob\n')
  const hits = service.cache.hits
  t.equal(await auth('alice'), 'id=alice&auth_type=userpass&username=alice&password=one\n')
  t.equal(service.cache.hits, hits + 1, 'the second lookup is a cache hit')

  await h.write({ op: 'patch', type: 'device', id: 'alice', set: { secret: 'two' } })
  t.equal(await auth('alice'), 'id=alice&auth_type=userpass&username=alice&password=two\n', 'the next lookup answers the new value')
  const before = { hits: service.cache.hits, misses: service.cache.misses }
  t.equal((await rt('ps_aors', 'single', 'id=alice')).body, 'id=alice&max_contacts=1&remove_existing=yes&qualify_frequency=60\n')
  t.match((await rt('ps_endpoints', 'single', 'id=alice')).body, /^id=alice&/)
  t.same({ hits: service.cache.hits, misses: service.cache.misses }, { hits: before.hits + 2, misses: before.misses }, 'the AOR and endpoint answers were computed with the auth')
  await h.write({ op: 'patch', type: 'device', id: 'alice', set: { maxContacts: 3 } })
  t.equal((await rt('ps_aors', 'single', 'id=alice')).body, 'id=alice&max_contacts=3&remove_existing=yes&qualify_frequency=60\n', 'and are invalidated with it')
  const misses = service.cache.misses
  t.equal(await auth('bob'), 'id=bob&auth_type=userpass&username=bob&password=bob\n')
  t.equal(service.cache.misses, misses, 'another device\'s answer was not invalidated')

  t.match((await rt('ps_endpoints', 'single', 'id=alice')).body, /callerid=%22Alice%22%20%3C100%3E/)
  await h.write({ op: 'patch', type: 'user', id: 'alice', set: { name: 'Alice Smith' } })
  t.match((await rt('ps_endpoints', 'single', 'id=alice')).body, /callerid=%22Alice%20Smith%22%20%3C100%3E/, 'the user of the device changed')

  t.equal((await rt('ps_endpoints', 'single', 'id=carol')).body, '', 'not found, cached')
  await h.write({ op: 'create', type: 'device', id: 'carol', fields: { secret: 'c' } })
  t.match((await rt('ps_endpoints', 'single', 'id=carol')).body, /^id=carol&/, 'a created record replaces a cached "not found"')
  await h.write({ op: 'delete', type: 'device', id: 'carol' })
  t.equal((await rt('ps_endpoints', 'single', 'id=carol')).body, '', 'deleted')

  t.equal((await rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10\n')
  await h.write({ op: 'patch', type: 'trunk', id: 'carrier', set: { ips: ['192.0.2.10', '192.0.2.11'] } })
  t.equal((await rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10%2C192.0.2.11\n')
  await h.write({ op: 'create', type: 'trunk', id: 'second', fields: { ips: ['198.51.100.1'] } })
  t.equal((await rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10%2C192.0.2.11\nid=second&endpoint=second&match=198.51.100.1\n')

  t.equal((await rt('voicemail', 'single', 'mailbox=100&context=default')).body.includes('password=1234'), true)
  await h.write({ op: 'patch', type: 'user', id: 'alice', set: { voicemail: { pin: '1234', mailbox: '555' } } })
  t.equal((await rt('voicemail', 'single', 'mailbox=100&context=default')).body, '', 'the old mailbox number is gone')
  t.match((await rt('voicemail', 'single', 'mailbox=555&context=default')).body, /mailbox=555/)

  await h.write({ op: 'create', type: 'row', id: 'queues/support', fields: { family: 'queues', columns: { name: 'support', strategy: 'ringall' } } })
  t.equal((await rt('queues', 'single', 'name=support')).body, 'name=support&strategy=ringall\n')
  t.equal((await rt('queues', 'multi', 'name%20LIKE=%25')).body, 'name=support&strategy=ringall\n')
  await h.write({ op: 'replace', type: 'row', id: 'queues/support', fields: { family: 'queues', columns: { name: 'support', strategy: 'linear' } } })
  t.equal((await rt('queues', 'single', 'name=support')).body, 'name=support&strategy=linear\n')
  t.equal((await rt('queues', 'multi', 'name%20LIKE=%25')).body, 'name=support&strategy=linear\n')
})

t.test('generic tables: key columns from the table record, indexes follow a change of keys', async (t) => {
  const h = await rtHarness(t)
  t.equal((await h.rt('shop_items', 'single', 'sku=1')).body, '', 'no table yet')
  t.equal(h.refused('unknown_family'), 1)
  await h.write({ op: 'create', type: 'table', id: 'shop_items', fields: { keys: ['sku'] } })
  t.equal((await h.rt('shop_items', 'store', 'sku=1&label=one&shelf=a')).body, '1\n')
  t.equal((await h.rt('shop_items', 'store', 'sku=2&label=two&shelf=a')).body, '1\n')
  t.equal((await h.rt('shop_items', 'multi', 'shelf=a')).body, 'shelf=a&sku=1&label=one\nshelf=a&sku=2&label=two\n', 'a lookup by a column outside any index scans')
  t.equal((await h.rt('shop_items', 'update', 'shelf=b', 'shelf=a')).body, '2\n', 'update every matching row')
  t.equal((await h.rt('shop_items', 'single', 'sku=2')).body, 'sku=2&label=two&shelf=b\n')
  t.equal((await h.rt('shop_items', 'update', 'sku=3', 'sku=2')).body, '1\n', 'a key change moves the row')
  t.same(await h.store.get('row', 'shop_items/2'), undefined)
  t.equal((await h.rt('shop_items', 'single', 'sku=3')).body, 'sku=3&label=two&shelf=b\n')
  t.equal((await h.rt('shop_items', 'destroy', 'shelf=b')).body, '2\n')
  t.equal((await h.rt('shop_items', 'multi', 'sku%20LIKE=%25')).body, '')
})

t.test('bounded: the cache keeps at most its limits', async (t) => {
  const h = await rtHarness(t, { limits: { cacheMaxEntries: 10, cacheMaxAnswer: 200 } })
  await h.write(...Array.from({ length: 30 }, (_, i) => ({ op: 'create' as const, type: 'device' as const, id: `d${i}`, fields: { secret: 'x' } })))
  for (let i = 0; i < 30; i++) t.match((await h.rt('ps_auths', 'single', `id=d${i}`)).body, new RegExp(`^id=d${i}&`))
  t.equal(h.service.cache.size, 10)
  t.ok(h.service.cache.evictions >= 20)
  const size = h.service.cache.size
  t.equal((await h.rt('ps_endpoints', 'multi', 'id%20LIKE=%25')).body.split('\n').length, 31, 'a long answer is still answered')
  t.equal(h.service.cache.size, size, '…but not cached')
})

t.test('a rebuilt view: the indexes and the cache follow', async (t) => {
  const h = await rtHarness(t)
  await h.write({ op: 'create', type: 'trunk', id: 'carrier', fields: { ips: ['192.0.2.10'] } })
  t.equal((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10\n')
  await h.store.rebuild()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10\n')
  await h.write({ op: 'delete', type: 'trunk', id: 'carrier' })
  t.equal((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, '')
})
