/**
 * What the live call state needs from the rest of the node (the composition
 * root hands over the real objects; they satisfy these structurally): the
 * soft-state table (@federator/net's SoftState) and which names are devices
 * and trunks (the routing snapshot).
 */
import type { SoftChange } from '@federator/core'

/** The soft-state table: this node publishes its own items, reads and follows everyone's. */
export interface CallStateSoft {
  /** this node's owner id (swarm public key, hex) */
  readonly owner: string
  publish: (kind: string, key: string, value: unknown, ttlMs: number) => unknown
  remove: (kind: string, key: string) => boolean
  get: (kind: string) => Array<{ owner: string, key: string, value: unknown }>
  on: (event: 'change', fn: (c: SoftChange) => void) => unknown
  off: (event: 'change', fn: (c: SoftChange) => void) => unknown
}

/** Which ids are devices and trunks (records of the cluster). */
export interface CallStateDirectory {
  /** resolves once the records are loaded (a full sync waits for it: before, every device would look unknown) */
  ready: () => Promise<void>
  isDevice: (id: string) => boolean
  isTrunk: (id: string) => boolean
}
