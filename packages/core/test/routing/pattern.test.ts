import t from 'tap'
import fc from 'fast-check'
import { compareExtensions, extensionMatches, parsePatternBody, stripDashes } from '../../src/index.js'
import { NUMBER_CHARS, RUNS, generalise, numberArb, patternArb } from './arbitraries.js'

t.test('pattern syntax: X N Z, sets, ranges, . and !, dashes, case', async (t) => {
  const yes: Array<[string, string]> = [
    ['_X.', '12'], ['_X!', '1'], ['_!', ''], ['_NXXNXXXXXX', '2125551234'], ['_[1-5a]', '3'], ['_[1-5a]', 'a'],
    ['_1-800-NXX', '1800555'], ['_1800NXX', '1-800-555'], ['_nxx', '234'], ['_zX', '10'], ['_[]1', '1'],
    ['_12.3', '12x'], ['_[1-]', '1'], ['_+X.', '+44'], ['_*X#', '*5#'], ['100', '100'], ['10-0', '100']
  ]
  const no: Array<[string, string]> = [
    ['_X.', '1'], ['_X', '12'], ['_NXXNXXXXXX', '1125551234'], ['_[1-5a]', '6'], ['_[1-5a]', 'A'],
    ['_a1', 'A1'], ['_Z', '0'], ['_N', '1'], ['_X', 'a'], ['_1X!', '1'], ['100', '1001'], ['_[12', '1'], ['_[9-1]', '5']
  ]
  for (const [p, d] of yes) t.ok(extensionMatches(p, d), `${p} matches ${JSON.stringify(d)}`)
  for (const [p, d] of no) t.notOk(extensionMatches(p, d), `${p} does not match ${JSON.stringify(d)}`)
})

t.test('invalid patterns are reported', async (t) => {
  t.match(parsePatternBody('[12'), { ok: false, error: /no "]"/ })
  t.match(parsePatternBody('[9-1]'), { ok: false, error: /matches nothing/ })
  t.match(parsePatternBody('1 2'), { ok: false })
  t.match(parsePatternBody('12é'), { ok: false })
  t.match(parsePatternBody('[1-5]X.'), { ok: true })
})

t.test('ordering follows Asterisk ext_cmp', async (t) => {
  const before: Array<[string, string]> = [
    ['100', '_X.'], ['100', '_100'], ['_2XX', '_2.'], ['_1X.', '_X.'], ['_12X.', '_1XX.'], ['_1234', '_X.'],
    ['_N', '_Z'], ['_Z', '_X'], ['_1', '_[12]'], ['_[13]', '_[14]'], ['_[12]', '_[13]'], ['_X.', '_X!'],
    ['_1X!', '_1X'], ['_1X.', '_1X!'], ['_XX', '_X'], ['_NXXXXXX', '_X.'], ['_9', '_a'], ['101', '102']
  ]
  for (const [a, b] of before) {
    t.equal(compareExtensions(a, b), -1, `${a} before ${b}`)
    t.equal(compareExtensions(b, a), 1, `${b} after ${a}`)
  }
  const same: Array<[string, string]> = [['_N', '_[2-9]'], ['_X', '_x'], ['_X', '_[0-9]'], ['_1-2', '_12'], ['_[21]', '_[12]'], ['_[]1', '_1'], ['1-0', '10']]
  for (const [a, b] of same) t.equal(compareExtensions(a, b), 0, `${a} ~ ${b}`)
  t.equal(compareExtensions('_[12', '_X'), 1, 'invalid patterns sort last')
  // pbx_realtime lab: `_2XX` and `_2.` for 234 → `_2XX` wins
  const sorted = ['_2.', '_2XX'].sort(compareExtensions)
  t.same(sorted, ['_2XX', '_2.'])
})

t.test('property: a pattern generalised from a number matches it', async () => {
  fc.assert(fc.property(numberArb.chain((n) => fc.tuple(fc.constant(n), generalise(n))), ([n, p]) => {
    return extensionMatches(p, n)
  }), { numRuns: RUNS })
})

t.test('property: matching agrees with an independent RegExp reference', async () => {
  const data = fc.array(fc.constantFrom(...NUMBER_CHARS, '-'), { minLength: 0, maxLength: 12 }).map((a) => a.join(''))
  fc.assert(fc.property(patternArb, fc.array(data, { minLength: 1, maxLength: 20 }), (p, ds) => {
    for (const d of ds) if (extensionMatches(p.text, d) !== p.re.test(stripDashes(d))) return false
    return true
  }), { numRuns: RUNS })
})

t.test('property: the ordering is a total preorder', async () => {
  const sign = (x: number): number => Math.sign(x)
  fc.assert(fc.property(patternArb, patternArb, patternArb, (a, b, c) => {
    const [x, y, z] = [a.text, b.text, c.text]
    if (compareExtensions(x, x) !== 0) return false
    if (sign(compareExtensions(x, y)) !== -sign(compareExtensions(y, x))) return false
    if (compareExtensions(x, y) <= 0 && compareExtensions(y, z) <= 0 && compareExtensions(x, z) > 0) return false
    if (compareExtensions(x, y) === 0 && sign(compareExtensions(x, z)) !== sign(compareExtensions(y, z))) return false
    return true
  }), { numRuns: RUNS })
})

t.test('property: narrowing a position makes a pattern more specific', async () => {
  // replace one class/set by one of its members: the result matches a subset and sorts first
  const classes: Record<string, string> = { X: '7', N: '7', Z: '7', x: '7', n: '7', z: '7' }
  fc.assert(fc.property(patternArb, fc.nat(), (p, k) => {
    const body = p.text.slice(1)
    const spots = [...body].map((c, i) => classes[c] !== undefined ? i : -1).filter((i) => i >= 0)
    if (spots.length === 0) return true
    const i = spots[k % spots.length]!
    const narrow = '_' + body.slice(0, i) + '7' + body.slice(i + 1)
    return compareExtensions(narrow, p.text) < 0
  }), { numRuns: RUNS })
})

t.test('property: equal patterns match the same numbers', async () => {
  fc.assert(fc.property(patternArb, patternArb, fc.array(numberArb, { minLength: 1, maxLength: 10 }), (a, b, ds) => {
    if (compareExtensions(a.text, b.text) !== 0) return true
    return ds.every((d) => extensionMatches(a.text, d) === extensionMatches(b.text, d))
  }), { numRuns: RUNS })
})
