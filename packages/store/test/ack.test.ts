/**
 * The write acknowledgement: a flush's append and its view batch run concurrently (batcher.ts), so the
 * view may hold a flush the log does not — after a crash between the two, or when the append fails.
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import type { FedError } from '@federator/core'
import { Store } from '../src/index.js'
import { tmpDir as tmp, until } from '../../../test/helpers/index.js'

async function open (t: Test, dir: string): Promise<Store> {
  const s = new Store({ dir })
  t.teardown(() => s.close())
  await s.ready()
  return s
}

const user = (name: string): { op: 'create', type: 'user', id: string, fields: { name: string, extensions: string[] } } =>
  ({ op: 'create', type: 'user', id: name, fields: { name, extensions: [] } })

t.test('a view ahead of this node\'s log (its last flush applied, its append lost) is rebuilt on open', async (t) => {
  const dir = tmp(t)
  const s = new Store({ dir })
  await s.ready()
  await s.write(user('u1'))
  await s.write(user('u2'))
  const hashOfTwo = s.viewHash()
  await s.write(user('u3'))
  t.equal(s.core.length, 3, 'one block per acknowledged write')
  await s.close()

  // what a crash between the view batch and the append leaves: the view has block 2, the log does not
  const cores = new Corestore(new CoreStorage(join(dir, 'cores')))
  const log = cores.get({ name: 'log' })
  await log.ready()
  await (log as unknown as { truncate: (length: number) => Promise<void> }).truncate(2)
  await cores.close()

  const again = await open(t, dir)
  t.equal(again.core.length, 2)
  t.equal(again.getSync('user', 'u3'), undefined, 'the entry the log lost is not in the view')
  t.same(again.getSync('user', 'u2'), { extensions: [], name: 'u2' })
  t.equal(again.viewHash(), hashOfTwo, 'the view is the log\'s')
  t.equal(again.writers().find((w) => w.local)?.applied, 2, 'its checkpoint is the log\'s length')
  await again.write(user('u4'))
  t.equal(again.core.length, 3, 'the next write continues the log')
  t.equal(await again.rebuild(), again.viewHash(), 'and the view equals a rebuild')
})

t.test('a failed append rejects the writes of its flush; the view is rebuilt without them; later writes go on', async (t) => {
  const s = await open(t, tmp(t))
  await s.write(user('u1'))
  const before = s.viewHash()
  const core = s.core as unknown as { append: (blocks: Buffer[]) => Promise<{ length: number }> }
  const append = core.append
  core.append = async () => { core.append = append; throw new Error('no space left on device') }
  const rebuilt = new Promise<string>((resolve) => s.once('rebuilt', resolve))
  let code: string | undefined
  try { await s.write(user('u2')) } catch (err) { code = (err as FedError).code }
  t.equal(code, 'FED_ERR_INTERNAL', 'the writer gets the error')
  t.equal(await rebuilt, before, 'the rebuilt view is the one before the failed flush')
  await until(() => s.getSync('user', 'u2') === undefined, 'the view without u2')
  t.equal(s.core.length, 1)
  await s.write(user('u3'))
  t.same(s.getSync('user', 'u3'), { extensions: [], name: 'u3' })
  t.equal(s.core.length, 2)
  t.equal(await s.rebuild(), s.viewHash(), 'the view equals a rebuild from the log')
})

t.test('a write is readable once acknowledged, also with many in flight (read-your-writes)', async (t) => {
  const s = await open(t, tmp(t))
  const seen = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    await s.write(user('r' + i))
    return s.getSync('user', 'r' + i) !== undefined
  }))
  t.equal(seen.filter((x) => x).length, 200, 'every write was readable when its promise resolved')
  t.ok(s.core.length < 200, `writes in flight together shared blocks (${s.core.length} blocks for 200 writes)`)
})
