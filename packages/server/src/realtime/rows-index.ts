/**
 * In-memory indexes over the generic realtime rows (`row` records: queues,
 * queue_members, extensions, custom families), one set per family, kept
 * current from the store's changes.
 *
 * For each index of the family (core familyIndexes: its key columns, its
 * unique indexes, or the listed lookups such as queue_members by
 * queue_name) and each number k of leading columns, a map from the k values
 * (numbers of numeric columns in canonical form, core indexValue) to row ids.
 * A planned lookup (core planLookup) with k fixed values is then one map
 * read; the plan's next-column prefix, if any, is left to the row filter.
 * Every row change returns the cache tags of the tuples of its old and new
 * version, so only the lookups that had (or now have) the row as a
 * candidate are invalidated.
 */
import { familyIndexes, indexValue, isNumericColumn, type LookupPlan } from '@federator/core'
import { tag, type CacheTag } from './cache-tags.js'

export interface RowColumns { readonly [column: string]: string }

interface FamilyRows {
  indexes: ReadonlyArray<readonly string[]>
  ids: Set<string>
  /** `<index name>#<k>` → tuple → row ids */
  maps: Map<string, Map<string, Set<string>>>
}

const SEP = '\u0000'

export function familyOfRowId (id: string): string {
  const slash = id.indexOf('/')
  return slash <= 0 ? '' : id.slice(0, slash)
}

const indexName = (cols: readonly string[]): string => cols.join(',')

/** The cache tag of the rows whose first k columns of `index` have these values. */
const rowTupleTag = (family: string, index: readonly string[], k: number, tuple: string): CacheTag => tag.rowTuple(family, indexName(index), k, tuple)

function tuples (family: string, index: readonly string[], columns: RowColumns | undefined): string[] {
  const out: string[] = []
  if (columns === undefined) return out
  let t = ''
  for (const col of index) {
    const v = columns[col]
    if (v === undefined) break
    t = (out.length === 0 ? '' : t + SEP) + indexValue(v, isNumericColumn(family, col))
    out.push(t)
  }
  return out
}

export class RowIndex {
  private readonly families = new Map<string, FamilyRows>()

  /** `keysOf`: the family's key columns (its table record, else the defaults). */
  constructor (private readonly keysOf: (family: string) => readonly string[] | undefined) {}

  private family (family: string): FamilyRows {
    let f = this.families.get(family)
    if (f === undefined) {
      f = { indexes: familyIndexes(family, this.keysOf(family)), ids: new Set(), maps: new Map() }
      this.families.set(family, f)
    }
    return f
  }

  /** Apply one row change; returns the cache tags to bump. */
  apply (id: string, before: RowColumns | undefined, after: RowColumns | undefined): CacheTag[] {
    const family = familyOfRowId(id)
    if (family === '') return []
    const f = this.family(family)
    const tags = [tag.familyRows(family)]
    if (after === undefined) f.ids.delete(id)
    else f.ids.add(id)
    for (const index of f.indexes) {
      const name = indexName(index)
      const old = tuples(family, index, before)
      const neu = tuples(family, index, after)
      for (let k = 1; k <= Math.max(old.length, neu.length); k++) {
        const o = old[k - 1]
        const n = neu[k - 1]
        // the row's content changed: every lookup that had it as a candidate is stale, moved or not
        if (o !== undefined) tags.push(rowTupleTag(family, index, k, o))
        if (n !== undefined && n !== o) tags.push(rowTupleTag(family, index, k, n))
        if (o === n) continue
        let m = f.maps.get(name + '#' + String(k))
        if (m === undefined) f.maps.set(name + '#' + String(k), m = new Map())
        if (o !== undefined) {
          const s = m.get(o)
          s?.delete(id)
          if (s?.size === 0) m.delete(o)
        }
        if (n !== undefined) {
          let s = m.get(n)
          if (s === undefined) m.set(n, s = new Set())
          s.add(id)
        }
      }
    }
    return tags
  }

  /**
   * Candidate row ids of a planned lookup with its cache tag, or undefined
   * when the plan fixes no column (the caller scans the family).
   */
  candidates (family: string, plan: LookupPlan): { ids: string[], tag: CacheTag } | undefined {
    if (plan.kind !== 'index' || plan.values.length === 0) return undefined
    const k = plan.values.length
    const tuple = plan.values.join(SEP)
    const set = this.families.get(family)?.maps.get(indexName(plan.index) + '#' + String(k))?.get(tuple)
    return { ids: set === undefined ? [] : [...set], tag: rowTupleTag(family, plan.index, k, tuple) }
  }

  /** The indexes lookups of this family can use. */
  indexesOf (family: string): ReadonlyArray<readonly string[]> {
    return this.families.get(family)?.indexes ?? familyIndexes(family, this.keysOf(family))
  }

  /** All row ids of a family. */
  ids (family: string): string[] {
    return [...this.families.get(family)?.ids ?? []]
  }

  /** Forget a family's indexes (its key columns changed); the caller re-applies its rows. */
  reset (family: string): void {
    this.families.delete(family)
  }

  clear (): void {
    this.families.clear()
  }
}
