/**
 * `federator init`: prepare a data directory — the node's log (identity), the
 * cluster's first admin token (a replicated `token` record, printed once and
 * kept in <data>/admin-token for the local CLI; token.ts) — and make it the
 * first node of a new cluster: a cluster secret
 * is created and kept in <data>/cluster (mode 0600), and its join string is
 * printed for the other nodes (`federator start --join <string>`). With
 * `--join <string>` it records an existing cluster instead (`start --join`
 * records it too) and makes no token: the cluster's tokens reach the node by
 * replication. `start` uses the recorded cluster when no --join is given;
 * a join string for another cluster than the recorded one is refused
 * (cluster-record.ts).
 */
import { mkdir } from 'node:fs/promises'
import { Store } from '@federator/store'
import { formatJoinString, newClusterSecret, parseJoinString, parseHostPort, parseStaticPeer } from '@federator/net'
import { firstToken, TOKEN_FILE } from '../token.js'
import type { Config } from '../config.js'
import { clusterForStart, readClusterFile, writeClusterFile } from '../cluster-record.js'

export { CLUSTER_FILE, readClusterFile } from '../cluster-record.js'

export async function initDataDir (config: Config, opts: { hints?: string[], noCluster?: boolean } = {}): Promise<void> {
  await mkdir(config.data, { recursive: true })
  // a node joining an existing cluster gets that cluster's tokens by replication: it makes none
  const joining = opts.noCluster !== true && config.join !== undefined
  const store = new Store({ dir: config.data })
  await store.ready()
  const writer = store.writerKey
  let token: string | undefined
  try {
    if (!joining) token = await firstToken(store, config.data)
  } finally {
    await store.close()
  }
  const out: string[] = [`data directory ${config.data} ready`, `node writer key ${writer}`]
  if (token !== undefined) out.push(`Admin token (shown once, kept in ${config.data}/${TOKEN_FILE}; it works on every node of the cluster): ${token}`)
  if (joining && token === undefined) out.push('admin tokens: this node takes the cluster\'s (replicated); use the one printed by the first node\'s init, or federator token create on any node')
  if (opts.noCluster !== true) {
    // a join string given must name the recorded cluster, if any (FED_ERR_CLUSTER_MISMATCH)
    let joinString = config.join !== undefined ? await clusterForStart(config.data, config.join) : await readClusterFile(config.data)
    let created = false
    if (joinString === undefined) {
      const hints = opts.hints ?? []
      const peers = hints.filter((h) => h.includes('@')).map(parseStaticPeer)
      const bootstrap = hints.filter((h) => !h.includes('@')).map(parseHostPort)
      joinString = formatJoinString(newClusterSecret(), { peers, bootstrap })
      created = true
    }
    const info = parseJoinString(joinString)
    if (created) await writeClusterFile(config.data, joinString)
    out.push(created ? `new cluster ${info.cluster.id}` : `cluster ${info.cluster.id}`,
      'join string (give it to the other nodes: federator start --join <string>; keep it secret):', joinString)
  }
  process.stdout.write(out.join('\n') + '\n')
}
