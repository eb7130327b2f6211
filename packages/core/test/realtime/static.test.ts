import t from 'tap'
import fc from 'fast-check'
import { encodeStatic, encodeStaticLine, parseConf, type FedError, type StaticLine } from '../../src/index.js'
import { astStatic } from './asterisk.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }
const importError = (fn: () => unknown): { code: string, line?: number } | undefined => {
  try { fn() } catch (err) { const e = err as FedError; return { code: e.code, line: (e.details as { line?: number }).line } }
  return undefined
}

t.test('static lines are byte-exact, all five keys on every line (asterisk-protocol.md §4.7)', async (t) => {
  const lines: StaticLine[] = [
    { category: 'general', name: 'persistentmembers', value: 'no', catMetric: 0, varMetric: 0 },
    { category: 'staticq', name: 'strategy', value: 'ringall', catMetric: 1, varMetric: 0 },
    { category: 'staticq', name: 'timeout', value: '15', catMetric: 1, varMetric: 1 },
    { category: 'staticq', name: 'member', value: 'Local/200@apps,0,Carol', catMetric: 1, varMetric: 2 }
  ]
  t.equal(encodeStatic(lines),
    'category=general&var_name=persistentmembers&var_val=no&cat_metric=0&var_metric=0\n' +
    'category=staticq&var_name=strategy&var_val=ringall&cat_metric=1&var_metric=0\n' +
    'category=staticq&var_name=timeout&var_val=15&cat_metric=1&var_metric=1\n' +
    'category=staticq&var_name=member&var_val=Local%2F200%40apps%2C0%2CCarol&cat_metric=1&var_metric=2\n')
  t.equal(encodeStaticLine({ category: 'g', name: 'empty', value: '', catMetric: 0, varMetric: 0 }), 'category=g&var_name=empty&var_val=&cat_metric=0&var_metric=0', 'an empty value stays empty')
  t.equal(encodeStaticLine({ category: '', name: '#include', value: 'extra.conf', catMetric: 0, varMetric: 0 }), 'category=&var_name=%23include&var_val=extra.conf&cat_metric=0&var_metric=0')
  t.equal(encodeStatic([]), '', 'an empty file is an empty answer')
})

const QUEUES = `
; queues.conf
[general]
persistentmembers = no   ; keep members
autofill=yes

[tpl](!)
strategy = ringall
timeout => 15

[staticq](tpl)
member => Local/200@apps,0,Carol
member => Local/201@apps,0,Dave ; two members
timeout = 20
;--
[commented]
x = y
--;
[sales]
strategy=leastrecent
musicclass = default\\;loud
#include "queues-extra.conf"
announce = x
[general](+)
shared_lastcall = yes
[sales]
strategy = linear
`

t.test('a queues.conf parses into the static lines Asterisk rebuilds it from', async (t) => {
  const { lines, warnings } = parseConf(QUEUES, 'queues.conf')
  t.same(warnings, [])
  t.same(lines.map((l) => [l.category, l.name, l.value, l.catMetric, l.varMetric]), [
    ['general', 'persistentmembers', 'no', 0, 0],
    ['general', 'autofill', 'yes', 0, 1],
    ['general', 'shared_lastcall', 'yes', 0, 2],
    ['staticq', 'strategy', 'ringall', 1, 0],
    ['staticq', 'timeout', '15', 1, 1],
    ['staticq', 'member', 'Local/200@apps,0,Carol', 1, 2],
    ['staticq', 'member', 'Local/201@apps,0,Dave', 1, 3],
    ['staticq', 'timeout', '20', 1, 4],
    ['sales', 'strategy', 'leastrecent', 2, 0],
    ['sales', 'musicclass', 'default;loud', 2, 1],
    ['sales', '#include', 'queues-extra.conf', 2, 2],
    ['sales', 'announce', 'x', 2, 3],
    ['sales', 'strategy', 'linear', 3, 0]
  ])
  const ast = astStatic(encodeStatic(lines))
  t.same(ast.includes, ['queues-extra.conf'])
  t.same(ast.categories.map((c) => [c.name, c.vars.length]), [['general', 3], ['staticq', 5], ['sales', 3], ['sales', 1]],
    'a repeated [sales] stays a second category; the include does not split its category')
  t.equal(ast.categories[1]!.vars.filter(([n]) => n === 'timeout').pop()![1], '20', 'own values come after the template\'s')
})

t.test('conf syntax details', async (t) => {
  const p = (s: string): Array<[string, string, string]> => parseConf(s).lines.map((l) => [l.category, l.name, l.value])
  t.same(p('[a]\nx=1\nx += 2\ny+=3'), [['a', 'x', '12'], ['a', 'y', '3']], '+= appends')
  t.same(p('[a]\r\nx = "quoted ; not" \r\n'), [['a', 'x', '"quoted']], 'a ; in quotes still starts a comment, as in Asterisk')
  t.same(p('[a] ; c\nexten => 100,1,Dial(PJSIP/x,30)\nk=v=w'), [['a', 'exten', '100,1,Dial(PJSIP/x,30)'], ['a', 'k', 'v=w']])
  t.same(p('#include <first.conf>\n[a]\nx=1'), [['', '#include', 'first.conf'], ['a', 'x', '1']])
  t.same(p('[t](!)\na=1\n[u](!,t)\nb=2\n[v](u)\nc=3'), [['v', 'a', '1'], ['v', 'b', '2'], ['v', 'c', '3']], 'templates inherit and are not served')
  t.same(p('[a]\n;-- one ;-- nested --; still --;x=1'), [['a', 'x', '1']])
  const w = parseConf('[a]\nnoequals\n#exec /bin/true\n#tryinclude maybe.conf\n[empty]\n')
  t.same(w.lines.map((l) => [l.name, l.value]), [['#include', 'maybe.conf']])
  t.same(w.warnings.map((x) => x.line), [2, 3, 4, 0])
  t.same(importError(() => parseConf('x=1\n[a]', 'f.conf')), { code: 'FED_ERR_IMPORT_LINE', line: 1 })
  t.same(importError(() => parseConf('[a]\n[b](nope)')), { code: 'FED_ERR_IMPORT_LINE', line: 2 })
  t.same(importError(() => parseConf('[x](+)')), { code: 'FED_ERR_IMPORT_LINE', line: 1 })
  t.same(importError(() => parseConf('[a\nx=1')), { code: 'FED_ERR_IMPORT_LINE', line: 1 })
})

t.test('property: any variable survives static encode → Asterisk decode', async (t) => {
  const text = fc.oneof(fc.string({ maxLength: 30, unit: 'grapheme' }), fc.string({ maxLength: 30, unit: fc.constantFrom('&', '=', '%', '+', '\n', '#', ' ', 'é', '\r') }))
  const v = fc.record({ category: text.filter((s) => s.length > 0), name: text.filter((s) => s.length > 0 && s !== '#include'), value: text })
  fc.assert(fc.property(fc.array(v, { maxLength: 8 }), (vars) => {
    const lines = vars.map((x, i) => ({ ...x, catMetric: i, varMetric: 0 }))
    const ast = astStatic(encodeStatic(lines))
    return JSON.stringify(ast.categories) === JSON.stringify(vars.map((x) => ({ name: x.category, vars: [[x.name, x.value]] })))
  }), runs)
  t.pass()
})
