/**
 * One admin credential for the cluster, on three real node processes: a token
 * created on one node is accepted by the others once replicated; a read-only
 * one reads everywhere and is refused writes; revoked on a third node, it is
 * refused everywhere. Waits poll with a deadline (no timing assertion); the
 * times measured are reported as comments.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor, type ClusterNode } from '../helpers/cluster.js'

async function statusWith (n: ClusterNode, token: string, path = '/api/v1/users', init: RequestInit = {}): Promise<{ status: number, code?: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(n.url + path, { ...init, headers })
  const text = await res.text()
  let code: string | undefined
  try { code = (JSON.parse(text) as { code?: string }).code } catch {}
  return { status: res.status, ...(code !== undefined ? { code } : {}) }
}

t.test('a token created on A works on B and C; revoked on C, it is refused everywhere', async (t) => {
  const cluster = await startCluster(t, { nodes: 3 })
  const [a, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  await waitConverged(cluster.nodes)

  const created = await a.json<{ id: string, token: string, scope: string }>('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'cluster admin' }) })
  t.equal(created.scope, 'admin')
  t.match(created.token, /^fedt_/)
  const madeAt = Date.now()
  for (const n of [b, c]) {
    await waitFor(`the token accepted by ${n.name}`, async () => (await statusWith(n, created.token)).status, (s) => s === 200, 20_000)
  }
  t.comment(`accepted by B and C ${Date.now() - madeAt} ms after its creation on A`)
  t.equal((await statusWith(a, created.token)).status, 200, 'and by A')

  // it writes on B, and what it wrote reaches A
  t.equal((await statusWith(b, created.token, '/api/v1/users/ann', { method: 'PUT', body: JSON.stringify({ name: 'Ann', extensions: ['1001'] }) })).status, 201)
  await waitFor('the user on A', async () => await a.get('users', 'ann'), (u) => u !== undefined, 20_000)

  // a read-only token made on B: C reads with it, and is refused writes
  const ro = await b.json<{ id: string, token: string }>('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'dashboard', scope: 'read' }) })
  await waitFor('the read token accepted by C', async () => (await statusWith(c, ro.token)).status, (s) => s === 200, 20_000)
  const write = await statusWith(c, ro.token, '/api/v1/users/bob', { method: 'PUT', body: JSON.stringify({ name: 'Bob', extensions: ['1002'] }) })
  t.same(write, { status: 403, code: 'FED_ERR_FORBIDDEN' }, 'a read token cannot write on another node either')
  t.equal(await c.get('users', 'bob'), undefined)

  // every node lists the same tokens, without hashes
  await waitConverged(cluster.nodes)
  for (const n of cluster.nodes) {
    const res = await n.api('/api/v1/tokens')
    const text = await res.text()
    const list = JSON.parse(text) as { items: Array<{ id: string }> }
    t.same(list.items.map((x) => x.id).sort(), [created.id, ro.id].sort(), `${n.name} lists both tokens`)
    t.notOk(text.includes('hash'), `${n.name}: no hash in the list`)
  }

  // revoked on C (with the token itself): refused on every node
  t.equal((await statusWith(c, created.token, `/api/v1/tokens/${created.id}`, { method: 'DELETE' })).status, 204)
  const revokedAt = Date.now()
  for (const n of [c, a, b]) {
    await waitFor(`the revoked token refused by ${n.name}`, async () => await statusWith(n, created.token), (s) => s.status === 401 && s.code === 'FED_ERR_UNAUTHORIZED', 20_000)
  }
  t.comment(`refused by all three ${Date.now() - revokedAt} ms after its revocation on C`)
  t.equal((await statusWith(a, ro.token)).status, 200, 'the other token still works')
})
