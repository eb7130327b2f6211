/**
 * The node's view of the cluster, as one object: served at /api/v1/cluster,
 * turned into Prometheus metrics at /metrics, printed by `federator status`.
 * It joins the store (view hash, records, writers with applied positions and
 * lag, quarantine, conflicts), the durable membership (node records) and, in a
 * cluster, the network (peers, per-writer lengths announced by peers, node
 * health from soft state).
 */
import { RECORD_TYPES } from '@federator/core'
import type { Store } from '@federator/store'
import type { Network, NodeStatus } from '@federator/net'
import type { Membership } from '../membership.js'
import type { NameClash } from '../name-guard.js'

export interface ClusterStatus {
  node: { name: string, writer: string, swarmKey: string | null, version: string, cluster: string | null, uptime: number }
  viewHash: string
  records: Record<string, number>
  conflicts: number
  quarantined: number
  writers: Array<{
    key: string, name: string | null, local: boolean, length: number, applied: number, remoteMax: number,
    lagEntries: number, lagMs: number, quarantined: number, revoked: boolean
  }>
  nodes: Array<{
    name: string | null, writer: string | null, swarmKey: string | null, state: string, self: boolean,
    /** it stopped cleanly and said it would be back: suspect (still routed to) meanwhile */
    restarting: boolean,
    lastSeenAgoMs: number | null, sipAddress: string | null, version: string | null, load: number | null,
    uptime: number | null, revoked: boolean,
    /** the node's merged view hash, from its heartbeat (this node: its own); equal hashes = equal views */
    viewHash: string | null,
    /** another live node holds this node's name: this one is refused (left out of routing) */
    nameTaken: boolean
  }>
  /** names claimed by more than one live node: who keeps it, who is refused (FED_ERR_NAME_TAKEN) */
  nameClashes: NameClash[]
  peers: ReturnType<Network['status']>['peers']
  network: Omit<ReturnType<Network['status']>, 'peers' | 'writers' | 'nodes'> | { enabled: false }
}

export interface StatusSources {
  store: Store
  membership: Membership
  network: Network | null
  name: string
  version: string
  startedAt: number
  /** name clashes among live nodes (name-guard.ts) */
  names?: { clashes: () => NameClash[] }
}

export async function clusterStatus (s: StatusSources): Promise<ClusterStatus> {
  const { store, membership, network } = s
  const net = network?.enabled === true ? network.status() : null
  const remote = new Map((net?.writers ?? []).map((w) => [w.key, w]))
  const writers = store.writers().map((w) => {
    const r = remote.get(w.key)
    const m = membership.get(w.key)
    return {
      key: w.key,
      name: m?.name ?? null,
      local: w.local,
      length: w.length,
      applied: w.applied,
      remoteMax: Math.max(r?.remoteMax ?? 0, w.length),
      lagEntries: Math.max(w.lagEntries, (r?.remoteMax ?? 0) - w.applied, 0),
      lagMs: w.lagMs,
      quarantined: w.quarantined,
      revoked: m?.revoked !== undefined
    }
  })
  const nameClashes = s.names?.clashes() ?? []
  const refused = new Set(nameClashes.flatMap((c) => c.refused))
  const nodes: ClusterStatus['nodes'] = []
  const seen = new Set<string>()
  for (const n of net?.nodes ?? [] as NodeStatus[]) {
    const writer = typeof n.info.writerKey === 'string' ? n.info.writerKey : null
    const m = writer !== null ? membership.get(writer) : membership.bySwarmKey(n.swarmKey)
    if (m !== undefined) seen.add(m.writer)
    nodes.push({
      name: (typeof n.info.name === 'string' ? n.info.name : m?.name) ?? null,
      writer: writer ?? m?.writer ?? null,
      swarmKey: n.swarmKey,
      state: n.state,
      self: n.self,
      restarting: n.restarting === true,
      lastSeenAgoMs: n.lastSeenAgoMs,
      sipAddress: (typeof n.info.sipAddress === 'string' ? n.info.sipAddress : m?.sipAddress) ?? null,
      version: (typeof n.info.version === 'string' ? n.info.version : m?.version) ?? null,
      load: Array.isArray(n.info.load) && typeof n.info.load[0] === 'number' ? n.info.load[0] : null,
      uptime: typeof n.info.uptime === 'number' ? n.info.uptime : null,
      viewHash: n.self ? store.viewHash() : typeof n.info.viewHash === 'string' ? n.info.viewHash : null,
      revoked: m?.revoked !== undefined,
      nameTaken: refused.has(writer ?? m?.writer ?? (n.self ? store.writerKey : ''))
    })
  }
  // members known from the log but not heard from (never connected, or forgotten)
  for (const m of membership.all()) {
    if (seen.has(m.writer)) continue
    const self = m.writer === store.writerKey
    if (self && nodes.some((n) => n.self)) continue
    nodes.push({
      name: m.name ?? null, writer: m.writer, swarmKey: m.swarmKey ?? null, state: self ? 'alive' : 'unknown', self, restarting: false,
      lastSeenAgoMs: self ? 0 : null, sipAddress: m.sipAddress ?? null, version: m.version ?? null,
      load: null, uptime: self ? Math.round((Date.now() - s.startedAt) / 1000) : null, viewHash: self ? store.viewHash() : null, revoked: m.revoked !== undefined, nameTaken: refused.has(m.writer)
    })
  }
  const records: Record<string, number> = {}
  for (const t of RECORD_TYPES) records[t] = store.count(t)
  const { peers = [], writers: _w, nodes: _n, ...rest } = net ?? { peers: [] }
  return {
    node: {
      name: s.name,
      writer: store.writerKey,
      swarmKey: network?.swarmKey ?? null,
      version: s.version,
      cluster: network?.join?.cluster.id ?? null,
      uptime: Math.round((Date.now() - s.startedAt) / 1000)
    },
    viewHash: store.viewHash(),
    records,
    conflicts: await store.conflictCount(),
    quarantined: writers.reduce((n, w) => n + w.quarantined, 0),
    writers,
    nodes,
    nameClashes,
    peers,
    network: net === null ? { enabled: false } : rest as ClusterStatus['network']
  }
}
