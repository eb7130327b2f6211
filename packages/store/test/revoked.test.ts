/**
 * A revoked node knows it: once another node's revocation of it has
 * replicated here, every write is refused with FED_ERR_REVOKED (nothing is
 * appended to its log), and the store says so through revocation().
 */
import t, { type Test } from 'tap'
import type { FedError } from '@federator/core'
import { Store } from '../src/index.js'
import { tmpDir as tmp, until } from '../../../test/helpers/index.js'

async function open (t: Test, dir: string): Promise<Store> {
  const s = new Store({ dir })
  t.teardown(() => s.close())
  await s.ready()
  return s
}

function link (a: Store, b: Store): () => void {
  const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  return () => { s1.destroy(); s2.destroy() }
}

t.test('a node revoked by another refuses every write once it has the revocation', async (t) => {
  const a = await open(t, tmp(t))
  const b = await open(t, tmp(t))
  await a.addWriter(b.writerKey)
  await b.addWriter(a.writerKey)
  t.teardown(link(a, b))
  await b.write({ op: 'create', type: 'node', id: b.writerKey, fields: { name: 'b' } })
  await b.write({ op: 'create', type: 'user', id: 'early', fields: { name: 'Early', extensions: [] } })
  await until(() => a.writers().find((w) => w.key === b.writerKey)?.applied === b.core.length, 'a has b\'s log')
  t.equal(b.revocation(), undefined, 'not revoked yet')

  const cut = b.core.length
  await a.write({ op: 'patch', type: 'node', id: b.writerKey, set: { revoked: { length: cut, at: '2026-01-01T00:00:00.000Z', reason: 'lost laptop' } } })
  await until(() => b.revocation() !== undefined, 'b sees its revocation')
  t.same(b.revocation(), { length: cut, at: '2026-01-01T00:00:00.000Z', reason: 'lost laptop' })

  const before = b.core.length
  for (const op of [
    b.write({ op: 'create', type: 'user', id: 'late', fields: { name: 'Late', extensions: [] } }),
    b.write({ op: 'patch', type: 'user', id: 'early', set: { name: 'Changed' } }),
    b.write({ op: 'delete', type: 'user', id: 'early' })
  ]) {
    const err = await op.then(() => undefined, (e: FedError) => e)
    t.equal(err?.code, 'FED_ERR_REVOKED')
    t.match(err?.message, /revoked at 2026-01-01T00:00:00.000Z \(lost laptop\)/)
  }
  const err = await b.writeMany([{ op: 'create', type: 'user', id: 'bulk', fields: { name: 'Bulk', extensions: [] } }]).then(() => undefined, (e: FedError) => e)
  t.equal(err?.code, 'FED_ERR_REVOKED', 'bulk writes too')
  t.equal(b.core.length, before, 'nothing was appended to its log')
  t.same(await b.get('user', 'early'), { name: 'Early', extensions: [] }, 'what it wrote before the cut stays')
  t.equal(a.revocation(), undefined, 'the revoking node is not revoked')
  await a.write({ op: 'create', type: 'user', id: 'from-a', fields: { name: 'A', extensions: [] } })
})
