import t from 'tap'
import fc from 'fast-check'
import { compileLike, measureWork } from '../../src/index.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }

/** The former matcher (a regular expression), kept as the reference for small inputs only: it backtracks. */
function referenceLike (pattern: string, cut: boolean): (s: string) => boolean {
  const chars = Array.from(pattern)
  let src = '^'
  let last = ''
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === '\\') {
      if (i + 1 < chars.length) { src += chars[++i]!.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'); last = 'lit' } else if (!cut) { src += '\\\\'; last = 'lit' }
    } else if (c === '%') {
      if (last !== 'any') src += '.*'
      last = 'any'
    } else if (c === '_') {
      src += '.'; last = 'one'
    } else {
      src += c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'); last = 'lit'
    }
  }
  if (cut && last !== 'any') src += '.*'
  const re = new RegExp(src + '$', 'su')
  return (s) => re.test(s)
}

/** Code points of a pattern, counting escapes as one. */
const patternSize = (p: string): number => Array.from(p).length + 1
const valueSize = (s: string): number => Array.from(s).length + 1

t.test('regression: the patterns that froze a node now answer at once, and rightly', async (t) => {
  const value = 'a'.repeat(250)
  const five = measureWork(() => compileLike('%a%a%a%a%b').test(value))
  t.equal(five.result, false, '%a%a%a%a%b does not match 250 a')
  t.ok(five.steps <= 4 * 250 * 11, `at most c·n·m steps (took ${five.steps}; the regex took 27 s)`)
  t.equal(compileLike('%a%a%a%a%b').test(value + 'b'), true)
  const eighty = '%a'.repeat(80) + '%b'
  const slow = measureWork(() => compileLike(eighty).test(value))
  t.equal(slow.result, false, '80 wildcards: no match, and an answer')
  t.ok(slow.steps <= 4 * 251 * 163, `took ${slow.steps} steps`)
  t.equal(compileLike(eighty).test(value.slice(0, 100) + 'b'), true, '80 a then b: a match')
  t.equal(compileLike(eighty).test(value.slice(0, 79) + 'b'), false, 'too few a: no match')
  const underscores = measureWork(() => compileLike('%' + '_'.repeat(120) + 'b%').test(value))
  t.equal(underscores.result, false)
  t.ok(underscores.steps <= 4 * 251 * 124)
})

t.test('segments: first at the start, last at the end, middle ones leftmost', async (t) => {
  const m = (p: string, s: string, cut = false): boolean => compileLike(p, cut).test(s)
  t.ok(m('a%b', 'ab'))
  t.notOk(m('ab%b', 'ab'), 'the start and end segments may not overlap')
  t.ok(m('ab%b', 'abb'))
  t.ok(m('a_c%c_e', 'abcxcde'))
  t.notOk(m('a_c%c_e', 'abcde'), 'c shared between segments is not enough')
  t.ok(m('%ab%ba%', 'xabay ba'))
  t.ok(m('%aba%', 'abba aba'))
  t.notOk(m('%aba%aba%', 'ababa'), 'two aba overlap: no room for the second')
  t.ok(m('%aba%aba%', 'abaaba'))
  t.ok(m('_%_', 'ab'))
  t.notOk(m('_%_', 'a'))
  t.ok(m('%😀%', 'x😀y'), 'an astral literal')
  t.ok(m('__', '😀😀'), 'two code points')
  t.notOk(m('___', '😀😀'), 'not four UTF-16 units')
  t.ok(m('%\\%%', 'a%b'), 'an escaped % in the middle')
  t.notOk(m('%\\%%', 'ab'))
  t.ok(m('a_', 'ab', true), 'a cut pattern ends in %')
  t.ok(m('a_', 'abcd', true))
  t.notOk(m('a_', 'abcd'))
})

t.test('property: equal to the regular-expression reference on small inputs', async (t) => {
  const unit = fc.constantFrom('a', 'b', '%', '_', '\\', '.', '😀', 'é')
  const pattern = fc.string({ maxLength: 10, unit })
  const value = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', '%', '_', '\\', '.', '😀', 'é') })
  fc.assert(fc.property(pattern, value, fc.boolean(), (p, s, cut) =>
    compileLike(p, cut).test(s) === referenceLike(p, cut)(s)), runs)
  t.pass()
})

t.test('property: matching costs at most c·n·m steps, whatever the pattern', async (t) => {
  const unit = fc.constantFrom('a', 'a', 'a', 'b', '%', '_', '\\')
  fc.assert(fc.property(fc.string({ maxLength: 200, unit }), fc.string({ maxLength: 400, unit: fc.constantFrom('a', 'a', 'b', '😀') }), fc.boolean(), (p, s, cut) => {
    const { steps } = measureWork(() => compileLike(p, cut).test(s))
    return steps <= 3 * patternSize(p) * valueSize(s) + 2 * (patternSize(p) + valueSize(s))
  }), { numRuns: Math.ceil(runs.numRuns / 4) })
  t.pass()
})
