import t, { type Test } from 'tap'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import pino from 'pino'
import { encodeBlock, type Hlc, type WriterKey } from '@federator/core'
import { Follower } from '../src/follower.js'
import type { ApplyItem } from '../src/view.js'
import { tmpDir as tmp, until } from '../../../test/helpers/index.js'

/**
 * A writer's log in one corestore, replicated to a second corestore that opens it read-only
 * (as a node opens a remote writer), and a follower on the read-only copy recording what it applies.
 */
async function setup (t: Test, opts: { from?: number, chunk?: number } = {}): Promise<{
  writer: Hypercore, follower: Follower, items: ApplyItem[], calls: number[], applied: () => number
}> {
  const a = new Corestore(tmp(t))
  const b = new Corestore(tmp(t))
  const writer = a.get({ name: 'log' })
  await writer.ready()
  const reader = b.get({ key: writer.key })
  await reader.ready()
  const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  let applied = opts.from ?? 0
  const items: ApplyItem[] = []
  const calls: number[] = []
  const key = writer.key.toString('hex') as WriterKey
  const follower = new Follower(key, reader, () => applied, async (batch, upto) => {
    items.push(...batch)
    calls.push(upto)
    applied = upto
  }, pino({ level: 'silent' }), opts.chunk)
  t.teardown(async () => {
    await follower.close()
    s1.destroy(); s2.destroy()
    await b.close()
    await a.close()
  })
  return { writer, follower, items, calls, applied: () => applied }
}

const block = (...ids: string[]): Buffer => encodeBlock(ids.map((id) => ({ op: 'put', type: 'user', id, hlc: 1 as Hlc, set: { name: id } })))
const idsOf = (items: ApplyItem[]): string[][] => items.map((i) => i.entries.map((e) => e.id))

t.test('follows the blocks appended to a remote log, in order, as they come', async (t) => {
  const { writer, follower, items, applied } = await setup(t)
  await writer.append([block('a', 'b'), block('c')])
  follower.start()
  await until(() => applied() === 2, 'the first blocks applied')
  t.same(items.map((i) => i.seq), [0, 1])
  t.same(idsOf(items), [['a', 'b'], ['c']])
  await writer.append(block('d'))
  await writer.append(block('e'))
  await until(() => applied() === 4, 'the later appends applied')
  t.same(items.map((i) => i.seq), [0, 1, 2, 3], 'each block once, in log order')
  t.same(idsOf(items), [['a', 'b'], ['c'], ['d'], ['e']])
  t.equal(follower.behindSince, 0, 'not behind once caught up')
})

t.test('reads in chunks of `chunk` blocks', async (t) => {
  const { writer, follower, calls, applied } = await setup(t, { chunk: 2 })
  await writer.append([block('a'), block('b'), block('c'), block('d'), block('e')])
  follower.start()
  await until(() => applied() === 5, 'all applied')
  t.same(calls, [2, 4, 5], 'apply is called with the position after each chunk')
})

t.test('resumes from the checkpoint: blocks before it are not handed again', async (t) => {
  const { writer, follower, items, applied } = await setup(t, { from: 2 })
  await writer.append([block('a'), block('b'), block('c'), block('d')])
  follower.start()
  await until(() => applied() === 4, 'caught up')
  t.same(items.map((i) => i.seq), [2, 3])
  t.same(idsOf(items), [['c'], ['d']])
})

t.test('an unreadable block becomes a quarantine item and the follower goes on', async (t) => {
  const { writer, follower, items, applied } = await setup(t)
  await writer.append([block('a'), Buffer.from('not a block'), block('c')])
  follower.start()
  await until(() => applied() === 3, 'all applied')
  t.same(items.map((i) => i.seq), [0, 1, 2])
  t.equal(items[1]!.entries.length, 0)
  t.type(items[1]!.error, 'string', 'the bad block carries why')
  t.same(idsOf(items), [['a'], [], ['c']])
})

t.test('close stops following; closing twice is fine', async (t) => {
  const { writer, follower, items, applied } = await setup(t)
  await writer.append(block('a'))
  follower.start()
  await until(() => applied() === 1, 'first block applied')
  await follower.close()
  await follower.close()
  await writer.append(block('b'))
  await until(() => follower.core.length === 2, 'the new block is known to the reader')
  follower.kick()
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(applied(), 1, 'nothing applied after close')
  t.equal(items.length, 1)
})
