/**
 * Fuzzing the realtime parsers and matchers with a work budget: the steps
 * counted by core/work.ts (not wall time) must stay within c·n for the
 * parsers (n: request bytes) and c·n·D for matching a request against rows (D:
 * bytes of the rows), for random requests and for requests built to be slow.
 */
import t from 'tap'
import fc from 'fast-check'
import {
  compileCriteria, isNumericColumn, measureWork, parseCriteria, parseDestroy, parseLookup, parseRequire, parseRouteRequest,
  parseStore, parseUpdate, sortRows, tableSchema, type RowValues
} from '../../src/index.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }

/** Steps a parser may take per byte of its input. */
const PARSE_PER_BYTE = 8
/** Steps matching may take per (request byte × row byte). */
const MATCH_PER_BYTE2 = 4

const UNITS = ['&', '&', '=', '=', '%', '%25', '%20', '%3D', '%26', '%4', '%ZZ', 'a', 'a', 'b', '1', '9', '.', '-', '+', ' ', 'LIKE', '%20LIKE',
  '%20%3C%3D', '%20!%3D', '%20%3E', 'é', '%C3%A9', '%E2%82', '%F0%9F%98%80', 'name', 'id', 'context', 'priority', 'fullname', '%5C', '_', '%5F']
const body = fc.array(fc.constantFrom(...UNITS), { maxLength: 120 }).map((u) => u.join(''))

/** Requests built to be slow for a naive parser or matcher, of size about n. */
const ADVERSARIAL: Array<(n: number) => string> = [
  (n) => '&'.repeat(n),
  (n) => '='.repeat(n),
  (n) => 'name=' + '%41'.repeat(n / 3),
  (n) => 'name=' + '%4'.repeat(n / 2),
  (n) => 'name%20LIKE=' + '%25a'.repeat(n / 4) + '%25b',
  (n) => 'name%20LIKE=' + '%25a'.repeat(n / 4) + '%25b%25',
  (n) => 'name%20LIKE=%25' + '_'.repeat(n / 2) + 'b%25',
  (n) => 'name%20LIKE=' + 'a%25'.repeat(n / 4),
  (n) => 'name%20LIKE=%25' + 'aab'.repeat(n / 3) + '%25',
  (n) => 'priority=' + '1'.repeat(n) + 'x',
  (n) => 'priority%20%3C=' + ' '.repeat(n) + 'x',
  (n) => 'priority%20%3E=1' + '0'.repeat(n) + 'e',
  (n) => 'name%20%3E=' + 'a'.repeat(n),
  (n) => 'x=1&'.repeat(n / 4),
  (n) => 'a%20b%20c%20LIKE='.repeat(n / 16)
]
const adversarial = fc.tuple(fc.constantFrom(...ADVERSARIAL.keys()), fc.integer({ min: 1, max: 4000 })).map(([i, n]) => ADVERSARIAL[i]!(n))
const anyBody = fc.oneof(body, adversarial)

/** Rows to match against: long runs of one letter (the LIKE worst case), numbers, text. */
const ROWS: RowValues[] = [
  { name: 'a'.repeat(250), context: 'default', priority: '1' },
  { name: 'a'.repeat(249) + 'b', context: 'x'.repeat(200), priority: '01' },
  { name: 'aab'.repeat(80), context: 'default', priority: '2.5' },
  { name: 'alice', id: 'alice', context: 'from-internal', priority: '10', fullname: 'Alice é' },
  { name: 'bob', id: 'bob', priority: '-3' },
  { name: '😀'.repeat(100), id: '😀' },
  { name: '_%\\', id: 'x', priority: '1e3' }
]
const ROW_BYTES = ROWS.reduce((n, r) => n + Object.entries(r).reduce((m, [k, v]) => m + k.length + (v ?? '').length, 0), 0)

const steps = (fn: () => unknown): number => measureWork(fn).steps

t.test('realtime body parsers: at most c·n steps', async (t) => {
  let worst = 0
  fc.assert(fc.property(anyBody, (b) => {
    const n = b.length + 1
    for (const parse of [() => parseLookup('single', b), () => parseLookup('multi', b), () => parseStore(b), () => parseDestroy(b), () => parseRequire(b)]) {
      const s = steps(parse)
      worst = Math.max(worst, s / n)
      if (s > PARSE_PER_BYTE * n) return false
    }
    return true
  }), runs)
  t.ok(worst > 0, `at most ${worst.toFixed(2)} steps per byte`)
})

t.test('update and update2 (run-together pairs): at most c·n steps', async (t) => {
  const families = ['sippeers', 'ps_endpoints', 'voicemail', 'queues', 'extensions']
  let worst = 0
  fc.assert(fc.property(fc.constantFrom(...families), fc.boolean(), anyBody, anyBody, (family, update2, q, b) => {
    const query = (update2 ? '&' : '') + q
    const body = (update2 ? '&' : '') + b
    const s = steps(() => parseUpdate(query, body, tableSchema(family)))
    worst = Math.max(worst, s / (query.length + body.length + 1))
    return s <= 100 * (query.length + body.length + 1)
  }), runs)
  t.ok(worst > 0, `at most ${worst.toFixed(2)} steps per byte`)
})

t.test('matching (=, !=, <…>=, LIKE on text and numeric columns) and sorting: at most c·n·D steps', async (t) => {
  let worst = 0
  fc.assert(fc.property(anyBody, fc.constantFrom('extensions', 'queues', 'sippeers'), (b, family) => {
    let criteria
    try { criteria = parseCriteria(b) } catch { return true }
    const numeric = (c: string): boolean => isNumericColumn(family, c)
    const s = steps(() => {
      const found = ROWS.filter(compileCriteria(criteria, numeric))
      const key = criteria[0]?.column
      if (key !== undefined) sortRows(found, key, numeric(key))
    })
    const bound = MATCH_PER_BYTE2 * (b.length + 1) * (ROW_BYTES + ROWS.length)
    worst = Math.max(worst, s / bound)
    return s <= bound
  }), runs)
  t.ok(worst > 0, `at most ${(worst * 100).toFixed(2)}% of the budget`)
})

t.test('the regression inputs of the issue through the whole lookup path', async (t) => {
  // `%a%a%a%a%b` against a 250-byte value froze a node for 27 s; 80 wildcards never returned
  for (const pattern of ['%a%a%a%a%b', '%a'.repeat(80) + '%b']) {
    const b = 'name%20LIKE=' + encodeURIComponent(pattern)
    const { result, steps: s } = measureWork(() => ROWS.filter(compileCriteria(parseCriteria(b))).map((r) => r.name!.length))
    t.same(result, [250, 240], `${pattern.slice(0, 12)}…: the rows of a…ab and aab…aab`)
    t.ok(s <= MATCH_PER_BYTE2 * b.length * ROW_BYTES, `${s} steps`)
  }
})

t.test('/route parameters (core side): at most c·(number of parameters) steps', async (t) => {
  const value = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('1001', '+4930123', 'pjsip', 'SIP', 'x'.repeat(300), '-'.repeat(100) + '1'))
  const params = fc.dictionary(fc.oneof(fc.constantFrom('exten', 'from', 'node', 'context', 'tech', 'format', 'constructor', '__proto__', 'toString'), fc.string({ maxLength: 20 })), value, { maxKeys: 40 })
  fc.assert(fc.property(params, (p) => {
    const s = steps(() => parseRouteRequest(p))
    return s <= 2 * (Object.keys(p).length + 1)
  }), runs)
  t.pass()
})
