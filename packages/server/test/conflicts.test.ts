import t from 'tap'
import type { Store } from '@federator/store'
import { until } from '../../../test/helpers/index.js'
import { harness, openStore } from './helpers.js'

function link (a: Store, b: Store): () => void {
  const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  return () => { s1.destroy(); s2.destroy() }
}

interface ConflictPage {
  items: Array<{ type: string, id: string, conflicts: Array<{ field: string, value: unknown, hlc: number, time: string, writer: string, node?: string, losers: Array<{ value: unknown, hlc: number, time: string, writer: string, node?: string }> }> }>
  nextCursor: string | null
}

t.test('conflicts: concurrent edits on two diverged stores are listed with winner, losers, writers and times', async (t) => {
  const a = await openStore(t)
  const b = await openStore(t)
  const { api } = await harness(t, {}, a)
  await a.write({ op: 'create', type: 'node', id: a.writerKey, fields: { name: 'node-a' } })
  await b.write({ op: 'create', type: 'node', id: b.writerKey, fields: { name: 'node-b' } })
  for (const id of ['bob', 'carol', 'dave']) await a.write({ op: 'create', type: 'user', id, fields: { name: id, extensions: [] } })
  await a.addWriter(b.writerKey)
  await b.addWriter(a.writerKey)
  let unlink = link(a, b)
  await until(() => a.viewHash() === b.viewHash() && b.count('user') === 3, 'first convergence')
  let page = JSON.parse((await api('GET', '/api/v1/conflicts')).body) as ConflictPage
  t.same(page, { items: [], nextCursor: null }, 'no conflicts yet')

  unlink()
  const t0 = Date.now()
  await a.write({ op: 'patch', type: 'user', id: 'bob', set: { name: 'Bob from A' } })
  await b.write({ op: 'patch', type: 'user', id: 'bob', set: { name: 'Bob from B' } })
  await a.write({ op: 'patch', type: 'user', id: 'carol', set: { email: 'a@example.com' } })
  await b.write({ op: 'patch', type: 'user', id: 'carol', set: { email: 'b@example.com' } })
  await a.write({ op: 'patch', type: 'user', id: 'dave', set: { email: 'sequential@example.com' } }) // only one side: no conflict
  unlink = link(a, b)
  t.teardown(unlink)
  await until(() => a.viewHash() === b.viewHash(), 'convergence after the partition')

  page = JSON.parse((await api('GET', '/api/v1/conflicts')).body) as ConflictPage
  t.same(page.items.map((i) => [i.type, i.id]), [['user', 'bob'], ['user', 'carol']])
  const bob = page.items[0]!.conflicts
  t.equal(bob.length, 1)
  const c = bob[0]!
  t.equal(c.field, 'name')
  const winner = await a.get('user', 'bob')
  t.equal(c.value, winner!.name, 'the winner is the visible value')
  t.equal(c.losers.length, 1)
  t.same([c.value, c.losers[0]!.value].sort(), ['Bob from A', 'Bob from B'])
  t.same([c.writer, c.losers[0]!.writer].sort(), [a.writerTag, b.writerTag].sort(), 'writer tags')
  const names = { [a.writerTag]: 'node-a', [b.writerTag]: 'node-b' }
  t.equal(c.node, names[c.writer], 'the writer\'s node name')
  t.equal(c.losers[0]!.node, names[c.losers[0]!.writer])
  for (const v of [c, c.losers[0]!]) {
    t.match(v.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    t.ok(Math.abs(Date.parse(v.time) - t0) < 60_000, 'the HLC time is the time of the write')
    t.equal(Math.floor(v.hlc / 1024), Date.parse(v.time))
  }

  const first = JSON.parse((await api('GET', '/api/v1/conflicts?limit=1')).body) as ConflictPage
  t.same(first.items.map((i) => i.id), ['bob'])
  t.type(first.nextCursor, 'string')
  const second = JSON.parse((await api('GET', `/api/v1/conflicts?limit=1&cursor=${first.nextCursor!}`)).body) as ConflictPage
  t.same(second.items.map((i) => i.id), ['carol'])
  t.equal(second.nextCursor, null, 'two pages')

  // the same conflicts on the other node
  const other = await harness(t, {}, b)
  const onB = JSON.parse((await other.api('GET', '/api/v1/conflicts')).body) as ConflictPage
  t.same(onB.items, page.items)
})
