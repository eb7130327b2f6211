/**
 * The HTTP routes that belong to the composition root because they join the
 * store, the membership and the network: `GET /api/v1/cluster` (behind the
 * admin token) and `GET /metrics` (Prometheus; open, like /healthz: the node
 * listens on loopback by default).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { NetworkStatus } from '@federator/net'
import { clusterStatus, type ClusterStatus, type StatusSources } from './cluster-status.js'
import { exposition, type Metric } from './prometheus.js'
import { CLUSTER_SCHEMA, METRICS_SCHEMA } from './schemas.js'

export function clusterPlugin (src: StatusSources): FastifyPluginAsync {
  return async (app) => {
    // JSON text: the schema documents the answer, a serializer compiled from it must not filter it
    app.get('/', { schema: CLUSTER_SCHEMA }, async (_req, reply) => {
      reply.type('application/json; charset=utf-8')
      return JSON.stringify(await clusterStatus(src))
    })
  }
}

/** Extra metrics from other parts of the node (realtime counters, …). */
export type MetricsSource = () => Metric[]

export function metricsPlugin (src: StatusSources, extra: MetricsSource[] = []): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', { schema: METRICS_SCHEMA }, async (_req, reply) => {
      const s = await clusterStatus(src)
      reply.type('text/plain; version=0.0.4; charset=utf-8')
      const view: Metric = { name: 'federator_view_memory_bytes', help: 'Memory LevelDB holds for the view (memtables and block cache; records, states and indexes are on disk)', type: 'gauge', samples: [{ value: src.store.viewMemoryBytes() }] }
      return exposition([...statusMetrics(s), view, ...extra.flatMap((f) => f())])
    })
  }
}

export function statusMetrics (s: ClusterStatus): Metric[] {
  const w = (key: string, name: string | null): Record<string, string> => ({ writer: key.slice(0, 16), node: name ?? '' })
  const states = ['alive', 'suspect', 'dead', 'unknown']
  const net = s.network.enabled ? s.network as Omit<NetworkStatus, 'peers' | 'writers' | 'nodes'> : undefined
  const mem = process.memoryUsage()
  return [
    { name: 'federator_info', help: 'Node identity (value 1)', type: 'gauge', samples: [{ labels: { name: s.node.name, writer: s.node.writer, version: s.node.version, cluster: s.node.cluster ?? '' }, value: 1 }] },
    { name: 'federator_view_hash_info', help: 'The merged view hash (value 1): equal on two nodes exactly when their views are equal', type: 'gauge', samples: [{ labels: { hash: s.viewHash }, value: 1 }] },
    { name: 'federator_records', help: 'Live records by type', type: 'gauge', samples: Object.entries(s.records).map(([type, n]) => ({ labels: { type }, value: n })) },
    { name: 'federator_conflicts', help: 'Records with unresolved concurrent edits', type: 'gauge', samples: [{ value: s.conflicts }] },
    { name: 'federator_writer_length', help: 'Blocks of each writer log available locally', type: 'gauge', samples: s.writers.map((x) => ({ labels: w(x.key, x.name), value: x.length })) },
    { name: 'federator_writer_applied', help: 'Blocks of each writer log applied to the view', type: 'gauge', samples: s.writers.map((x) => ({ labels: w(x.key, x.name), value: x.applied })) },
    { name: 'federator_writer_lag_entries', help: 'Blocks behind the longest length known (local or announced by a peer)', type: 'gauge', samples: s.writers.map((x) => ({ labels: w(x.key, x.name), value: x.lagEntries })) },
    { name: 'federator_writer_lag_seconds', help: 'How long the writer has been behind', type: 'gauge', samples: s.writers.map((x) => ({ labels: w(x.key, x.name), value: x.lagMs / 1000 })) },
    { name: 'federator_writer_quarantined_total', help: 'Malformed blocks/entries quarantined per writer', type: 'counter', samples: s.writers.map((x) => ({ labels: w(x.key, x.name), value: x.quarantined })) },
    { name: 'federator_nodes', help: 'Cluster nodes by state', type: 'gauge', samples: states.map((state) => ({ labels: { state }, value: s.nodes.filter((n) => n.state === state).length })) },
    { name: 'federator_peer_connections', help: 'Open peer connections', type: 'gauge', samples: [{ value: net?.counters.connections ?? 0 }] },
    { name: 'federator_peers_admitted', help: 'Peer connections that proved the cluster secret', type: 'gauge', samples: [{ value: net?.counters.admitted ?? 0 }] },
    { name: 'federator_peers_rejected_total', help: 'Peers dropped at admission because their proof of the cluster secret was wrong or malformed, by reason', type: 'counter', samples: Object.entries(net?.counters.rejected ?? {}).map(([reason, n]) => ({ labels: { reason }, value: n })) },
    { name: 'federator_peers_admission_timeouts_total', help: 'Admissions that timed out (a slow or overloaded peer, not proof of a wrong secret): dropped and retried with a longer deadline', type: 'counter', samples: [{ value: net?.counters.admissionTimeouts ?? 0 }] },
    { name: 'federator_peers_admission_closed_total', help: 'Connections closed by the other side (or as a duplicate) before admission finished', type: 'counter', samples: [{ value: net?.counters.admissionClosed ?? 0 }] },
    { name: 'federator_peers_firewalled_total', help: 'Revoked peers refused at connect', type: 'counter', samples: [{ value: net?.counters.firewalled ?? 0 }] },
    { name: 'federator_soft_items', help: 'Soft-state items (registrations, node health) by kind', type: 'gauge', samples: Object.entries(net?.soft?.kinds ?? {}).map(([kind, n]) => ({ labels: { kind }, value: n })) },
    { name: 'process_resident_memory_bytes', help: 'Resident memory', type: 'gauge', samples: [{ value: mem.rss }] },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use', type: 'gauge', samples: [{ value: mem.heapUsed }] },
    { name: 'nodejs_heap_total_bytes', help: 'V8 heap reserved', type: 'gauge', samples: [{ value: mem.heapTotal }] },
    { name: 'nodejs_external_memory_bytes', help: 'Memory of C++ objects bound to JavaScript (buffers, native modules)', type: 'gauge', samples: [{ value: mem.external }] },
    { name: 'federator_uptime_seconds', help: 'Seconds since the node started', type: 'gauge', samples: [{ value: s.node.uptime }] }
  ]
}
