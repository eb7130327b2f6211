/**
 * The network's status as one plain object, for `/api/v1/cluster`, `/metrics`
 * and `federator status`. Per writer log: the local length and applied
 * position against the longest length any connected peer announced, so lag in
 * entries = remoteMax − applied.
 */
import type { AddressBookDHT } from './dht.js'
import type { NodeStatus } from './health.js'
import type { LanDiscovery } from './lan.js'
import { formatHostPort, formatStaticPeer, type HostPort, type StaticPeer } from './peer-address.js'
import type { PeerConnection, PeerStatus } from './peer.js'
import type { OfferResult, SoftState } from './soft-state.js'
import type { ReplicatedLogs } from './types.js'

export interface WriterStatus {
  key: string
  local: boolean
  /** blocks available locally */
  length: number
  /** blocks applied to the view (= length when the store does not say) */
  applied: number
  /** the longest length a connected peer announced or replicates */
  remoteMax: number
  /** how many connected peers announced this writer */
  announcedBy: number
  /** entries behind the best peer: remoteMax − applied (≥ 0) */
  lag: number
}

export interface NetworkStatus {
  enabled: boolean
  clusterId: string | null
  swarmKey: string | null
  address: string | null
  discovery: {
    dht: { bootstrap: string[], nodes: number, bootstrapped: boolean } | null
    static: string[]
    lan: { announcementsSent: number, announcementsReceived: number } | null
  }
  peers: Array<PeerStatus & { name: string | null }>
  writers: WriterStatus[]
  /**
   * summaries: soft channels opened with a summary exchange, the entries received in them and the items
   * sent because the peer lacked them (soft-gossip.ts)
   */
  soft: { items: number, kinds: Record<string, number>, offers: Record<OfferResult, number>, summaries: { exchanges: number, entries: number, itemsSent: number } } | null
  nodes: NodeStatus[]
  /**
   * rejected: admissions failed on a wrong or malformed proof (the peer lacks the secret), by reason;
   * admissionTimeouts: admissions that timed out (slow members, retried); admissionClosed: connections
   * closed before admission finished
   */
  counters: { connections: number, admitted: number, rejected: Record<string, number>, admissionTimeouts: number, admissionClosed: number, firewalled: number }
}

export interface StatusInput {
  enabled: boolean
  clusterId: string | null
  swarmKey: string | null
  address: HostPort | null
  dht: AddressBookDHT | null
  bootstrap: HostPort[]
  staticPeers: StaticPeer[]
  lan: LanDiscovery | null
  connections: PeerConnection[]
  logs: ReplicatedLogs | null
  soft: SoftState | null
  summaries: { exchanges: number, entries: number, itemsSent: number } | null
  nodes: NodeStatus[]
  rejected: Record<string, number>
  admissionTimeouts: number
  admissionClosed: number
  firewalled: number
}

export function networkStatus (s: StatusInput): NetworkStatus {
  const names = new Map(s.nodes.map(n => [n.swarmKey, typeof n.info.name === 'string' ? n.info.name : null]))
  const admitted = s.connections.filter(p => p.state === 'admitted')
  const remote = new Map<string, { max: number, n: number }>()
  for (const p of admitted) {
    for (const [key, w] of p.remoteWriters) {
      const r = remote.get(key)
      if (r === undefined) remote.set(key, { max: w.length, n: 1 })
      else { r.max = Math.max(r.max, w.length); r.n++ }
    }
  }
  const writers: WriterStatus[] = []
  const seen = new Set<string>()
  for (const w of s.logs?.writers() ?? []) {
    seen.add(w.key)
    const r = remote.get(w.key)
    const applied = w.applied ?? w.length
    const remoteMax = Math.max(r?.max ?? 0, w.remoteLength ?? 0)
    writers.push({ key: w.key, local: w.key === s.logs?.writerKey, length: w.length, applied, remoteMax, announcedBy: r?.n ?? 0, lag: Math.max(0, remoteMax - applied) })
  }
  for (const [key, r] of remote) {
    if (!seen.has(key)) writers.push({ key, local: false, length: 0, applied: 0, remoteMax: r.max, announcedBy: r.n, lag: r.max })
  }
  return {
    enabled: s.enabled,
    clusterId: s.clusterId,
    swarmKey: s.swarmKey,
    address: s.address === null ? null : formatHostPort(s.address),
    discovery: {
      dht: s.dht !== null && s.bootstrap.length > 0 ? { bootstrap: s.bootstrap.map(formatHostPort), nodes: s.dht.toArray().length, bootstrapped: s.dht.bootstrapped } : null,
      static: s.staticPeers.map(formatStaticPeer),
      lan: s.lan === null ? null : { announcementsSent: s.lan.sent, announcementsReceived: s.lan.received }
    },
    peers: s.connections.map(p => ({ ...p.status(), name: names.get(p.swarmKey) ?? null })),
    writers,
    soft: s.soft === null ? null : { items: s.soft.size, kinds: s.soft.counts(), offers: { ...s.soft.counters }, summaries: { ...(s.summaries ?? { exchanges: 0, entries: 0, itemsSent: 0 }) } },
    nodes: s.nodes,
    counters: { connections: s.connections.length, admitted: admitted.length, rejected: { ...s.rejected }, admissionTimeouts: s.admissionTimeouts, admissionClosed: s.admissionClosed, firewalled: s.firewalled }
  }
}
