/**
 * Membership survives a restart (issue 9): a node started with `--join` and
 * restarted without it is still in its cluster (it reconnects to the other
 * node and serves what was written meanwhile); `start --join` with another
 * cluster's string fails with FED_ERR_CLUSTER_MISMATCH (so does `init --join`); a node that was in a
 * cluster whose record is gone fails with FED_ERR_CLUSTER_MISSING instead of
 * serving a stale view alone, and starts alone only with --standalone.
 * Real `federator start` processes (test/helpers/cluster.ts); waits poll with
 * a deadline.
 */
import t from 'tap'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { formatJoinString, newClusterSecret, parseJoinString } from '@federator/net'
import { ClusterNode, startCluster, waitConverged, waitFor } from './helpers/cluster.js'
import { runCli } from './helpers/node-process.js'

t.test('start --join, then restarts without it: still in the cluster; another cluster or none is an error', async (t) => {
  const cluster = await startCluster(t, { nodes: 2 })
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode]
  const clusterId = parseJoinString(cluster.join).cluster.id
  await waitConverged([a, b])
  await a.put('users', 'u1', { name: 'One', extensions: ['101'] })
  await waitConverged([a, b])

  // a restarts without --join (same data directory, token and tunables)
  await a.kill('SIGTERM')
  const args = cluster.argsFor({ join: null }, 'n0')
  t.notOk(args.includes('--join'))
  const a2 = new ClusterNode('n0', a.dataDir, args, a.env, cluster.token)
  t.teardown(async () => { await a2.kill('SIGKILL') })
  await b.put('users', 'u2', { name: 'Two', extensions: ['102'] }) // written while a was down
  await a2.start()
  const s = await a2.status()
  t.equal(s.node.cluster, clusterId, 'in the recorded cluster')
  t.equal(s.network.enabled, true)
  await waitFor('a back in touch with b', async () => (await a2.status()).nodes.find((n) => n.name === 'n1')?.state, (st) => st === 'alive')
  await waitConverged([a2, b])
  t.match(await a2.get('users', 'u2'), { name: 'Two' }, 'a caught up with the write made while it was down')
  await a2.kill('SIGTERM')

  const base = ['start', '--data', a.dataDir, '--http', '127.0.0.1:0', '--name', 'n0', '--swarm-host', '127.0.0.1', '--swarm-port', '0']
  const env = { ...a.env }

  // another cluster's join string: refused, nothing started, the record kept
  const other = await runCli([...base, '--join', formatJoinString(newClusterSecret())], { env })
  t.equal(other.code, 2)
  t.match(other.stderr, /FED_ERR_CLUSTER_MISMATCH/)
  t.match(other.stderr, clusterId, 'the message names the recorded cluster')
  t.notMatch(other.stdout, /listening on/)
  const reinit = await runCli(['init', '--data', a.dataDir, '--join', formatJoinString(newClusterSecret())], { env })
  t.equal(reinit.code, 2)
  t.match(reinit.stderr, /FED_ERR_CLUSTER_MISMATCH/, 'init --join cannot move it to another cluster either')

  // the record lost: the node knows it was in a cluster and does not start alone
  await rm(join(a.dataDir, 'cluster'))
  const alone = await runCli(base, { env })
  t.equal(alone.code, 2)
  t.match(alone.stderr, /FED_ERR_CLUSTER_MISSING/)
  t.match(alone.stderr, /--join/, 'the message says what to do')
  t.notMatch(alone.stdout, /listening on/)

  // on purpose: --standalone
  const solo = new ClusterNode('n0', a.dataDir, [...args, '--standalone'], a.env, cluster.token)
  t.teardown(async () => { await solo.kill('SIGKILL') })
  await solo.start()
  const ss = await solo.status()
  t.equal(ss.node.cluster, null, 'alone, as asked')
  t.equal(ss.network.enabled, false)
  t.match(await solo.get('users', 'u2'), { name: 'Two' }, 'with the view it had')
  await solo.kill('SIGTERM')

  // and the recorded cluster comes back with --join
  const back = new ClusterNode('n0', a.dataDir, cluster.argsFor({}, 'n0'), a.env, cluster.token)
  t.teardown(async () => { await back.kill('SIGKILL') })
  await back.start()
  t.equal((await back.status()).node.cluster, clusterId)
  await back.kill('SIGTERM')
  const again = new ClusterNode('n0', a.dataDir, args, a.env, cluster.token)
  t.teardown(async () => { await again.kill('SIGKILL') })
  await again.start()
  t.equal((await again.status()).node.cluster, clusterId, 'recorded again by start --join')
})
