/**
 * A node killed with SIGKILL in the middle of replication: while a bulk
 * import streams into node n0, node n2 (which is applying n0's log) is
 * killed; the import goes on, n2 is restarted on the same data dir, catches up
 * from its checkpoints and ends with the same view hash and every record.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor } from '../helpers/cluster.js'

const RECORDS = 20_000

t.test('SIGKILL a node while it replicates a bulk import; restart: it catches up, same hash', async (t) => {
  const cluster = await startCluster(t, { nodes: 3 })
  const [n0, n1, n2] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]]
  await waitConverged(cluster.nodes)
  const writerOf0 = (await n0.status()).node.writer

  const lines: string[] = []
  for (let i = 0; i < RECORDS; i++) lines.push(JSON.stringify({ type: 'device', id: `dev${i}`, user: `u${i % 500}`, codecs: ['ulaw', 'g722'], context: 'from-internal', callerId: `"Device ${i}" <${10000 + i}>` }))
  const importing = n0.importNdjson(lines.join('\n') + '\n')
  let importDone = false
  void importing.then(() => { importDone = true }, () => { importDone = true })

  // n2 is in the middle of applying n0's log
  const mid = await waitFor('n2 applying n0\'s import', async () => (await n2.status()).writers.find((w) => w.key === writerOf0)?.applied ?? 0, (applied) => applied > 1, 60_000, 10)
  const killedWhileImporting = !importDone
  await n2.kill('SIGKILL')
  t.pass(`n2 killed with SIGKILL after applying ${mid} blocks of n0's log${killedWhileImporting ? ', the import still streaming on n0' : ', the import done on n0'}`)
  // what matters is that n2 died half-way through n0's log (n0 may acknowledge the whole import before
  // n2 has applied much of it: replication follows the writer)
  const res = await importing
  const logOf0 = (await n0.status()).writers.find((w) => w.key === writerOf0)?.length ?? 0
  t.ok(mid < logOf0, `n2 died half-way through n0's log (${mid} of ${logOf0} blocks applied)`)

  t.same(res, { imported: RECORDS, failed: 0, errors: [], omittedErrors: 0 }, 'the import on n0 completed')
  await n1.put('users', 'after-crash', { name: 'Written while n2 was down', extensions: ['7000'] })

  await n2.start()
  const started = Date.now()
  const hash = await waitConverged(cluster.nodes, 120_000)
  t.comment(`n2 caught up ${Date.now() - started} ms after its restart`)
  const views = await Promise.all(cluster.nodes.map(async (n) => await n.status()))
  t.same(views.map((v) => v.viewHash), [hash, hash, hash], 'same view hash on all three')
  t.same(views.map((v) => v.records.device), [RECORDS, RECORDS, RECORDS], 'every device on every node')
  t.equal(views[2]!.quarantined, 0, 'nothing quarantined on the restarted node')
  t.ok(await n2.get('users', 'after-crash') !== undefined, 'n2 has the write made while it was down')
  t.same(await n2.get('devices', `dev${RECORDS - 1}`), { id: `dev${RECORDS - 1}`, user: 'u499', codecs: ['ulaw', 'g722'], context: 'from-internal', callerId: `"Device ${RECORDS - 1}" <${10000 + RECORDS - 1}>` })
})
