/** fast-check generators for extension patterns and numbers, with an independent RegExp reference matcher. */
import fc from 'fast-check'

export const RUNS = Number(process.env.FC_RUNS ?? 1000)

/** Characters a dialled number is made of in these tests. */
export const NUMBER_CHARS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', '+', 'a', 'B']
export const numberArb = fc.array(fc.constantFrom(...NUMBER_CHARS), { minLength: 1, maxLength: 14 }).map((a) => a.join(''))
export const digitsArb = fc.array(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), { minLength: 1, maxLength: 12 }).map((a) => a.join(''))

/** One pattern position with its reference regex piece. */
interface Pos { text: string, re: string, stop?: boolean }

const esc = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')

const literalPos = fc.constantFrom(...NUMBER_CHARS).map((c): Pos => ({ text: c, re: esc(c) }))
const classPos = fc.constantFrom<Pos>(
  { text: 'X', re: '[0-9]' }, { text: 'x', re: '[0-9]' }, { text: 'N', re: '[2-9]' },
  { text: 'n', re: '[2-9]' }, { text: 'Z', re: '[1-9]' }, { text: 'z', re: '[1-9]' }
)
const setPos = fc.uniqueArray(fc.constantFrom(...NUMBER_CHARS), { minLength: 1, maxLength: 5 })
  .chain((chars) => fc.boolean().map((useRange): Pos => {
    if (useRange) return { text: '[2-6' + chars.filter((c) => c !== '-').join('') + ']', re: '[2-6' + chars.map(esc).join('') + ']' }
    return { text: '[' + chars.join('') + ']', re: '[' + chars.map(esc).join('') + ']' }
  }))
const endPos = fc.constantFrom<Pos>({ text: '.', re: '.+', stop: true }, { text: '!', re: '.*', stop: true })

/** A random `_` pattern and its reference RegExp (anchored, dashes ignored). */
export const patternArb = fc.tuple(
  fc.array(fc.oneof({ weight: 4, arbitrary: literalPos }, { weight: 2, arbitrary: classPos }, { weight: 1, arbitrary: setPos },
    { weight: 1, arbitrary: fc.constant<Pos>({ text: '-', re: '' }) }), { minLength: 0, maxLength: 8 }),
  fc.option(endPos, { nil: undefined })
).filter(([ps, end]) => ps.some((p) => p.text !== '-') || end !== undefined).map(([ps, end]) => {
  const all = end === undefined ? ps : [...ps, end]
  const text = '_' + all.map((p) => p.text).join('')
  const re = new RegExp('^' + all.map((p) => p.re).join('') + (end === undefined ? '$' : ''))
  return { text, re }
})

/** A pattern derived from `number` that must match it: each character kept or generalised, maybe cut by `.`/`!`. */
export function generalise (number: string): fc.Arbitrary<string> {
  const n = number.length
  return fc.tuple(
    fc.array(fc.nat(4), { minLength: n, maxLength: n }),
    fc.array(fc.constantFrom(...NUMBER_CHARS), { minLength: n, maxLength: n }),
    fc.nat(n), fc.constantFrom('', '.', '!'), fc.array(fc.boolean(), { minLength: n, maxLength: n })
  ).map(([choices, extra, cut, end, dashes]) => {
    let out = '_'
    const stopAt = end === '' ? n : end === '.' ? Math.min(Math.max(cut, 0), n - 1) : cut
    for (let i = 0; i < stopAt; i++) {
      const c = number[i]!
      const digit = c >= '0' && c <= '9'
      const k = choices[i]!
      if (dashes[i]!) out += '-'
      if (k === 1 && digit) out += 'X'
      else if (k === 2 && c >= '2' && c <= '9') out += 'N'
      else if (k === 3 && c >= '1' && c <= '9') out += 'z'
      else if (k === 4) out += '[' + extra[i]! + c + ']'
      else out += c
    }
    return out + end
  })
}
