/**
 * What the routing view reads, as small structural interfaces so that the
 * composition root can hand over the real pieces (the Store, the SoftState of
 * @federator/net, the Network's node health) and tests the same real pieces
 * without this package depending on @federator/net.
 */
import { CONTACT_KIND, HEALTH_KIND, SIPREG_KIND, type SoftChange } from '@federator/core'

/** A record change as the store emits it (`'changes'` events). */
export interface RecordChange {
  type: string
  id: string
  before?: Record<string, unknown> | undefined
  after?: Record<string, unknown> | undefined
}

/** The store: scan at ready(), then follow changes. @federator/store's Store satisfies it. */
export interface RoutingStore {
  /** this node's writer key: its id in the routing snapshot */
  readonly writerKey: string
  scan (type: string): AsyncIterable<{ id: string, fields: Record<string, unknown> }>
  on (event: 'changes', fn: (changes: RecordChange[]) => void): unknown
  off (event: 'changes', fn: (changes: RecordChange[]) => void): unknown
  /** the version [HLC, writer tag] of a record's field (node names: who claimed first); optional */
  fieldVersion?: (type: string, id: string, field: string) => Readonly<[number, string]> | undefined
  /** the view was rebuilt from the logs (records may have changed without change events) */
  on (event: 'rebuilt', fn: () => void): unknown
  off (event: 'rebuilt', fn: () => void): unknown
}

/** A soft-state change (SoftState's `'change'` event), declared in @federator/core. */
export type { SoftChange }

/** The soft-state table; @federator/net's SoftState satisfies it. */
export interface SoftTable {
  /** this node's owner id */
  readonly owner: string
  get (kind: string): Array<{ owner: string, key: string, value: unknown, seq?: number }>
  on (event: 'change', fn: (c: SoftChange) => void): unknown
  off (event: 'change', fn: (c: SoftChange) => void): unknown
}

export type LiveState = 'alive' | 'suspect' | 'dead'

/** One node as the failure detector sees it (@federator/net NodeStatus). */
export interface LiveNode {
  swarmKey: string
  state: LiveState
  self: boolean
  info: { name?: unknown, sipAddress?: unknown, writerKey?: unknown, [k: string]: unknown }
}

/** Node health: the Network satisfies it (`nodes()`, `'node-state'` events). */
export interface NodeStateSource {
  nodes (): LiveNode[]
  on (event: 'node-state', fn: (...args: unknown[]) => void): unknown
  off (event: 'node-state', fn: (...args: unknown[]) => void): unknown
}

/** Soft-state kinds (declared in @federator/core): registrations, and node heartbeats (name, sipAddress, writerKey). */
export { CONTACT_KIND, SIPREG_KIND, HEALTH_KIND }
