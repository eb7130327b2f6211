/**
 * The cluster a data directory records (cluster-record.ts): `start --join`
 * records it, a later start without --join uses it, a join string for another
 * cluster is FED_ERR_CLUSTER_MISMATCH (and changes nothing), the same cluster
 * with other hints replaces the record, and a node that was in a cluster
 * without a recorded one is FED_ERR_CLUSTER_MISSING.
 */
import t from 'tap'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatJoinString, newClusterSecret, parseJoinString } from '@federator/net'
import { checkNotAlone, clusterForStart, readClusterFile } from '../src/cluster-record.js'

async function code (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try { await (typeof p === 'function' ? p() : p) } catch (err) { return (err as { code?: string }).code ?? (err as Error).message }
  return undefined
}

t.test('start --join records the cluster; a restart without --join uses it', async (t) => {
  const dir = join(t.testdir(), 'data') // not created yet: recording creates it
  const j = formatJoinString(newClusterSecret())
  t.equal(await clusterForStart(dir, undefined), undefined, 'nothing recorded, nothing given: not in a cluster')
  t.equal(await clusterForStart(dir, j), j)
  t.equal(await readClusterFile(dir), j, 'recorded')
  t.equal((await stat(join(dir, 'cluster'))).mode & 0o777, 0o600, 'readable by the node’s user only')
  t.equal(await clusterForStart(dir, undefined), j, 'used without --join')
  t.equal(await clusterForStart(dir, '  ' + j + '\n'), j, 'the same string again (whitespace aside)')
})

t.test('a join string for another cluster is refused and the record is kept', async (t) => {
  const dir = t.testdir()
  const j = formatJoinString(newClusterSecret())
  await clusterForStart(dir, j)
  const other = formatJoinString(newClusterSecret())
  const err = await clusterForStart(dir, other).catch((e: unknown) => e) as { code: string, message: string, details: unknown }
  t.equal(err.code, 'FED_ERR_CLUSTER_MISMATCH')
  t.match(err.message, parseJoinString(j).cluster.id, 'names the recorded cluster')
  t.match(err.message, parseJoinString(other).cluster.id, 'and the one given')
  t.notMatch(err.message, /fed1:/, 'but never a join string (it holds the secret)')
  t.equal(await readClusterFile(dir), j, 'the record is unchanged')
  t.equal(await code(clusterForStart(dir, 'fed1:nonsense')), 'FED_ERR_JOIN_STRING')
  t.equal(await readClusterFile(dir), j)
})

t.test('the same cluster with other hints replaces the record', async (t) => {
  const dir = t.testdir()
  const secret = newClusterSecret()
  const plain = formatJoinString(secret)
  const hinted = formatJoinString(secret, { peers: [], bootstrap: [{ host: '127.0.0.1', port: 49737 }] })
  t.not(plain, hinted)
  await clusterForStart(dir, plain)
  t.equal(await clusterForStart(dir, hinted), hinted)
  t.equal(await readClusterFile(dir), hinted)
})

t.test('a damaged record is an error, not a silent start alone', async (t) => {
  const dir = t.testdir()
  await writeFile(join(dir, 'cluster'), 'fed1:garbage\n')
  t.equal(await code(clusterForStart(dir, undefined)), 'FED_ERR_JOIN_STRING')
  t.equal(await readFile(join(dir, 'cluster'), 'utf8'), 'fed1:garbage\n', 'left as it was')
})

t.test('a node that was in a cluster does not start alone', async (t) => {
  t.equal(await code(() => checkNotAlone('/d', { otherWriters: 0, hadSwarmKey: false })), undefined, 'a node that never was in a cluster')
  t.equal(await code(() => checkNotAlone('/d', { otherWriters: 2, hadSwarmKey: true })), 'FED_ERR_CLUSTER_MISSING')
  t.equal(await code(() => checkNotAlone('/d', { otherWriters: 0, hadSwarmKey: true })), 'FED_ERR_CLUSTER_MISSING', 'alone in its cluster so far, but it was in one')
})
