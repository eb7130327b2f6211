import t, { type Test } from 'tap'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { decodeBlock, entryBytes, writerTag, type Hlc, type NewEntry, type WriterKey } from '@federator/core'
import { Batcher, type BatcherOptions, type Flushed } from '../src/batcher.js'
import { tmpDir as tmp } from '../../../test/helpers/index.js'

/** A real hypercore in a temp dir, a batcher appending to it, and a record of every append and commit. */
async function setup (t: Test, opts: BatcherOptions = {}, commit?: (f: Flushed) => Promise<void>): Promise<{
  batcher: Batcher, core: Hypercore, appends: number[], commits: Flushed[], logIds: () => Promise<string[][]>
}> {
  const store = new Corestore(tmp(t))
  t.teardown(() => store.close())
  const core = store.get({ name: 'log' })
  await core.ready()
  const appends: number[] = []
  const commits: Flushed[] = []
  const batcher = new Batcher(async (blocks) => {
    appends.push(blocks.length)
    return (await core.append(blocks)).length
  }, async (f) => {
    commits.push(f)
    if (commit !== undefined) await commit(f)
  }, opts)
  const tag = writerTag(core.key.toString('hex') as WriterKey)
  const logIds = async (): Promise<string[][]> => {
    const out: string[][] = []
    for (let i = 0; i < core.length; i++) out.push(decodeBlock((await core.get(i))!, tag).entries.map((e) => e.id))
    return out
  }
  return { batcher, core, appends, commits, logIds }
}

const entry = (id: string, pad = 0): NewEntry => ({ op: 'put', type: 'user', id, hlc: 1 as Hlc, set: { name: 'x'.repeat(pad) } })
const ids = (f: Flushed): string[][] => f.blocks.map((b) => b.entries.map((e) => e.id))

t.test('entries pushed together go out in one append, cut into blocks of at most maxBlockEntries, in order', async (t) => {
  const { batcher, core, appends, commits, logIds } = await setup(t, { maxBlockEntries: 3 })
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
  await Promise.all(names.map((n) => batcher.push(entry(n))))
  t.same(appends, [3], 'one append of three blocks')
  t.equal(commits.length, 1, 'one commit')
  t.same(ids(commits[0]!), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']])
  t.same(commits[0]!.blocks.map((b) => b.seq), [0, 1, 2], 'the log positions of the blocks')
  t.equal(commits[0]!.length, 3)
  t.equal(core.length, 3)
  t.same(await logIds(), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']], 'the log holds the same blocks')
})

t.test('a block is cut before it would pass maxBlockBytes', async (t) => {
  const one = entryBytes(entry('a', 100)).length
  const { batcher, commits } = await setup(t, { maxBlockBytes: 2 * one + 1 })
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => batcher.push(entry(n, 100))))
  t.same(ids(commits[0]!), [['a', 'b'], ['c', 'd'], ['e']])
})

t.test('a single entry larger than maxBlockBytes still goes out, alone in its block', async (t) => {
  const { batcher, commits } = await setup(t, { maxBlockBytes: 10 })
  await Promise.all([batcher.push(entry('big', 50)), batcher.push(entry('next'))])
  t.same(ids(commits[0]!), [['big'], ['next']])
})

t.test('what passes maxFlushBytes goes out in the next flush; order across flushes is kept', async (t) => {
  const one = entryBytes(entry('a', 100)).length
  const { batcher, commits, logIds } = await setup(t, { maxFlushBytes: 3 * one })
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
  await Promise.all(names.map((n) => batcher.push(entry(n, 100))))
  t.same(commits.map((f) => f.blocks.flatMap((b) => b.entries.map((e) => e.id))), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']], 'three flushes of at most three entries')
  t.same(commits.map((f) => f.length), [1, 2, 3], 'each flush appended after the one before')
  t.same((await logIds()).flat(), names)
})

t.test('entries pushed while a flush is in flight are committed together in the next one (group commit)', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let first = true
  const { batcher, commits, appends } = await setup(t, {}, async () => {
    if (first) { first = false; await gate }
  })
  const p1 = batcher.push(entry('a'))
  const until = async (fn: () => boolean): Promise<void> => { while (!fn()) await new Promise((resolve) => setImmediate(resolve)) }
  await until(() => commits.length === 1)
  const later = ['b', 'c', 'd'].map((n) => batcher.push(entry(n)))
  t.equal(batcher.size, 3, 'the later entries wait in the queue')
  release()
  await Promise.all([p1, ...later])
  t.same(appends, [1, 1], 'two appends of one block each')
  t.same(commits.map(ids), [[['a']], [['b', 'c', 'd']]])
  t.equal(batcher.size, 0)
})

t.test('a failing flush rejects the writers of that flush only; the batcher goes on', async (t) => {
  let fail = true
  const { batcher, commits } = await setup(t, {}, async () => {
    if (fail) { fail = false; throw new Error('view batch failed') }
  })
  const bad = await Promise.allSettled([batcher.push(entry('a')), batcher.push(entry('b'))])
  t.same(bad.map((r) => r.status), ['rejected', 'rejected'])
  t.equal((bad[0] as PromiseRejectedResult).reason.message, 'view batch failed', 'the flush error reaches the writer')
  await batcher.push(entry('c'))
  t.same(commits.map(ids), [[['a', 'b']], [['c']]])
})

t.test('an append error reaches the writers, nothing is committed', async (t) => {
  const { batcher, core, commits } = await setup(t)
  await core.close()
  await t.rejects(batcher.push(entry('a')))
  t.equal(commits.length, 0)
})

t.test('drain waits for every queued entry, and returns at once when idle (also called twice)', async (t) => {
  const { batcher, commits } = await setup(t, { maxBlockEntries: 2 })
  await batcher.drain()
  void batcher.push(entry('a'))
  void batcher.push(entry('b'))
  void batcher.push(entry('c'))
  await batcher.drain()
  t.same(commits.map(ids), [[['a', 'b'], ['c']]], 'all committed after drain')
  await batcher.drain()
  t.equal(batcher.size, 0)
})

t.test('flushNow starts the waiting flush without waiting for the next turn of the event loop', async (t) => {
  const { batcher, appends } = await setup(t)
  const microtasks = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await Promise.resolve() }
  const a = batcher.push(entry('a'))
  await microtasks(10)
  t.same(appends, [], 'without flushNow the flush waits for its turn')
  await a
  const b = batcher.push(entry('b'))
  batcher.flushNow()
  await microtasks(10)
  t.same(appends, [1, 1], 'with flushNow it is appending already')
  await b
  batcher.flushNow() // idle: nothing to start
  t.equal(batcher.size, 0)
})

t.test('with start(): the commit runs while the append is in flight, at the log positions the append gets', async (t) => {
  const store = new Corestore(tmp(t))
  t.teardown(() => store.close())
  const core = store.get({ name: 'log' })
  await core.ready()
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const commits: Flushed[] = []
  const batcher = new Batcher(async (blocks) => { await gate; return (await core.append(blocks)).length }, async (f) => { commits.push(f) }, { maxBlockEntries: 2 }, () => core.length)
  let settled = false
  const p = Promise.all(['a', 'b', 'c'].map((n) => batcher.push(entry(n)))).then(() => { settled = true })
  await until(() => commits.length === 1)
  t.same(commits[0]!.blocks.map((b) => b.seq), [0, 1], 'committed at the positions the append will take')
  t.equal(commits[0]!.length, 2)
  t.equal(core.length, 0, 'before the append is done')
  t.notOk(settled, 'the writers wait for the append too')
  release()
  await p
  t.equal(core.length, 2)
  await batcher.push(entry('d'))
  t.same(commits[1]!.blocks.map((b) => b.seq), [2])
})

t.test('with start(): a failed append rejects the writers once the commit has settled', async (t) => {
  const order: string[] = []
  let fail = true
  const batcher = new Batcher(async () => {
    if (fail) { fail = false; order.push('append failed'); throw new Error('disk full') }
    return 1
  }, async () => { await new Promise((resolve) => setImmediate(resolve)); order.push('committed') }, {}, () => 0)
  await t.rejects(batcher.push(entry('a')).finally(() => order.push('writer told')), /disk full/)
  t.same(order, ['append failed', 'committed', 'writer told'])
  await batcher.push(entry('b'))
})

t.test('with start(): an append that does not end where start() said rejects the writers', async (t) => {
  const batcher = new Batcher(async () => 5, async () => {}, {}, () => 0)
  await t.rejects(batcher.push(entry('a')), /5 blocks long after the append, expected 1/)
})

async function until (fn: () => boolean): Promise<void> {
  while (!fn()) await new Promise((resolve) => setImmediate(resolve))
}
