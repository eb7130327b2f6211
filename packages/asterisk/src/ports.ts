/**
 * What the link's features need from the rest of the node, declared here so
 * that this package depends on none of it: the composition root (federator's
 * node.ts) hands over the real objects, which satisfy these interfaces
 * structurally (the RealtimeService (its rows), the Store, the realtime RegistrationBook's contacts,
 * the routing's extra rows hook).
 */
import type { Criterion, PjsipContact, Row } from '@federator/core'

// ---- push mode ----

/**
 * The realtime rows (`RealtimeService.rows`): push mode pushes exactly the rows a realtime lookup
 * answers, read directly — typed, no text round trip, not counted as Asterisk's requests.
 */
export interface RealtimeRows {
  /** the rows of a lookup (push mode lists every id: `id LIKE %`) */
  rows: (family: string, op: 'single' | 'multi', criteria: readonly Criterion[]) => Promise<readonly Row[]>
  /** the row of `id` in each family (absent: none), computed together */
  rowsById: (families: readonly string[], id: string) => Promise<Readonly<Record<string, Row>>>
}

/** A record change as the store emits it (only what push mode reads). */
export interface PushChange { type: string, id: string, before?: Readonly<Record<string, unknown>> | undefined, after?: Readonly<Record<string, unknown>> | undefined }

/** The store as push mode follows it: the changes, and a scan of the devices (whose user they are). */
export interface PushStore {
  scan: (type: string) => AsyncIterable<{ id: string, fields: Readonly<Record<string, unknown>> }>
  on: (event: 'changes', fn: (changes: PushChange[]) => void) => unknown
  off: (event: 'changes', fn: (changes: PushChange[]) => void) => unknown
}

/**
 * This node's registrations as the realtime path keeps them (the RegistrationBook):
 * published to the soft state, so routing sees them on every node and they
 * survive a restart of the node.
 */
export interface OwnContacts {
  /** publish (or replace) one of this node's contacts; throws when the soft state refuses it */
  put: (c: PjsipContact) => void
  remove: (id: string) => boolean
  get: (id: string) => PjsipContact | undefined
  all: () => PjsipContact[]
}
