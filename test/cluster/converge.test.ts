/**
 * Three real node processes on loopback with a local DHT bootstrap node:
 * writes on each node (creates, field patches, a delete) end in identical
 * view hashes, and every record is present, with the same fields, on every
 * node.
 */
import t from 'tap'
import { startCluster, waitConverged, type ClusterNode } from '../helpers/cluster.js'

t.test('3 nodes, writes on each: identical view hashes, every record everywhere', async (t) => {
  const cluster = await startCluster(t, { nodes: 3 })
  const nodes = cluster.nodes
  const started = Date.now()
  await waitConverged(nodes)
  t.comment(`3 nodes found each other through the bootstrap node in ${Date.now() - started} ms`)

  const want = new Map<string, Record<string, unknown>>()
  await Promise.all(nodes.map(async (n: ClusterNode, i) => {
    for (let k = 0; k < 20; k++) {
      const id = `u${i}-${k}`
      const fields = { name: `User ${i}.${k} from ${n.name}`, extensions: [String(1000 + i * 100 + k)] }
      await n.put('users', id, fields)
      want.set(id, { id, ...fields })
    }
    await n.put('devices', `d${i}`, { user: `u${i}-0`, codecs: ['ulaw'], secret: 's' + i })
    want.set(`d${i}`, { id: `d${i}`, user: `u${i}-0`, codecs: ['ulaw'], secret: 's' + i })
  }))
  // a record created on one node, changed on another (after it arrived) and deleted on a third
  await nodes[0]!.put('users', 'shared', { name: 'Shared', extensions: ['2000'] })
  await waitConverged(nodes)
  await nodes[1]!.patch('users', 'shared', { email: 'shared@example.org' })
  await nodes[2]!.remove('users', 'u2-19')
  want.delete('u2-19')
  want.set('shared', { id: 'shared', name: 'Shared', extensions: ['2000'], email: 'shared@example.org' })

  const hash = await waitConverged(nodes)
  t.match(hash, /^[0-9a-f]{64}$/)
  const views = await Promise.all(nodes.map(async (n) => await n.status()))
  t.same(new Set(views.map((v) => v.viewHash)).size, 1, 'identical view hashes: ' + views.map((v) => v.viewHash.slice(0, 12)).join(' '))
  for (const v of views) {
    t.equal(v.records.user, 60, `${v.node.name}: 60 users`)
    t.equal(v.records.device, 3, `${v.node.name}: 3 devices`)
    t.equal(v.records.node, 3, `${v.node.name}: 3 node records`)
    t.equal(v.conflicts, 0)
    t.equal(v.quarantined, 0)
    const admitted = v.peers.filter((p) => p.state === 'admitted')
    t.equal(new Set(admitted.map((p) => p.swarmKey)).size, 2, `${v.node.name} is connected to both others`)
    t.ok(admitted.every((p) => p.remoteAddress?.startsWith('127.0.0.1:')), 'over loopback')
  }
  for (const n of nodes) {
    const users = await n.list('users')
    const devices = await n.list('devices')
    const got = new Map([...users, ...devices].map((r) => [r.id as string, r]))
    t.equal(got.size, want.size, `${n.name} holds exactly the expected records`)
    let same = 0
    for (const [id, rec] of want) if (JSON.stringify(sorted(got.get(id))) === JSON.stringify(sorted(rec))) same++
    t.equal(same, want.size, `${n.name}: every record present with the same fields`)
    t.equal(got.has('u2-19'), false, `${n.name}: the deleted record is gone`)
  }
})

function sorted (r: Record<string, unknown> | undefined): unknown {
  if (r === undefined) return undefined
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))
}
