/**
 * What the link's features need from the rest of the node, declared here so
 * that this package depends on none of it: the composition root (federator's
 * node.ts) hands over the real objects, which satisfy these interfaces
 * structurally (the RealtimeService, the Store, the realtime RegistrationBook's contacts,
 * the routing's extra rows hook).
 */
import type { PjsipContact } from '@federator/core'

// ---- push mode ----

/** The realtime answers (`RealtimeService.handle`): push mode pushes exactly the rows realtime answers. */
export interface RealtimeAnswers {
  handle: (family: string, op: string, query: string, body: string) => string | Promise<string>
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
