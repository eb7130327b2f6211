/**
 * One page of a record listing, in id order, after a position. Without
 * filters it reads `limit + 1` records (the extra one tells whether there is a
 * next page). With an indexed filter the candidates come from the index; with
 * other filters the records are scanned in chunks, at most `scanMax` per
 * request: when that budget runs out the page may be short (even empty) and
 * still carry a cursor — a client pages until `nextCursor` is null.
 */
import type { Store, StoredRecord } from '../../ports.js'
import type { FilterPlan } from './filters.js'

export interface Page {
  items: StoredRecord[]
  /** position to continue after, or undefined at the end */
  next?: string
}

export interface PageRequest {
  type: string
  plan: FilterPlan
  /** list after this id */
  after?: string
  /** only ids with this prefix (rows of one family) */
  prefix?: string
  limit: number
  scanMax: number
}

const SCAN_CHUNK = 500

export async function listPage (store: Store, r: PageRequest): Promise<Page> {
  const matches = (rec: StoredRecord): boolean => r.plan.checks.every((c) => c(rec.id, rec.fields))
  if (r.plan.index !== undefined) return await indexedPage(store, r, matches)
  const items: StoredRecord[] = []
  let after = r.after
  let scanned = 0
  const filtered = r.plan.checks.length > 0
  for (;;) {
    const want = filtered ? Math.min(SCAN_CHUNK, r.scanMax - scanned) : r.limit + 1 - items.length
    const opts: { after?: string, prefix?: string, limit: number } = { limit: want }
    if (after !== undefined) opts.after = after
    if (r.prefix !== undefined) opts.prefix = r.prefix
    const chunk = await store.list(r.type, opts)
    scanned += chunk.length
    for (const rec of chunk) {
      if (!filtered || matches(rec)) {
        if (items.length === r.limit) return { items, next: items[items.length - 1]!.id }
        items.push(rec)
      }
      after = rec.id
    }
    if (chunk.length < want) return { items }
    if (filtered && scanned >= r.scanMax) return after === undefined ? { items } : { items, next: after }
  }
}

async function indexedPage (store: Store, r: PageRequest, matches: (rec: StoredRecord) => boolean): Promise<Page> {
  const ids = await store.lookup(r.plan.index!.name, r.plan.index!.value)
  const items: StoredRecord[] = []
  let scanned = 0
  let last: string | undefined
  for (const id of ids) {
    if (r.after !== undefined && id <= r.after) continue
    if (r.prefix !== undefined && !id.startsWith(r.prefix)) continue
    if (scanned >= r.scanMax) return { items, next: last! }
    scanned++
    const fields = await store.get(r.type, id)
    const rec = { type: r.type, id, fields: fields ?? {} }
    if (fields !== undefined && matches(rec)) {
      if (items.length === r.limit) return { items, next: items[items.length - 1]!.id }
      items.push(rec)
    }
    last = id
  }
  return { items }
}
