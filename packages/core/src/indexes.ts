/**
 * Secondary indexes of the view, as a pure function of a record's visible
 * fields: the store keeps one key per (index, value, record) and diffs the
 * lists of the old and new versions of a record in the same batch.
 */
import type { Fields } from './entry.js'

export const INDEXES = {
  /** user by extension */
  ext: 'user',
  /** device by its user */
  devuser: 'device',
  /** device by auth username (username, or the device id) */
  authuser: 'device',
  /** trunk by identifying IP or CIDR */
  ip: 'trunk'
} as const

export type IndexName = keyof typeof INDEXES

function strings (x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []
}

/** The [index, value] pairs a record contributes (empty for a dead record). */
export function indexEntries (type: string, id: string, fields: Fields | undefined): Array<[IndexName, string]> {
  if (fields === undefined) return []
  switch (type) {
    case 'user':
      return strings(fields.extensions).map((x) => ['ext', x])
    case 'device': {
      const out: Array<[IndexName, string]> = [['authuser', typeof fields.username === 'string' ? fields.username : id]]
      if (typeof fields.user === 'string') out.push(['devuser', fields.user])
      return out
    }
    case 'trunk':
      return strings(fields.ips).map((x) => ['ip', x])
    default:
      return []
  }
}
