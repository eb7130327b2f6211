/**
 * What the family handlers share: the store, the in-memory indexes, this
 * node's registrations (its contacts and chan_sip registrations books), the
 * projection options, the extra rows hook; the handler interface; and the small helpers they all use. The cache tags the handlers
 * push and the change router bumps are declared in cache-tags.ts.
 */
import { ID_PATTERN, str, type DestroyRequest, type Fields, type LookupPlan, type LookupRequest, type RecordLike, type Row, type StoreRequest, type UpdateRequest, type ProjectionOptions } from '@federator/core'
import type { RealtimeStore } from '../ports.js'
import { tag, type CacheTag } from './cache-tags.js'
import type { ContactBook } from './contacts-book.js'
import type { RealtimeProblem } from './metrics.js'
import type { HostIndex, MailboxIndex, TrunkTable } from './record-index.js'
import type { RowIndex } from './rows-index.js'
import type { SipRegBook } from './sipreg-book.js'

/** Rows of other origins merged into a family's answers (the routing work's inter-node trunks). */
export type ExtraRowsHook = (family: string) => readonly Row[]

/**
 * The extra rows per family, memoised until `changed()`; by id (`id`, or
 * `name` for chan_sip) where the family has one. Families without an id
 * column (the generated `extensions`) are served as a list.
 */
export class ExtraRows {
  private readonly memo = new Map<string, { list: Row[], byId: Map<string, Row> }>()

  constructor (private readonly hook: ExtraRowsHook | undefined) {}

  private family (family: string): { list: Row[], byId: Map<string, Row> } {
    let m = this.memo.get(family)
    if (m === undefined) {
      const list = [...this.hook?.(family) ?? []]
      const byId = new Map<string, Row>()
      const key = family === 'sippeers' ? 'name' : 'id'
      for (const row of list) {
        const k = row[key]
        if (typeof k === 'string' && k.length > 0 && !byId.has(k)) byId.set(k, row)
      }
      m = { list, byId }
      this.memo.set(family, m)
    }
    return m
  }

  byId (family: string, id: string): Row | undefined {
    return this.hook === undefined ? undefined : this.family(family).byId.get(id)
  }

  /** The rows with an id (`id`/`name`), one per id. */
  rowsWithId (family: string): Row[] {
    return this.hook === undefined ? [] : [...this.family(family).byId.values()]
  }

  /** Every row of the family, as the hook gave them. */
  rows (family: string): Row[] {
    return this.hook === undefined ? [] : this.family(family).list
  }

  changed (): void {
    this.memo.clear()
  }
}

export interface LookupContext {
  store: RealtimeStore
  projection: Partial<ProjectionOptions>
  trunks: TrunkTable
  hosts: HostIndex
  mailboxes: MailboxIndex
  rows: RowIndex
  /** this node's PJSIP contacts */
  contacts: ContactBook
  /** this node's chan_sip registrations */
  sipRegs: SipRegBook
  extra: ExtraRows
  now: () => number
  /** the family's key columns (table record, else defaults), for generic families */
  keysOf: (family: string) => readonly string[] | undefined
  /**
   * Cache the answer of `<family>/single id=<id>` computed along with another
   * lookup (synchronously, in the same computation: same tags).
   */
  prefill: (family: string, id: string, row: Row | undefined, tags: readonly CacheTag[]) => void
}

/** A write Asterisk sent that cannot be done: answered `-1`, counted under `reason`. */
export class WriteRefused extends Error {
  constructor (readonly reason: RealtimeProblem, message: string) {
    super(message)
    this.name = 'WriteRefused'
  }
}

/** One kind of family: its candidate rows for a planned lookup, and its writes (absent: read-only). */
export interface FamilyHandler {
  indexes: (family: string) => ReadonlyArray<readonly string[]>
  /**
   * Rows that may match (a superset: the caller filters with the criteria).
   * Pushes the cache tags of everything read onto `tags`.
   */
  candidates: (family: string, req: LookupRequest, plan: LookupPlan, tags: CacheTag[]) => Row[] | Promise<Row[]>
  store?: (family: string, req: StoreRequest) => Promise<number>
  update?: (family: string, req: UpdateRequest) => Promise<number>
  destroy?: (family: string, req: DestroyRequest) => Promise<number>
}

const RECORD_ID = new RegExp(ID_PATTERN)

/** True when `id` can be a record id (a lookup for `alice@example.com` needs no read at all). */
export function isRecordId (id: string): boolean {
  return RECORD_ID.test(id)
}

/** A record's fields by id, or undefined (without touching the store for impossible ids). */
export function read (ctx: LookupContext, type: string, id: string): Fields | undefined {
  return isRecordId(id) ? ctx.store.getSync(type, id) : undefined
}

/** The user of a device, tagging it. */
export function userOf (ctx: LookupContext, device: Fields, tags: CacheTag[]): RecordLike | undefined {
  const uid = str(device.user)
  if (uid === undefined) return undefined
  tags.push(tag.user(uid))
  const fields = read(ctx, 'user', uid)
  return fields === undefined ? undefined : { id: uid, fields }
}

/** The value a plan fixes for a single-column index (`id=…`, `name=…`), if that is the plan. */
export function exactKey (plan: LookupPlan, column: string): string | undefined {
  return plan.kind === 'index' && plan.exact && plan.index.length === 1 && plan.index[0] === column ? plan.values[0] : undefined
}

/** The literal prefix a plan gives on a single-column index (`id LIKE alice;@%`), '' when none. */
export function keyPrefix (plan: LookupPlan, column: string): string {
  return plan.kind === 'index' && !plan.exact && plan.index.length === 1 && plan.index[0] === column && plan.values.length === 0 ? plan.prefix ?? '' : ''
}
