/**
 * The cluster's nodes as routing sees them, from two sources:
 *
 *   durable node records (store type `node`, keyed by writer key): name,
 *     swarm key, SIP address, revocation;
 *   node health (the failure detector over heartbeats, keyed by swarm key):
 *     alive / suspect / dead, plus the heartbeat's name, SIP address and
 *     writer key (known before the node's record has replicated).
 *
 * A node's routing id is its writer key. Its state is the failure detector's;
 * a node that has a record but was never heard from (or was forgotten after
 * dying) is dead: nothing is routed to a node we cannot vouch for. This node
 * is always alive. Revoked nodes are left out, with their registrations.
 *
 * `owners` maps soft-state owners (swarm keys; this node's soft-state key)
 * to node ids, so registrations published by a node land on that node.
 *
 * One node per name: of the nodes that share a name only its holder (core
 * nameHolders(): live first, then the older claim) is kept — every node
 * leaves out the same ones, so `fed-<name>` means one node and routing does
 * not flap between them. This node is always kept.
 */
import { nameHolders, nodeRecordOf, type NodeInput, type Tech, type Version } from '@federator/core'
import type { LiveNode } from '../ports.js'

export interface NodeRecordInfo {
  /** writer key */
  id: string
  name?: string
  swarmKey?: string
  sipAddress?: string
  revoked: boolean
  /** version of the record's `name` field (who claimed the name first: core nameHolders()) */
  nameSince?: Readonly<Version>
}

export interface SelfInfo {
  /** this node's writer key */
  id: string
  name: string
  sipAddress?: string
  tech?: Tech
  /** this node's soft-state owner id */
  owner?: string
}

export interface MergedNodes {
  /** sorted by id */
  nodes: NodeInput[]
  /** soft-state owner → node id */
  owners: Map<string, string>
}

const WRITER = /^[0-9a-f]{64}$/
const str = (v: unknown): string | undefined => typeof v === 'string' && v !== '' ? v : undefined

/** A `node` record's fields as routing uses them (undefined: not a usable record). */
export function nodeRecordInfo (id: string, fields: Record<string, unknown> | undefined): NodeRecordInfo | undefined {
  if (fields === undefined || !WRITER.test(id)) return undefined
  const record = nodeRecordOf(fields)
  const info: NodeRecordInfo = { id, revoked: record.revoked !== undefined }
  // routing takes an empty string for absent
  const name = str(record.name)
  const swarmKey = str(record.swarmKey)
  const sipAddress = str(record.sipAddress)
  if (name !== undefined) info.name = name
  if (swarmKey !== undefined) info.swarmKey = swarmKey
  if (sipAddress !== undefined) info.sipAddress = sipAddress
  return info
}

export function mergeNodes (self: SelfInfo, records: Iterable<NodeRecordInfo>, live: readonly LiveNode[]): MergedNodes {
  const revokedWriters = new Set<string>()
  const revokedSwarm = new Set<string>()
  const byWriter = new Map<string, NodeRecordInfo>()
  for (const r of records) {
    if (r.revoked) {
      revokedWriters.add(r.id)
      if (r.swarmKey !== undefined) revokedSwarm.add(r.swarmKey)
    } else byWriter.set(r.id, r)
  }
  const owners = new Map<string, string>()
  const nodes = new Map<string, NodeInput>()
  const liveByWriter = new Map<string, LiveNode>()
  for (const l of live) {
    if (l.self || revokedSwarm.has(l.swarmKey)) continue
    const w = str(l.info.writerKey)
    const writer = w !== undefined && WRITER.test(w) ? w : [...byWriter.values()].find((r) => r.swarmKey === l.swarmKey)?.id
    if (writer === undefined || revokedWriters.has(writer) || writer === self.id) continue
    liveByWriter.set(writer, l)
    owners.set(l.swarmKey, writer)
  }
  for (const r of byWriter.values()) {
    if (r.id === self.id) continue
    if (r.swarmKey !== undefined && !owners.has(r.swarmKey)) owners.set(r.swarmKey, r.id)
  }
  const writers = new Set([...byWriter.keys(), ...liveByWriter.keys()])
  writers.delete(self.id)
  for (const id of writers) {
    const r = byWriter.get(id)
    const l = liveByWriter.get(id)
    const name = str(l?.info.name) ?? r?.name ?? id.slice(0, 16)
    const sipAddress = str(l?.info.sipAddress) ?? r?.sipAddress
    nodes.set(id, { id, name, state: l?.state ?? 'dead', ...(sipAddress !== undefined ? { sipAddress } : {}) })
  }
  nodes.set(self.id, {
    id: self.id,
    name: self.name,
    state: 'alive',
    ...(self.sipAddress !== undefined ? { sipAddress: self.sipAddress } : {}),
    ...(self.tech !== undefined ? { tech: self.tech } : {})
  })
  if (self.owner !== undefined) owners.set(self.owner, self.id)
  const holders = nameHolders([...nodes.values()].map((n) => ({ id: n.id, name: n.name, live: n.state !== 'dead', since: byWriter.get(n.id)?.nameSince })))
  for (const n of [...nodes.values()]) {
    if (n.id === self.id || holders.get(n.name) === n.id) continue
    nodes.delete(n.id)
    for (const [owner, id] of owners) if (id === n.id) owners.delete(owner)
  }
  return { nodes: [...nodes.values()].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0), owners }
}

/** True when two node inputs route the same way. */
export function sameNode (a: NodeInput | undefined, b: NodeInput): boolean {
  return a !== undefined && a.id === b.id && a.name === b.name && a.state === b.state && a.sipAddress === b.sipAddress && a.tech === b.tech
}
