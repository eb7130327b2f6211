/**
 * Matching rows against criteria: SQL semantics as the Asterisk SQL drivers
 * give them (docs/asterisk-protocol.md §3, §8).
 *
 * - Criteria are ANDed; their order carries no meaning.
 * - A row is `Record<string, string | null | undefined>`; an absent (or null)
 *   column is SQL NULL and satisfies no comparison at all, `!=` included. So
 *   `contact !=` with an empty value selects the rows whose contact is
 *   present and not empty (an empty string is a value, not NULL).
 * - `=`, `!=`, `<`, `<=`, `>`, `>=` and LIKE compare text case-sensitively
 *   and by code point (PostgreSQL with C collation; MySQL's default collation
 *   would ignore case). Case-sensitive on purpose: SIP user parts and sorcery
 *   ids are case-sensitive, and an `id=Alice` that found `alice` would answer
 *   with a row whose id differs from the one asked.
 * - On a numeric column (the family's schema, schema.ts) both sides are
 *   compared as numbers when both are numbers (`priority=1` matches `01`);
 *   otherwise `=`/`!=` fall back to text and `<`…`>=` do not match.
 * - A criterion Asterisk may have cut (`truncated`) is a prefix: `=` matches
 *   values that start with it, `!=` values that do not, LIKE as `<cut>%`.
 */
import { addWork } from '../work.js'
import { compileLike } from './like.js'
import { cell, inheritedName, type Row } from './answer.js'
import type { Criterion } from './request.js'

/** A row as matching sees it (the same shape the encoder takes): absent or null = SQL NULL. */
export type RowValues = Row
export type NumericTest = (column: string) => boolean
export type RowPredicate = (row: RowValues) => boolean

/** Unambiguous (`[0-9]+` then an optional `.[0-9]*`), so a failing test never backtracks more than linearly. */
const NUMBER = /^\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$/

/** The number a text holds, or undefined (`''` is not 0). */
export function asNumber (s: string): number | undefined {
  addWork(1 + s.length)
  if (!NUMBER.test(s)) return undefined
  const n = Number(s)
  return Number.isFinite(n) ? n : undefined
}

/** Code point order (= UTF-8 byte order); differs from `<` on UTF-16 only around surrogates. */
export function compareText (a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  addWork(1 + n)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs === ys) return x < y ? -1 : 1
    return xs ? 1 : -1 // a surrogate (code point ≥ 0x10000) sorts after any BMP unit
  }
  return a.length - b.length
}

function ordered (op: '<' | '<=' | '>' | '>=', c: number): boolean {
  switch (op) {
    case '<': return c < 0
    case '<=': return c <= 0
    case '>': return c > 0
    case '>=': return c >= 0
  }
}

/**
 * A predicate for one criterion. A column named like an Object.prototype
 * member (`constructor !=`) is read as an own property: absent, it is NULL.
 */
export function compileCriterion (c: Criterion, numericColumn = false): RowPredicate {
  const test = columnTest(c, numericColumn)
  if (!inheritedName(c.column)) return test
  const column = c.column
  return (row) => Object.hasOwn(row, column) && test(row)
}

function columnTest (c: Criterion, numericColumn: boolean): RowPredicate {
  const { column, value } = c
  if (c.op === 'LIKE') {
    const like = compileLike(value, c.truncated)
    return (row) => { const v = row[column]; return v != null && like.test(v) }
  }
  const num = numericColumn && !c.truncated ? asNumber(value) : undefined
  switch (c.op) {
    case '=':
      if (c.truncated) return (row) => { const v = row[column]; return v != null && v.startsWith(value) }
      if (num !== undefined) return (row) => { const v = row[column]; return v != null && (v === value || asNumber(v) === num) }
      return (row) => row[column] === value
    case '!=':
      if (c.truncated) return (row) => { const v = row[column]; return v != null && !v.startsWith(value) }
      if (num !== undefined) {
        return (row) => {
          const v = row[column]
          if (v == null) return false
          const n = asNumber(v)
          return n === undefined ? v !== value : n !== num
        }
      }
      return (row) => { const v = row[column]; return v != null && v !== value }
    default: {
      const op = c.op
      if (numericColumn) {
        if (num === undefined) return () => false
        return (row) => { const v = row[column]; const n = v == null ? undefined : asNumber(v); return n !== undefined && ordered(op, n - num) }
      }
      return (row) => { const v = row[column]; return v != null && ordered(op, compareText(v, value)) }
    }
  }
}

/** One predicate for all criteria (ANDed). Compile once per request, test many rows. */
export function compileCriteria (criteria: readonly Criterion[], numeric: NumericTest = () => false): RowPredicate {
  const preds = criteria.map((c) => compileCriterion(c, numeric(c.column)))
  return (row) => {
    addWork(1)
    for (const p of preds) if (!p(row)) return false
    return true
  }
}

export function matchRow (row: RowValues, criteria: readonly Criterion[], numeric?: NumericTest): boolean {
  return compileCriteria(criteria, numeric)(row)
}

/**
 * Rows in the order of a multi answer: by the key column (numerically on a
 * numeric column: musiconhold_entry by `position`), stable, NULLs last.
 */
export function sortRows<R extends RowValues> (rows: R[], key: string, numericKey = false): R[] {
  const cmp = (a: R, b: R): number => {
    const x = cell(a, key)
    const y = cell(b, key)
    if (x == null || y == null) return x == null ? (y == null ? 0 : 1) : -1
    if (numericKey) {
      const nx = asNumber(x)
      const ny = asNumber(y)
      if (nx !== undefined && ny !== undefined && nx !== ny) return nx - ny
    }
    return compareText(x, y)
  }
  return rows.map((r, i) => [r, i] as const).sort((a, b) => cmp(a[0], b[0]) || a[1] - b[1]).map(([r]) => r)
}
