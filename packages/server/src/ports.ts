/**
 * The ports: what the server needs from the store and from the network,
 * declared in one place. No other module of this package imports
 * @federator/store, and the package does not depend on @federator/net at
 * all: the composition root (federator's node.ts) hands over the real pieces
 * — the Store, the network's SoftState, the Network's node health — which
 * satisfy these interfaces structurally, and tests hand over the same real
 * pieces.
 *
 * The store:
 * - `Store` itself for the admin API, auth and health (they use most of it),
 *   with its record, write and change types;
 * - `RealtimeStore`: what the realtime service reads and writes;
 * - `RoutingStore`: what the routing view reads (scan at start, then follow).
 *
 * The network:
 * - `SoftTable`: the soft-state table as routing reads it (every node's items);
 * - `Registrations`: the same table as the realtime service writes this
 *   node's registrations to it;
 * - `NodeStateSource`: node health from the failure detector.
 */
import type { SoftChange } from '@federator/core'
import type { Change, Store } from '@federator/store'

export type { Store, StoredRecord, WriteOp, WriteResult } from '@federator/store'

// ---- the store ----

/** A record change as the store emits it (`'changes'` events): the visible fields before and after. */
export type RecordChange = Change

/** What the realtime service uses of the store: synchronous reads, scans, Asterisk's writes, the revocation check, changes. */
export type RealtimeStore = Pick<Store, 'getSync' | 'scan' | 'writeMany' | 'revocation' | 'on' | 'off'>

/** The store as the routing view reads it: scan at ready(), then follow changes. @federator/store's Store satisfies it. */
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

// ---- the network ----

/** A soft-state change (SoftState's `'change'` event), declared in @federator/core. */
export type { SoftChange }

/** The soft-state table as routing reads it; @federator/net's SoftState satisfies it. */
export interface SoftTable {
  /** this node's owner id (public key hex) */
  readonly owner: string
  get (kind: string): Array<{ owner: string, key: string, value: unknown, seq?: number }>
  on (event: 'change', fn: (c: SoftChange) => void): unknown
  off (event: 'change', fn: (c: SoftChange) => void): unknown
}

/** The soft-state table the realtime service publishes this node's registrations to; @federator/net's SoftState satisfies it. */
export interface Registrations extends SoftTable {
  publish (kind: string, key: string, value: unknown, ttlMs: number): unknown
  remove (kind: string, key: string): boolean
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
