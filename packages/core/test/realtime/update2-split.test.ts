import t from 'tap'
import fc from 'fast-check'
import {
  decodeComponent, encodeComponent, measureWork, parseUpdate, requestError, requestProblem, splitOperator, splitRunTogether,
  tableSchema, UPDATE2_STEPS_MIN, UPDATE2_STEPS_PER_BYTE, type SplitColumns
} from '../../src/index.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }

/**
 * The former splitter, kept as the reference: it tries every cut (exponential
 * in the worst case) and stops after 64 survivors.
 */
function referenceSplit (text: string, table: SplitColumns): { pairs: Array<[string, string]>, ambiguous: boolean, found: number } {
  const parts = text.split('=')
  if (parts.length === 1) return { pairs: [[parts[0]!, '']], ambiguous: false, found: 1 }
  if (parts.length === 2) return { pairs: [[parts[0]!, parts[1]!]], ambiguous: false, found: 1 }
  const names = Object.keys(table.columns).map((c) => [c, encodeComponent(c)] as const)
  const numeric = (encodedName: string): boolean => {
    let column: string
    try { column = splitOperator(decodeComponent(encodedName)).column } catch { return false }
    return Object.hasOwn(table.columns, column) && table.columns[column] === 'n'
  }
  const valueFits = (name: string, value: string): boolean =>
    !/%[0-9A-Fa-f]?$/.test(value) && (!numeric(name) || /^-?[0-9]*(\.[0-9]*)?$/.test(value))
  const found: Array<{ pairs: Array<[string, string]>, score: number }> = []
  const walk = (i: number, pairs: Array<[string, string]>, nextName: string, used: Set<string>, score: number): void => {
    if (found.length >= 64) return
    const piece = parts[i]!
    if (i === parts.length - 1) {
      if (valueFits(nextName, piece)) found.push({ pairs: [...pairs, [nextName, piece]], score })
      return
    }
    for (const [column, enc] of names) {
      if (used.has(column) || piece.length < enc.length || !piece.endsWith(enc)) continue
      const value = piece.slice(0, piece.length - enc.length)
      if (!valueFits(nextName, value)) continue
      used.add(column)
      walk(i + 1, [...pairs, [nextName, value]], enc, used, score + enc.length)
      used.delete(column)
    }
  }
  let first: string
  try { first = splitOperator(decodeComponent(parts[0]!)).column } catch { first = parts[0]! }
  walk(1, [], parts[0]!, new Set([first]), 0)
  if (found.length === 0) throw requestError('update2_unknown_columns', 'no split')
  let best = found[0]!
  for (const s of found) if (s.score > best.score) best = s
  return { pairs: best.pairs, ambiguous: found.length > 1, found: found.length }
}

const FAMILIES = ['sippeers', 'ps_endpoints', 'voicemail', 'queues', 'meetme', 'iaxfriends', 'queue_members']
const schema = (family: string): SplitColumns => tableSchema(family)!
/** What these tests allow: finding the candidates of a piece looks up each name length once (≤ ~30 lookups of ≤ 30 bytes). */
const STEPS_PER_BYTE = 100
t.ok(UPDATE2_STEPS_PER_BYTE + 30 <= STEPS_PER_BYTE && UPDATE2_STEPS_MIN <= 50 * STEPS_PER_BYTE, 'the splitter\'s own budget is within this bound')

/** Column names that end other column names, and the text before them (`dis` of `disallow`). */
function chainParts (family: string): { names: string[], heads: string[] } {
  const cols = Object.keys(schema(family).columns)
  const names = new Set<string>()
  const heads = new Set<string>()
  for (const a of cols) {
    for (const b of cols) {
      if (a !== b && a.endsWith(b)) { names.add(a); names.add(b); heads.add(a.slice(0, a.length - b.length)) }
    }
  }
  return { names: [...names], heads: [...heads] }
}

/** Run-together text for a family, biased towards ambiguity: chained names, values ending in name heads, digits, cut escapes. */
const runTogether = fc.constantFrom(...FAMILIES).chain((family) => {
  const cols = Object.keys(schema(family).columns)
  const { names, heads } = chainParts(family)
  const name = fc.oneof(fc.constantFrom(...cols), ...(names.length > 0 ? [fc.constantFrom(...names), fc.constantFrom(...names)] : []))
  const valuePart = fc.oneof(fc.constantFrom('1', '20', '-3', '4.5', '', 'x', 'ab', '%2', '%41', '%4'), ...(heads.length > 0 ? [fc.constantFrom(...heads)] : []))
  const value = fc.array(valuePart, { maxLength: 3 }).map((ps) => ps.join(''))
  return fc.tuple(fc.constant(family), name, fc.array(fc.tuple(value, name), { maxLength: 7 }), value)
    .map(([family, first, middle, last]) => ({ family, text: first + '=' + middle.map(([v, n]) => v + n + '=').join('') + last }))
})

type Result = { pairs: Array<[string, string]>, ambiguous: boolean } | { problem: string | undefined }
const outcome = (fn: () => { pairs: Array<[string, string]>, ambiguous: boolean }): Result => {
  try { const r = fn(); return { pairs: r.pairs, ambiguous: r.ambiguous } } catch (err) { return { problem: requestProblem(err) } }
}

t.test('property: the linear splitter gives exactly what trying every cut gives', async (t) => {
  let ambiguous = 0
  let unique = 0
  let none = 0
  fc.assert(fc.property(runTogether, ({ family, text }) => {
    const table = schema(family)
    const mine = outcome(() => splitRunTogether(text, table))
    let ref: ReturnType<typeof referenceSplit> | undefined
    try { ref = referenceSplit(text, table) } catch { ref = undefined }
    if (ref === undefined) { none++; return 'problem' in mine && mine.problem === 'update2_unknown_columns' }
    if (ref.ambiguous) ambiguous++
    else unique++
    // past 64 survivors the reference kept the best of the first 64 only: compare the flag
    if (ref.found >= 64) return 'pairs' in mine && mine.ambiguous
    return 'pairs' in mine && mine.ambiguous === ref.ambiguous && JSON.stringify(mine.pairs) === JSON.stringify(ref.pairs)
  }), runs)
  t.ok(ambiguous > 0 && unique > 0 && none > 0, `the inputs cover every outcome (ambiguous ${ambiguous}, unique ${unique}, none ${none})`)
})

t.test('property: splitting costs at most c·n steps', async (t) => {
  let worst = 0
  fc.assert(fc.property(runTogether, ({ family, text }) => {
    const { steps } = measureWork(() => splitRunTogether(text, schema(family)))
    worst = Math.max(worst, steps / text.length)
    return steps <= STEPS_PER_BYTE * text.length
  }), runs)
  t.ok(worst > 0, `at most ${worst.toFixed(1)} steps per byte`)
})

// ps_endpoints has many column names that end others: each piece below can end in either
const LONGS = ['disallow', 'external_media_address', 'outbound_auth', 'named_call_group', 'named_pickup_group', 'mwi_from_user',
  'message_context', 'media_use_received_transport', 'contact_deny', 'contact_permit', 'contact_acl', 'callerid', 'subscribe_context',
  'bind_rtp_to_media_address']
const SHORTS = ['allow', 'media_address', 'auth', 'call_group', 'pickup_group', 'from_user', 'context', 'transport', 'deny', 'permit', 'acl']

t.test('regression: requests built to make the splitter try every combination', async (t) => {
  const endpoints = schema('ps_endpoints')
  const twice = [...LONGS.slice(0, 11), ...LONGS.slice(0, 11)]
  const cases: Array<[string, string, string[] | 'ambiguous' | 'update2_unknown_columns']> = [
    ['two ways per piece, last value cut inside %XX', 'id=x' + LONGS.map((l) => l + '=v').join('') + '%4', 'update2_unknown_columns'],
    ['two ways per piece: many survivors', 'id=x' + LONGS.map((l) => l + '=v').join(''), 'ambiguous'],
    ['the short names again at the end: only the long ones fit first', 'id=x' + LONGS.map((l) => l + '=v').join('') + SHORTS.map((s) => s + '=v').join(''), ['id', ...LONGS, ...SHORTS]],
    ['every long name twice: many survivors', 'id=x' + twice.map((l) => l + '=v').join(''), 'ambiguous'],
    ['every long name twice, last value cut', 'id=x' + twice.map((l) => l + '=v').join('') + '%4', 'update2_unknown_columns'],
    ['every long name twice, then a name only a long one ends in', 'id=x' + twice.map((l) => l + '=v').join('') + 'port=1', 'update2_unknown_columns']
  ]
  for (const [name, text, expected] of cases) {
    const { result, error, steps } = measureWork(() => splitRunTogether(text, endpoints))
    t.ok(steps <= STEPS_PER_BYTE * text.length, `${name}: ${steps} steps for ${text.length} bytes`)
    if (Array.isArray(expected)) {
      t.equal(result?.ambiguous, false, name)
      t.same(result?.pairs.map(([n]) => n), expected, `${name}: the names`)
    } else if (expected === 'ambiguous') {
      // refused either way: flagged ambiguous, or given up on as too many ways to split
      t.ok(result?.ambiguous === true || requestProblem(error) === 'update2_ambiguous', name)
    } else {
      t.equal(requestProblem(error), expected, name)
    }
  }
  // the 326-byte request of the issue took 0.4 s of CPU: the same shape through parseUpdate
  const query = '&id=x' + LONGS.map((l) => l + '=v').join('') + SHORTS.map((s) => s + '=v').join('')
  const body = '&' + SHORTS.slice(0, 3).map((s) => s + '=v').join('')
  const { result, steps } = measureWork(() => parseUpdate(query, body, endpoints))
  t.ok(query.length + body.length > 326, `${query.length + body.length} bytes`)
  t.ok(steps <= STEPS_PER_BYTE * (query.length + body.length), `parseUpdate: ${steps} steps`)
  t.equal(result?.ambiguous, false)
  t.same(result?.where.map((c) => c.column), ['id', ...LONGS, ...SHORTS])
  t.same(result?.set.map((a) => [a.column, a.value]), [['allow', 'v'], ['media_address', 'v'], ['auth', 'v']])
})

t.test('the step budget is a tunable: spent, the request is refused as ambiguous', async (t) => {
  const endpoints = schema('ps_endpoints')
  const text = 'id=x' + [...LONGS.slice(0, 11), ...LONGS.slice(0, 11)].map((l) => l + '=v').join('')
  const tight = measureWork(() => splitRunTogether(text, endpoints, 1))
  t.equal(requestProblem(tight.error), 'update2_ambiguous', 'refused within the minimum budget')
  t.ok(tight.steps <= UPDATE2_STEPS_MIN + STEPS_PER_BYTE * text.length, `${tight.steps} steps`)
  const loose = measureWork(() => splitRunTogether(text, endpoints, 1000))
  t.equal(loose.error, undefined)
  t.equal(loose.result?.ambiguous, true, 'with room enough, the search ends: several survivors')
  // every split scores the same (each name pair is used once either way): the first in schema order wins, as with the old splitter
  t.same(loose.result?.pairs, referenceSplit(text, endpoints).pairs, 'the same split as trying every cut')
  const viaParse = measureWork(() => parseUpdate('&' + text, '&allow=1', endpoints, { update2StepsPerByte: 1 }))
  t.equal(requestProblem(viaParse.error), 'update2_ambiguous', 'parseUpdate passes the tunable on')
})
