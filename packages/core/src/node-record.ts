/**
 * The one reader of a `node` record's fields (NodeFields): every part of a
 * node that reads a node record (the membership, routing) reads it here, the
 * revocation through revocationOf. Fields that are not strings are absent, as
 * they may come from a peer's log entries (not validated on apply).
 */
import { revocationOf, type Revocation } from './revocation.js'

export interface NodeRecordFields {
  name?: string
  swarmKey?: string
  sipAddress?: string
  version?: string
  revoked?: Revocation
}

const STRING_FIELDS = ['name', 'swarmKey', 'sipAddress', 'version'] as const

/** What a `node` record's fields say (an empty object for undefined fields). */
export function nodeRecordOf (fields: Readonly<Record<string, unknown>> | undefined): NodeRecordFields {
  const out: NodeRecordFields = {}
  for (const k of STRING_FIELDS) {
    const v = fields?.[k]
    if (typeof v === 'string') out[k] = v
  }
  const revoked = revocationOf(fields)
  if (revoked !== undefined) out.revoked = revoked
  return out
}
