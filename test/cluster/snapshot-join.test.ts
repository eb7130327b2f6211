/**
 * `--snapshot-join` end to end: real node processes on loopback. Two nodes write devices,
 * rewrite them several times and delete some; a third node starting on an empty data
 * directory with --snapshot-join joins from a peer's snapshot (the log says so), ends with
 * the same view hash, holds every live record and none of the deleted ones, and follows
 * writes made afterwards.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor } from '../helpers/cluster.js'

t.test('a fresh node with --snapshot-join joins from a snapshot and converges', async (t) => {
  const cluster = await startCluster(t, { nodes: 2 })
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0] & object, typeof cluster.nodes[0] & object]
  await waitConverged([a, b])
  const ndjson = (round: number, from: number, to: number): string => Array.from({ length: to - from }, (_, k) =>
    JSON.stringify({ type: 'device', id: `d${from + k}`, secret: `s${round}-${from + k}`, codecs: ['ulaw'] })).join('\n') + '\n'
  for (let round = 0; round < 4; round++) {
    for (const [n, from] of [[a, 0], [b, 300]] as const) {
      const res = await fetch(`${n.url}/api/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${n.token}`, 'content-type': 'application/x-ndjson' }, body: ndjson(round, from, from + 300) })
      t.equal(res.status, 200, `round ${round} on ${n.name}: imported`)
      await res.text()
    }
  }
  for (let k = 0; k < 20; k++) await a.remove('devices', `d${k * 7}`)
  const hash = await waitConverged([a, b])

  const c = await cluster.addNode({ name: 'c', args: ['--snapshot-join', '--log-level', 'info'] })
  const joined = await waitFor('c to log its snapshot join', async () => c.stderr, (s) => /joined from a snapshot|snapshot join failed|replaying the logs in full/.test(s), 60_000)
  t.match(joined, /joined from a snapshot/, 'c joined from a snapshot, not by replaying the logs') || t.comment(c.stderr.split('\n').filter((l) => /snapshot|replay|error/i.test(l)).join('\n'))
  t.not(await waitConverged([a, b, c]), hash, 'all three converge (c\'s own record, written once the join settled, changes the hash)')
  const devices = await c.list('devices')
  t.equal(devices.length, 600 - 20, 'every live device, none of the deleted')
  t.equal(devices.find((d) => d.id === 'd7'), undefined, 'a deleted device stays deleted')
  t.equal(devices.find((d) => d.id === 'd8')?.secret, 's3-8', 'the newest version of a rewritten device')
  await b.patch('devices', 'd301', { secret: 'after-join' })
  await waitFor('c to follow a later write', async () => await c.get('devices', 'd301'), (d) => d?.secret === 'after-join')
  t.pass('c follows writes made after its join')
})
