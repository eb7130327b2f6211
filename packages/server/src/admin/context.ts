/** What the admin route plugins share: the store, the limits, the cursor codec. */
import type { Logger } from 'pino'
import type { Store } from '../ports.js'
import type { CursorCodec } from './list/cursor.js'
import type { Limits } from '../http/limits.js'

export interface AdminContext {
  store: Store
  limits: Limits
  cursors: CursorCodec
  log: Logger
}

/** A record as the API shows it: `{ id, ...fields }`. */
export function recordJson (id: string, fields: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { id, ...fields }
  out.id = id
  return out
}

/** `/api/v1/users` → `/api/v1/users/<id>` (the Location of a created record). */
export function locationOf (collectionUrl: string, id: string): string {
  const path = (collectionUrl.split('?')[0] ?? '').replace(/\/+$/, '')
  return path + '/' + encodeURIComponent(id)
}
