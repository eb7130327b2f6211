/**
 * Which index a lookup can use, so that a lookup costs the same with 10 or
 * 100,000 records (docs/asterisk.md, "Speed"; docs/benchmarks.md).
 *
 * The plugin keeps, per family, indexes over column tuples (sorted, so a
 * prefix of the leading columns and a text prefix of the next column are
 * range scans). planLookup picks the index that narrows the rows most:
 * - `index`: the first `values.length` columns of `index` are compared with
 *   `=`, and optionally the next column with a LIKE that starts with literal
 *   text (`id LIKE alice;@%`, `exten LIKE \_%`) or with a `=` Asterisk may
 *   have cut: `prefix`. `exact` when every column of the index is fixed;
 * - `range`: a single-column index on a numeric column bounded by `<`, `<=`,
 *   `>`, `>=` (`expiration_time <= <now>`, contact pruning);
 * - `scan`: every row of the family (`id LIKE %`, `mailboxes !=`): such
 *   lookups are few (start-up, reloads) or served from a precomputed answer.
 * The plan only narrows the candidates: the plugin still tests each candidate
 * with compileCriteria (match.ts), so candidates ⊇ matches by construction.
 * Numeric columns: `=` compares numbers (`01` = `1`), so the plugin keys its
 * indexes with indexValue() (a number in canonical form) and the plan's
 * values are in that form too; a text prefix never narrows a numeric column.
 */
import { asNumber, type NumericTest } from './match.js'
import { compileLike } from './like.js'
import type { Criterion } from './request.js'

export interface Bound { value: number, inclusive: boolean }

export type LookupPlan =
  | { kind: 'index', index: readonly string[], values: string[], prefix?: string, exact: boolean }
  | { kind: 'range', column: string, min?: Bound, max?: Bound }
  | { kind: 'scan' }

/** The text an index stores for a column value: numbers of a numeric column in canonical form. */
export function indexValue (value: string, numericColumn: boolean): string {
  if (!numericColumn) return value
  const n = asNumber(value)
  return n === undefined ? value : String(n)
}

export function planLookup (criteria: readonly Criterion[], indexes: ReadonlyArray<readonly string[]>, numeric: NumericTest = () => false): LookupPlan {
  const eq = new Map<string, string>()
  const prefixOf = new Map<string, string>()
  for (const c of criteria) {
    const num = numeric(c.column)
    if (c.op === '=' && !c.truncated) eq.set(c.column, indexValue(c.value, num))
    else if (c.op === '=' && c.truncated && !num) prefixOf.set(c.column, c.value)
    else if (c.op === 'LIKE' && !num) {
      const like = compileLike(c.value, c.truncated)
      if (like.kind === 'exact') eq.set(c.column, like.prefix)
      else if (like.prefix.length > 0) {
        const old = prefixOf.get(c.column)
        if (old === undefined || like.prefix.length > old.length) prefixOf.set(c.column, like.prefix)
      }
    }
  }
  let best: LookupPlan | undefined
  let bestScore = 0
  for (const index of indexes) {
    const values: string[] = []
    for (const col of index) {
      const v = eq.get(col)
      if (v === undefined) break
      values.push(v)
    }
    const next = index[values.length]
    const prefix = next === undefined ? undefined : prefixOf.get(next)
    const exact = values.length === index.length
    // full keys first, then more fixed columns, then a longer prefix
    const score = values.length === 0 && prefix === undefined ? 0 : (exact ? 1e6 : 0) + values.length * 1e3 + (prefix === undefined ? 0 : 1 + Math.min(prefix.length, 999) / 1e3)
    if (score > bestScore) {
      bestScore = score
      best = prefix === undefined ? { kind: 'index', index, values, exact } : { kind: 'index', index, values, prefix, exact: false }
    }
  }
  if (best !== undefined) return best
  for (const index of indexes) {
    if (index.length !== 1 || !numeric(index[0]!)) continue
    const column = index[0]!
    let min: Bound | undefined
    let max: Bound | undefined
    for (const c of criteria) {
      if (c.column !== column) continue
      const n = asNumber(c.value)
      if (n === undefined) continue
      if (c.op === '<' || c.op === '<=') max = tighter(max, { value: n, inclusive: c.op === '<=' }, -1)
      else if (c.op === '>' || c.op === '>=') min = tighter(min, { value: n, inclusive: c.op === '>=' }, 1)
    }
    if (min !== undefined || max !== undefined) {
      const plan: LookupPlan = { kind: 'range', column }
      if (min !== undefined) plan.min = min
      if (max !== undefined) plan.max = max
      return plan
    }
  }
  return { kind: 'scan' }
}

/** The narrower of two bounds: dir 1 for lower bounds (greater wins), -1 for upper bounds. */
function tighter (a: Bound | undefined, b: Bound, dir: 1 | -1): Bound {
  if (a === undefined) return b
  if (a.value !== b.value) return (b.value - a.value) * dir > 0 ? b : a
  return a.inclusive ? b : a
}
