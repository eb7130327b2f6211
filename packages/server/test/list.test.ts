import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { harness, type Harness } from './helpers.js'

interface Page { items: Array<{ id: string } & Record<string, unknown>>, nextCursor: string | null }

/** Follow nextCursor to the end; returns the ids and the number of pages. */
async function all (api: Harness['api'], url: string): Promise<{ ids: string[], pages: number, sizes: number[] }> {
  const ids: string[] = []
  const sizes: number[] = []
  let cursor: string | null = null
  do {
    const sep = url.includes('?') ? '&' : '?'
    const r: LightMyRequestResponse = await api('GET', url + (cursor !== null ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''))
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`)
    const page = JSON.parse(r.body) as Page
    ids.push(...page.items.map((i) => i.id))
    sizes.push(page.items.length)
    cursor = page.nextCursor
  } while (cursor !== null && sizes.length < 1000)
  return { ids, pages: sizes.length, sizes }
}

t.test('list pagination across pages, with and without filters', async (t) => {
  const { api, store } = await harness(t, { limits: { listScanMax: 40 } })
  const devices = Array.from({ length: 230 }, (_, i) => ({
    op: 'create' as const, type: 'device' as const, id: 'd' + String(i).padStart(3, '0'),
    fields: { user: 'u' + (i % 7), context: i % 10 === 0 ? 'special' : 'default', enabled: i % 2 === 0, ...(i % 50 === 0 ? { username: 'shared' } : {}) }
  }))
  await store.writeMany(devices)
  const sorted = devices.map((d) => d.id).sort()

  let r = await all(api, '/api/v1/devices')
  t.same(r.ids, sorted, 'every device once, in id order')
  t.same(r.sizes, [100, 100, 30], 'default page size 100, nextCursor null on the last page')

  r = await all(api, '/api/v1/devices?limit=1000')
  t.same(r.sizes, [230])
  r = await all(api, '/api/v1/devices?limit=23')
  t.same(r.ids, sorted)
  t.equal(r.pages, 10, 'an exact multiple ends without an empty page')

  const byUser = devices.filter((d) => d.fields.user === 'u3').map((d) => d.id)
  r = await all(api, '/api/v1/devices?user=u3&limit=7')
  t.same(r.ids, byUser, 'index filter (devices by user) across pages')

  const shared = devices.filter((d) => d.fields.username === 'shared').map((d) => d.id)
  r = await all(api, '/api/v1/devices?username=shared&limit=2')
  t.same(r.ids, shared, 'index filter (auth username)')
  r = await all(api, '/api/v1/devices?username=d007')
  t.same(r.ids, ['d007'], 'the auth username defaults to the device id')

  const special = devices.filter((d) => d.fields.context === 'special').map((d) => d.id)
  r = await all(api, '/api/v1/devices?context=special&limit=5')
  t.same(r.ids, special, 'scanned filter across pages')
  t.ok(r.sizes.some((s) => s < 5) && r.pages > 5, 'the scan budget (40 records) cut some pages short and gave a cursor')

  const both = devices.filter((d) => d.fields.user === 'u3' && d.fields.enabled).map((d) => d.id)
  r = await all(api, '/api/v1/devices?user=u3&enabled=true&limit=4')
  t.same(r.ids, both, 'index filter + typed equality filter')
  t.ok(both.length > 0 && both.length < byUser.length)

  r = await all(api, '/api/v1/devices?user=nobody')
  t.same(r, { ids: [], pages: 1, sizes: [0] })
})

t.test('users by extension and trunks by IP come from the indexes', async (t) => {
  const { api } = await harness(t)
  await api('POST', '/api/v1/users', { id: 'alice', name: 'Alice', extensions: ['1001', '1011'] })
  await api('POST', '/api/v1/users', { id: 'bob', name: 'Bob', extensions: ['1002'] })
  await api('POST', '/api/v1/trunks', { id: 't1', ips: ['192.0.2.1', '192.0.2.2'] })
  await api('POST', '/api/v1/trunks', { id: 't2', ips: ['192.0.2.2'] })
  t.same((await all(api, '/api/v1/users?extension=1011')).ids, ['alice'])
  t.same((await all(api, '/api/v1/trunks?ip=192.0.2.2')).ids, ['t1', 't2'])
  await api('PATCH', '/api/v1/users/alice', { extensions: ['1001'] })
  t.same((await all(api, '/api/v1/users?extension=1011')).ids, [], 'the index follows changes')
})
