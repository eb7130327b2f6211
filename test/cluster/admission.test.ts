/**
 * Only admitted nodes get data. A node started with another cluster's join
 * string that dials a cluster node directly is dropped at admission: it never
 * gets a record, and the cluster node counts the rejection in
 * /api/v1/cluster and /metrics. A node revoked with `federator revoke <name>`
 * (the CLI, against another node's API) is dropped and refused at connect;
 * it knows it (not ready, writes refused with FED_ERR_REVOKED, an error
 * logged); nothing it could write afterwards appears anywhere, what it wrote
 * before stays.
 */
import t from 'tap'
import { runCli } from '../helpers/node-process.js'
import { startCluster, waitConverged, waitFor } from '../helpers/cluster.js'
import { formatJoinString, newClusterSecret } from '@federator/net'

t.test('a peer with the wrong secret gets no data, and the rejection is visible', async (t) => {
  const cluster = await startCluster(t, { nodes: 2 })
  const [n0, n1] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]]
  for (let i = 0; i < 10; i++) await n0.put('users', `secret${i}`, { name: `Cluster user ${i}`, extensions: [String(8000 + i)] })
  await waitConverged(cluster.nodes)

  // dials n0 directly (and uses the same DHT, under its own cluster's topic)
  const outsider = await cluster.addNode({ name: 'outsider', join: formatJoinString(newClusterSecret()), peers: [await n0.peerAddress()] })
  const s0 = await waitFor('n0 counts the outsider\'s failed admission', async () => await n0.status(), (s) => s.network.enabled && Object.values(s.network.counters.rejected).reduce((a, b) => a + b, 0) > 0, 30_000)
  t.comment('n0 rejected: ' + JSON.stringify(s0.network.enabled ? s0.network.counters.rejected : null))
  const metrics = await (await fetch(n0.url + '/metrics')).text()
  t.match(metrics, /federator_peers_rejected_total\{reason="[a-z-]+"\} [1-9]/, '/metrics shows the rejection')
  const so = await waitFor('the outsider counts n0\'s rejection too', async () => await outsider.status(), (s) => s.network.enabled && Object.values(s.network.counters.rejected).reduce((a, b) => a + b, 0) > 0, 30_000)

  // let the outsider try again (static peers are redialled), then look at what it holds. Both sides
  // send their proof at once and the first to check the other's closes the connection, so an attempt
  // is counted as a rejection by n0, by the outsider, or by both: count them together.
  const rejections = async (): Promise<number> => {
    let sum = 0
    for (const n of [n0, outsider]) {
      const s = await n.status()
      if (s.network.enabled) sum += Object.values(s.network.counters.rejected).reduce((a, b) => a + b, 0)
    }
    return sum
  }
  const first = await rejections()
  await waitFor('another rejected attempt', rejections, (sum) => sum > first, 30_000)
  const after = await outsider.status()
  t.equal(after.records.user, 0, 'the outsider holds none of the cluster\'s records')
  t.same(after.writers.map((w) => w.key), [after.node.writer], 'and no log but its own')
  t.equal(after.peers.filter((p) => p.state === 'admitted').length, 0, 'it was never admitted')
  t.equal(so.network.enabled && so.network.counters.admitted, 0)
  for (const n of [n0, n1]) {
    const s = await n.status()
    t.notOk(s.peers.some((p) => p.swarmKey === after.node.swarmKey && p.state === 'admitted'), `${n.name} never admitted the outsider`)
    t.notOk(s.writers.some((w) => w.key === after.node.writer), `${n.name} has no log of the outsider`)
  }
})

t.test('a node revoked with `federator revoke`: dropped, refused at connect, its new writes appear nowhere', async (t) => {
  const cluster = await startCluster(t, { nodes: 3 })
  const [n0, n1, n2] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]]
  await n2.put('users', 'before-revoke', { name: 'Written by n2 before its revocation', extensions: ['9000'] })
  await waitConverged(cluster.nodes)
  const s2 = await n2.status()

  const r = await runCli(['revoke', 'n2', '--url', n0.url, '--token', cluster.token, '--reason', 'test'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, new RegExp(`revoked n2 ${s2.node.writer}`))

  // n0 and n1 drop n2 and refuse it when it dials again
  for (const n of [n0, n1]) {
    await waitFor(`${n.name} has no connection to n2`, async () => await n.status(), (s) => !s.peers.some((p) => p.swarmKey === s2.node.swarmKey && p.state === 'admitted'), 30_000)
  }
  // n2 knows it: not ready (with the reason), writes refused with FED_ERR_REVOKED, an error in its log
  const ready = await waitFor('n2 reports not ready', async () => await fetch(n2.url + '/readyz'), (r) => r.status === 503, 30_000)
  const body = await ready.json() as { code: string, message: string }
  t.equal(body.code, 'FED_ERR_NOT_READY')
  t.match(body.message, /revoked \(test\)/, '/readyz says why')
  for (const [what, res] of [
    ['create', await n2.api('/api/v1/users/after-revoke', { method: 'PUT', body: JSON.stringify({ name: 'Written by n2 after its revocation', extensions: ['9001'] }) })],
    ['patch', await n2.api('/api/v1/users/before-revoke', { method: 'PATCH', body: JSON.stringify({ name: 'Changed by n2 after its revocation' }) })]
  ] as const) {
    t.equal(res.status, 403, `n2 refuses a ${what}`)
    t.equal((await res.json() as { code: string }).code, 'FED_ERR_REVOKED')
  }
  const rt = await fetch(n2.url + '/realtime/voicemail/update?mailbox=9000', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'password=1234' })
  t.equal(await rt.text(), '-1\n', 'a realtime write answers -1')
  t.match(await (await fetch(n2.url + '/metrics')).text(), /federator_realtime_refused_total\{reason="revoked"\} 1/, 'counted under "revoked"')
  await waitFor('n2 logs the revocation as an error', async () => n2.stderr, (s) => /"level":50[^\n]*this node was revoked/.test(s), 10_000)
  // n2 keeps trying to reach the cluster: refused at connect
  const fw = await waitFor('n2 refused at connect', async () => await Promise.all([n0.status(), n1.status()]), (ss) => ss.some((s) => s.network.enabled && s.network.counters.firewalled > 0), 60_000, 200)
  t.pass('refused at connect: ' + fw.map((s) => `${s.node.name} ${s.network.enabled ? s.network.counters.firewalled : 0}`).join(', '))
  const metrics = await (await fetch(n0.url + '/metrics')).text()
  t.match(metrics, /federator_peers_firewalled_total \d+/)

  await waitConverged([n0, n1])
  for (const n of [n0, n1]) {
    t.equal(await n.get('users', 'after-revoke'), undefined, `${n.name}: n2's write after the revocation is not there`)
    t.same(await n.get('users', 'before-revoke'), { id: 'before-revoke', name: 'Written by n2 before its revocation', extensions: ['9000'] }, `${n.name}: what n2 wrote before stays, unchanged`)
    const s = await n.status()
    t.equal(s.writers.find((w) => w.key === s2.node.writer)?.revoked, true, `${n.name} marks n2's log revoked`)
    t.equal(s.nodes.find((x) => x.writer === s2.node.writer)?.revoked, true)
    t.notOk(s.peers.some((p) => p.swarmKey === s2.node.swarmKey && p.state === 'admitted'), `${n.name} is not connected to n2`)
  }
  // a node that joins now never takes n2's later entries either, and n2 cannot reach it
  const n3 = await cluster.addNode({ name: 'n3' })
  await waitConverged([n0, n1, n3])
  t.equal(await n3.get('users', 'after-revoke'), undefined, 'a newcomer does not get them either')
  t.ok(await n3.get('users', 'before-revoke') !== undefined)
})
