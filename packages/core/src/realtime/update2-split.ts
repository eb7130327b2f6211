/**
 * Splitting run-together update2 pairs (`k1=v1k2=v2…`, update.ts) into
 * names and values, in time linear in the request.
 *
 * Cutting the text at each `=` leaves the first name, the last value, and
 * between them pieces that are "value of pair i" + "name of pair i+1", the
 * name being a column of the family (encoded) that ends the piece. A split
 * picks one such column per piece; it survives when the names of the list are
 * distinct, no value ends inside a `%XX`, and the values of numeric columns
 * are numbers. One survivor: done. Several: the one with the longest names
 * (ties: the first in schema order, piece by piece) is returned and the
 * request is flagged `ambiguous`. None: refused (`update2_unknown_columns`).
 *
 * Trying every combination is exponential (a family with many column names
 * that end other column names — `allow`/`disallow`, `context`/`message_context`
 * — gives two choices per piece). Instead:
 * - A piece's candidates are found by looking its tail up in a map of the
 *   encoded names, one lookup per distinct name length; a value ending inside
 *   `%XX` removes a candidate for good. More pieces than columns, a piece
 *   without candidates or a last value that fits no column: no split at once.
 * - The search goes piece by piece and memoises what the rest can become:
 *   that depends only on whether the previous column is numeric and which of
 *   the columns still usable later are taken, not on the whole path. Each
 *   state answers how many survivors follow (0, 1 or "several") and the best
 *   of them, so the result is exactly that of trying every split.
 * - Taking a column checks the later pieces that could use it: one left
 *   without a candidate ends that branch at once (so a dead end shows up
 *   where it is made, not at the end of the text).
 * - Every step is counted; past UPDATE2_STEPS_PER_BYTE steps per byte of the
 *   text the request is refused as `update2_ambiguous`. Only a request built
 *   to have a great many near-splits can get there (Asterisk's own requests
 *   split in a few steps per piece), and such a request cannot be split
 *   with confidence anyway.
 */
import { addWork } from '../work.js'
import { decodeComponent, encodeComponent } from './percent.js'
import { requestError, splitOperator } from './request.js'
import type { ColumnClass } from './schema.js'

/** Work allowed per byte of the run-together text before a request is refused (a tunable; real requests need a few). */
export const UPDATE2_STEPS_PER_BYTE = 64
/** Work always allowed, whatever the length. */
export const UPDATE2_STEPS_MIN = 4096

const NUMBER = /^-?[0-9]*(\.[0-9]*)?$/
const CUT_ESCAPE = /%[0-9A-Fa-f]?$/

export interface SplitColumns { readonly columns: Readonly<Record<string, ColumnClass>> }
export interface Split { pairs: Array<[string, string]>, ambiguous: boolean }

interface Candidate { col: number, value: string, number: boolean }
/** How a state ends: survivors after it (2 = several), the best one's score and its choices. */
interface Outcome { count: number, score: number, path: Path | undefined }
interface Path { col: number, value: string, next: Path | undefined }

const DEAD: Outcome = { count: 0, score: 0, path: undefined }

function unknown (text: string): Error {
  return requestError('update2_unknown_columns', `Cannot split run-together update2 pairs into known columns: ${JSON.stringify(text.slice(0, 200))}`)
}

export function splitRunTogether (text: string, table: SplitColumns | undefined, stepsPerByte = UPDATE2_STEPS_PER_BYTE): Split {
  const parts = text.split('=')
  if (parts.length === 1) return { pairs: [[parts[0]!, '']], ambiguous: false }
  if (parts.length === 2) return { pairs: [[parts[0]!, parts[1]!]], ambiguous: false }
  if (table === undefined) {
    throw requestError('update2_unknown_columns', `Cannot split run-together update2 pairs without the family's columns: ${JSON.stringify(text.slice(0, 200))}`)
  }
  const columns = Object.keys(table.columns)
  const middle = parts.length - 2
  if (middle > columns.length) throw unknown(text) // names must be distinct: not enough columns
  const enc = columns.map(encodeComponent)
  const numeric = columns.map((c) => table.columns[c] === 'n')
  const byName = new Map<string, number>()
  enc.forEach((e, i) => { if (!byName.has(e)) byName.set(e, i) })
  const lengths = [...new Set(enc.map((e) => e.length))].sort((a, b) => a - b)

  // candidates of each middle piece, in schema order
  const cands: Candidate[][] = []
  for (let j = 0; j < middle; j++) {
    const piece = parts[j + 1]!
    const found: Candidate[] = []
    for (const len of lengths) {
      if (len > piece.length) break
      addWork(1 + len)
      const col = byName.get(piece.slice(piece.length - len))
      if (col === undefined) continue
      const value = piece.slice(0, piece.length - len)
      addWork(1 + value.length)
      if (!CUT_ESCAPE.test(value)) found.push({ col, value, number: NUMBER.test(value) })
    }
    if (found.length === 0) throw unknown(text)
    cands.push(found.sort((a, b) => a.col - b.col))
  }
  const last = parts[parts.length - 1]!
  addWork(1 + last.length)
  const lastFits = [!CUT_ESCAPE.test(last), !CUT_ESCAPE.test(last) && NUMBER.test(last)]
  if (!lastFits[0]!) throw unknown(text)

  // the first name: its column is taken, its class decides the first value
  let first: string
  try { first = splitOperator(decodeComponent(parts[0]!)).column } catch { first = parts[0]! }
  const firstCol = Object.hasOwn(table.columns, first) ? columns.indexOf(first) : -1
  const firstNumeric = firstCol >= 0 && numeric[firstCol]!

  // which later pieces may use each column, and how many candidates each piece has left
  const usedBy: number[][] = columns.map(() => [])
  const lastUse = columns.map(() => -1)
  cands.forEach((cs, j) => { for (const c of cs) { usedBy[c.col]!.push(j); lastUse[c.col] = j } })
  const left = cands.map((cs) => cs.filter((c) => c.col !== firstCol).length)
  if (left.some((n) => n === 0)) throw unknown(text)
  const taken = new Uint8Array(columns.length)
  const stack: number[] = []
  if (firstCol >= 0) { taken[firstCol] = 1; stack.push(firstCol) }

  const budget = Math.max(UPDATE2_STEPS_MIN, stepsPerByte * text.length)
  let steps = 0
  const step = (n: number): void => {
    steps += n
    if (steps > budget) {
      throw requestError('update2_ambiguous', `Too many ways to split run-together update2 pairs (over ${budget} steps): ${JSON.stringify(text.slice(0, 200))}`)
    }
  }
  const memo = new Map<string, Outcome>()

  /** Take `col` at piece j; false (and nothing changed) when a later piece would have no candidate left. */
  const take = (col: number, j: number): boolean => {
    const later = usedBy[col]!
    step(later.length)
    for (const p of later) if (p > j && left[p]! <= 1) return false
    for (const p of later) if (p > j) left[p]!--
    taken[col] = 1
    stack.push(col)
    return true
  }
  const release = (col: number, j: number): void => {
    for (const p of usedBy[col]!) if (p > j) left[p]!++
    taken[col] = 0
    stack.pop()
  }

  const solve = (j: number, prevNumeric: boolean): Outcome => {
    if (j === middle) return lastFits[prevNumeric ? 1 : 0]! ? { count: 1, score: 0, path: undefined } : DEAD
    step(1 + stack.length)
    const live = stack.filter((c) => lastUse[c]! >= j).sort((a, b) => a - b)
    const key = `${j}${prevNumeric ? 'n' : 's'}${live.join(',')}`
    const known = memo.get(key)
    if (known !== undefined) return known
    let best: Outcome = DEAD
    let count = 0 // survivors so far, 2 = several
    for (const c of cands[j]!) {
      step(1)
      if (taken[c.col] === 1 || (prevNumeric && !c.number)) continue
      if (!take(c.col, j)) continue
      const rest = solve(j + 1, numeric[c.col]!)
      release(c.col, j)
      if (rest.count === 0) continue
      const score = enc[c.col]!.length + rest.score
      if (count === 0 || score > best.score) best = { count: 0, score, path: { col: c.col, value: c.value, next: rest.path } }
      count = Math.min(2, count + rest.count)
    }
    const out: Outcome = count === 0 ? DEAD : { ...best, count }
    memo.set(key, out)
    return out
  }

  let result: Outcome
  try {
    result = solve(0, firstNumeric)
  } finally {
    addWork(steps)
  }
  if (result.count === 0) throw unknown(text)
  const pairs: Array<[string, string]> = []
  let name = parts[0]!
  for (let p = result.path; p !== undefined; p = p.next) {
    pairs.push([name, p.value])
    name = enc[p.col]!
  }
  pairs.push([name, last])
  return { pairs, ambiguous: result.count > 1 }
}
