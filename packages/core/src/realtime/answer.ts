/**
 * Answers to Asterisk, byte-exact (docs/asterisk-protocol.md §4, §8).
 *
 * A row is `Record<string, string | null | undefined>`: null/undefined is
 * SQL NULL and the column is left out. A line is `name=value&…`, both
 * encoded (percent.ts: `%20` for a space, `%0A`/`%0D` for line breaks, `%26`
 * `%3D` `%25` `%2B` for `& = % +`), so a line never holds a raw `&`, `=`,
 * `+` or line break of its own. Every answer ends with `\n` (CURL() trims
 * trailing whitespace; a second line of a single answer would be ignored).
 *
 * Empty strings. Most modules read single answers through ast_load_realtime,
 * which drops empty values and turns a value of exactly one space into an
 * empty string (main/config.c). So `single` sends an empty string as `%20`:
 * the module sees the empty string (the ODBC driver does the same). `multi`
 * answers are not filtered by Asterisk and an empty value is applied as is
 * (sorcery rejects the whole object when a number is empty), so `multi`
 * leaves empty columns out. Consequence: through single, a value of exactly
 * one space arrives as an empty string; through multi, an empty string is
 * NULL. The views never produce empty strings.
 */
import { encodeComponent } from './percent.js'

export type Row = Readonly<Record<string, string | null | undefined>>

/**
 * A column of a row read as an own property: a column named like an
 * `Object.prototype` member (`constructor`, `__proto__`, `toString`, from a
 * request) is NULL unless the row really has it.
 */
export function cell (row: Row, column: string): string | null | undefined {
  return Object.hasOwn(row, column) ? row[column] : undefined
}

/** True for the names a plain object inherits (`constructor`, `__proto__`, …): read those with `cell`. */
export function inheritedName (name: string): boolean {
  return name in Object.prototype
}

/** "Not found" for single and multi. */
export const ANSWER_NONE = ''
/** require: "requirements satisfied". */
export const ANSWER_REQUIRE = '0\n'
/** update, store, destroy: failure. Never answer a write with an empty body (docs/asterisk-protocol.md §4.4). */
export const ANSWER_FAILED = '-1\n'

/** Integer answer of update, update2, store and destroy (rows affected; negative = failure). */
export function encodeCount (n: number): string {
  return (Number.isSafeInteger(n) ? String(n) : '-1') + '\n'
}

function pair (name: string, value: string): string {
  return encodeComponent(name) + '=' + encodeComponent(value)
}

/**
 * One row as a line, without the line end. `emptyAs`: how an empty string is
 * sent (`space`: `%20`, for single; `omit`: left out, for multi). `first`:
 * a column to put first (the key column of multi; order is not significant
 * to Asterisk, but it reads well).
 */
export function encodeLine (row: Row, emptyAs: 'space' | 'omit', first?: string): string {
  const parts: string[] = []
  const add = (name: string, value: string | null | undefined): void => {
    if (value === null || value === undefined || name.length === 0) return
    if (value.length === 0) {
      if (emptyAs === 'space') parts.push(encodeComponent(name) + '=%20')
      return
    }
    parts.push(pair(name, value))
  }
  if (first !== undefined) add(first, cell(row, first))
  for (const name of Object.keys(row)) if (name !== first) add(name, row[name])
  return parts.join('&')
}

/** single: the row, or an empty body when there is none. */
export function encodeSingle (row: Row | undefined): string {
  if (row === undefined) return ANSWER_NONE
  const line = encodeLine(row, 'space')
  return line.length === 0 ? ANSWER_NONE : line + '\n'
}

/**
 * multi: one line per row, in the given order. Each row must carry the key
 * column (the first criterion's column): Asterisk names the row after it, and
 * consumers ignore or mis-file rows without it, so such rows are left out.
 */
export function encodeMulti (rows: Iterable<Row>, key: string): string {
  let out = ''
  for (const row of rows) {
    const k = cell(row, key)
    if (k === null || k === undefined || k.length === 0) continue
    out += encodeLine(row, 'omit', key) + '\n'
  }
  return out
}
