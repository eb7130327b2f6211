/**
 * The cluster a data directory belongs to, recorded in `<data>/cluster`
 * (mode 0600): `init` writes it, and so does `start --join`, so a node that
 * was started in a cluster is still in it after a restart without --join.
 *
 * `clusterForStart` decides what `start` joins: the join string given (after
 * checking it names the recorded cluster: another one is FED_ERR_CLUSTER_MISMATCH;
 * the same cluster with other hints replaces the record), else the recorded
 * one. `checkNotAlone` refuses to start a node alone when its data shows it
 * was in a cluster (it knows other writers' logs, or its own node record has a
 * swarm key) and no cluster is recorded or given: that node would answer ready
 * and serve a view that never changes again (FED_ERR_CLUSTER_MISSING).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FedError } from '@federator/core'
import { parseJoinString } from '@federator/net'

export const CLUSTER_FILE = 'cluster'

/** The recorded join string, or undefined when the data directory records none. */
export async function readClusterFile (dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, CLUSTER_FILE), 'utf8').catch(() => undefined)
  return text?.trim() || undefined
}

/** Records the join string (atomically: a temp file renamed over the old one). */
export async function writeClusterFile (dataDir: string, joinString: string): Promise<void> {
  await mkdir(dataDir, { recursive: true })
  const file = join(dataDir, CLUSTER_FILE)
  const tmp = file + '.tmp'
  await writeFile(tmp, joinString + '\n', { mode: 0o600 })
  await rename(tmp, file)
}

/** The cluster id a join string names (FED_ERR_JOIN_STRING when it is not one; `what` says where it came from). */
function clusterId (joinString: string, what: string): string {
  try {
    return parseJoinString(joinString).cluster.id
  } catch (err) {
    throw new FedError('FED_ERR_JOIN_STRING', `${what}: ${(err as Error).message}`)
  }
}

/**
 * The join string `start` uses: `given` (recorded when new, FED_ERR_CLUSTER_MISMATCH when the data
 * directory records another cluster) or else the recorded one; undefined: not in a cluster.
 */
export async function clusterForStart (dataDir: string, given: string | undefined): Promise<string | undefined> {
  const recorded = await readClusterFile(dataDir)
  if (given === undefined) {
    if (recorded !== undefined) clusterId(recorded, `${join(dataDir, CLUSTER_FILE)} (the recorded cluster)`)
    return recorded
  }
  const want = clusterId(given, '--join')
  if (recorded !== undefined) {
    const have = clusterId(recorded, `${join(dataDir, CLUSTER_FILE)} (the recorded cluster)`)
    if (have !== want) {
      throw new FedError('FED_ERR_CLUSTER_MISMATCH',
        `the data directory ${dataDir} belongs to cluster ${have}, the join string given is for cluster ${want}: ` +
        'a node cannot move to another cluster (use a new data directory for the other cluster, or give the recorded join string)',
        { recorded: have, given: want })
    }
    if (recorded === given.trim()) return recorded
  }
  await writeClusterFile(dataDir, given.trim())
  return given.trim()
}

/** What the opened store says about the node's past (see checkNotAlone). */
export interface NodePast {
  /** writer logs known besides this node's own */
  otherWriters: number
  /** this node's own node record has a swarm key (only written in a cluster) */
  hadSwarmKey: boolean
}

/** FED_ERR_CLUSTER_MISSING when a node that was in a cluster would start alone. */
export function checkNotAlone (dataDir: string, past: NodePast): void {
  if (past.otherWriters === 0 && !past.hadSwarmKey) return
  const why = past.otherWriters > 0 ? `it holds the logs of ${past.otherWriters} other node(s)` : 'it was started in a cluster'
  throw new FedError('FED_ERR_CLUSTER_MISSING',
    `the data directory ${dataDir} belonged to a cluster (${why}) but no cluster is recorded in it or given: ` +
    'start with --join <join string> (it is recorded for later starts), or with --standalone to run it alone on purpose',
    { otherWriters: past.otherWriters })
}
