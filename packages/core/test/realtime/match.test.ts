import t from 'tap'
import fc from 'fast-check'
import {
  asNumber, compileCriteria, compileLike, compareText, familyIndexes, indexValue, isNumericColumn, matchRow, parseCriteria, planLookup, sortRows,
  type Criterion, type RowValues
} from '../../src/index.js'
import { astBody } from './asterisk.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }
const numericOf = (family: string) => (c: string) => isNumericColumn(family, c)
const select = (rows: RowValues[], body: string, family = 'x'): RowValues[] => rows.filter(compileCriteria(parseCriteria(body), numericOf(family)))

t.test('LIKE: %, _, \\ escapes, case-sensitive', async (t) => {
  const m = (p: string, s: string): boolean => compileLike(p).test(s)
  t.ok(m('%', ''))
  t.ok(m('%', 'anything'))
  t.ok(m('al%', 'alice'))
  t.notOk(m('al%', 'Alice'), 'case-sensitive')
  t.ok(m('alice;@%', 'alice;@a709087b'))
  t.notOk(m('alice;@%', 'alice2;@a709087b'))
  t.ok(m('\\_%', '_2XX'), 'pbx_realtime: all pattern extensions')
  t.notOk(m('\\_%', '2XX'))
  t.ok(m('_%', '2'))
  t.notOk(m('_%', ''))
  t.ok(m('%port%', 'port,invite'))
  t.ok(m('%port%', 'invite,port'))
  t.notOk(m('%port%', 'invite'))
  t.ok(m('10_', '100'))
  t.notOk(m('10_', '10'))
  t.ok(m('1\\%', '1%'))
  t.notOk(m('1\\%', '12'))
  t.ok(m('a\\\\b', 'a\\b'))
  t.ok(m('a\\', 'a\\'), 'a trailing \\ is literal')
  t.ok(m('_', '😀'), '_ is one character, not one UTF-16 unit')
  t.ok(m('a.c', 'a.c'))
  t.notOk(m('a.c', 'abc'), 'regex characters are literal')
  t.ok(m('(x)[y]{z}^$|+?*', '(x)[y]{z}^$|+?*'))
  t.ok(m('%\n%', 'a\nb'), '% spans line breaks')
  t.same([compileLike('%').kind, compileLike('a%').kind, compileLike('a').kind, compileLike('a_%').kind], ['all', 'prefix', 'exact', 'pattern'])
  t.ok(compileLike('alice;@', true).test('alice;@abc'), 'a cut pattern matches as a prefix')
  t.ok(compileLike('ab\\', true).test('ab_x'), 'a dangling escape left by a cut is dropped')
})

t.test('property: LIKE without wildcards is equality; prefix% is startsWith', async (t) => {
  const lit = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', '%', '_', '\\', '.', '*', 'é') })
  const escape = (s: string): string => s.replace(/[\\%_]/g, '\\$&')
  fc.assert(fc.property(lit, lit, (a, b) =>
    compileLike(escape(a)).test(b) === (a === b) && compileLike(escape(a) + '%').test(b) === b.startsWith(a)), runs)
  t.pass()
})

t.test('criteria are ANDed, order is irrelevant, NULL matches nothing', async (t) => {
  const rows: RowValues[] = [
    { name: 'alice', host: 'dynamic', ipaddr: '10.0.0.1', port: '5060' },
    { name: 'bob', host: '10.0.0.9', port: '5060', insecure: 'port,invite' },
    { name: 'carol', host: 'dynamic' }
  ]
  t.same(select(rows, 'name=alice&host=dynamic').map((r) => r.name), ['alice'], 'asterisk-protocol.md §6: chan_sip asks name and host')
  t.same(select(rows, 'host=dynamic&name=alice').map((r) => r.name), ['alice'])
  t.same(select(rows, 'name=bob&host=dynamic'), [], 'every criterion counts')
  t.same(select(rows, 'ipaddr=10.0.0.1&port=5060', 'sippeers').map((r) => r.name), ['alice'])
  t.same(select(rows, 'host=10.0.0.9&insecure%20LIKE=%25port%25').map((r) => r.name), ['bob'])
  t.same(select(rows, 'name%20LIKE=%25&callbackextension%20LIKE=%25'), [], 'absent callbackextension is NULL: no row')
  t.same(select(rows, 'ipaddr%20%21%3D=10.0.0.1'), [], '!= does not match NULL')
  t.same(select(rows, 'name=Alice'), [], '= is case-sensitive')
})

t.test('!= with an empty value means "present and not empty"', async (t) => {
  const aors: RowValues[] = [{ id: 'a', contact: 'sip:x@h' }, { id: 'b', contact: '' }, { id: 'c' }, { id: 'd', contact: null }]
  t.same(select(aors, 'contact%20%21%3D=').map((r) => r.id), ['a'])
  const eps: RowValues[] = [{ id: 'alice', mailboxes: '100@default' }, { id: 'bob' }]
  t.same(select(eps, 'mailboxes%20%21%3D=').map((r) => r.id), ['alice'])
})

t.test('numeric columns compare as numbers, text columns by code point', async (t) => {
  const contacts: RowValues[] = [
    { id: 'a;@1', expiration_time: '999' }, { id: 'b;@2', expiration_time: '1795686183' }, { id: 'c;@3', expiration_time: '1795686184' }, { id: 'd;@4' }
  ]
  t.same(select(contacts, 'expiration_time%20%3C%3D=1795686183', 'ps_contacts').map((r) => r.id), ['a;@1', 'b;@2'], 'PJSIP expiry pruning')
  t.same(select(contacts, 'expiration_time%20%3C%3D=1795686183', 'custom').map((r) => r.id), ['b;@2'], 'as text, "999" > "1795…"')
  t.same(select(contacts, 'expiration_time%20%3E=1000', 'ps_contacts').map((r) => r.id), ['b;@2', 'c;@3'])
  t.same(select(contacts, 'expiration_time%20%3C=abc', 'ps_contacts'), [], 'no number, no order')
  const ext: RowValues[] = [{ exten: '100', priority: '1' }, { exten: '100', priority: '01' }, { exten: '100', priority: '2' }]
  t.same(select(ext, 'priority=1', 'extensions').length, 2, '01 = 1 on a numeric column')
  t.same(select(ext, 'priority=1', 'custom').length, 1)
  t.same(select(ext, 'priority%20%21%3D=1', 'extensions').map((r) => r.priority), ['2'])
  const moh: RowValues[] = [{ name: 'x', position: '0' }, { name: 'x', position: '10' }, { name: 'x', position: '2' }]
  t.same(select(moh, 'position%20%3E%3D=0&name=x', 'musiconhold_entry').length, 3, 'res_musiconhold playlist query')
  t.same(sortRows(moh, 'position', true).map((r) => r.position), ['0', '2', '10'], 'multi rows ordered numerically by key')
  t.same(sortRows([{ k: 'b' }, { k: 'a' }, {}, { k: 'a', n: '2' }], 'k').map((r) => [r.k, r.n]), [['a', undefined], ['a', '2'], ['b', undefined], [undefined, undefined]])
  t.ok(compareText('\uFFFF', '😀') < 0, 'code point order')
  t.ok(compareText('a', 'b') < 0)
  t.equal(compareText('ab', 'ab'), 0)
  const txt: RowValues[] = [{ v: 'a' }, { v: 'b' }, { v: 'c' }]
  t.same(select(txt, 'v%20%3C=b').map((r) => r.v), ['a'])
  t.same(select(txt, 'v%20%3E%3D=b').map((r) => r.v), ['b', 'c'])
})

t.test('values Asterisk cut are prefixes', async (t) => {
  const uri = 'sip:alice@198.51.100.7:5062;transport=udp;rinstance=' + 'r'.repeat(300)
  const rows: RowValues[] = [{ id: 'x', uri }, { id: 'y', uri: 'sip:bob@h' }]
  const c = parseCriteria(astBody([['uri', uri]]))
  t.equal(c[0]!.truncated, true)
  t.same(rows.filter(compileCriteria(c)).map((r) => r.id), ['x'])
  const ne = parseCriteria(astBody([['uri !=', uri]]))
  t.same(rows.filter(compileCriteria(ne)).map((r) => r.id), ['y'])
  const like = parseCriteria(astBody([['uri LIKE', uri + '%']]))
  t.same(rows.filter(compileCriteria(like)).map((r) => r.id), ['x'], 'the lost % is restored')
})

t.test('matchRow and compileCriteria agree', async (t) => {
  const crit: Criterion[] = [{ column: 'a', op: 'LIKE', value: 'x%', truncated: false }, { column: 'b', op: '>', value: '2', truncated: false }]
  t.equal(matchRow({ a: 'xy', b: '3' }, crit, () => true), true)
  t.equal(matchRow({ a: 'xy', b: '10' }, crit), false, 'as text "10" < "2"')
  t.equal(matchRow({ a: 'xy', b: '10' }, crit, () => true), true)
})

t.test('planLookup picks the index that keeps lookups flat', async (t) => {
  const plan = (family: string, body: string): unknown => planLookup(parseCriteria(body), familyIndexes(family), numericOf(family))
  t.same(plan('ps_endpoints', 'id=alice'), { kind: 'index', index: ['id'], values: ['alice'], exact: true })
  t.same(plan('ps_contacts', 'id%20LIKE=alice%3B%40%25'), { kind: 'index', index: ['id'], values: [], prefix: 'alice;@', exact: false })
  t.same(plan('ps_contacts', 'expiration_time%20%3C%3D=1795686183'), { kind: 'range', column: 'expiration_time', max: { value: 1795686183, inclusive: true } })
  t.same(plan('ps_contacts', 'expiration_time%20%3E=5&expiration_time%20%3C=9&expiration_time%20%3C=7'),
    { kind: 'range', column: 'expiration_time', min: { value: 5, inclusive: false }, max: { value: 7, inclusive: false } })
  t.same(plan('ps_endpoint_id_ips', 'id%20LIKE=%25'), { kind: 'scan' })
  t.same(plan('ps_endpoints', 'mailboxes%20%21%3D='), { kind: 'scan' })
  t.same(plan('sippeers', 'name=alice&host=dynamic'), { kind: 'index', index: ['name'], values: ['alice'], exact: true })
  t.same(plan('sippeers', 'ipaddr=10.0.0.1&port=5060'), { kind: 'index', index: ['ipaddr', 'port'], values: ['10.0.0.1', '5060'], exact: true })
  t.same(plan('sippeers', 'host=10.0.0.9&insecure%20LIKE=%25port%25'), { kind: 'index', index: ['host'], values: ['10.0.0.9'], exact: true }, 'a full one-column key beats a partial two-column one')
  t.same(plan('voicemail', 'mailbox=100&context=default'), { kind: 'index', index: ['context', 'mailbox'], values: ['default', '100'], exact: true })
  t.same(plan('voicemail', 'mailbox%20LIKE=%25&context=default'), { kind: 'index', index: ['context', 'mailbox'], values: ['default'], exact: false })
  t.same(plan('extensions', 'exten=100&priority=1&context=rt-switch'), { kind: 'index', index: ['context', 'exten', 'priority'], values: ['rt-switch', '100', '1'], exact: true })
  t.same(plan('extensions', 'exten%20LIKE=%5C_%25&priority=1&context=rt-switch'), { kind: 'index', index: ['context', 'exten', 'priority'], values: ['rt-switch'], prefix: '_', exact: false })
  t.same(plan('extensions', 'exten=100&priority=01&context=c'), { kind: 'index', index: ['context', 'exten', 'priority'], values: ['c', '100', '1'], exact: true }, 'numbers in canonical form (indexValue)')
  t.same([indexValue('01', true), indexValue(' 1.0 ', true), indexValue('x', true), indexValue('01', false)], ['1', '1', 'x', '01'])
  t.same(plan('queue_members', 'interface%20LIKE=%25&queue_name=support'), { kind: 'index', index: ['queue_name', 'interface'], values: ['support'], exact: false })
  t.same(plan('queue_members', 'interface%20LIKE=%25&queue_name%20LIKE=%25'), { kind: 'scan' })
  t.same(plan('queues', 'name=support'), { kind: 'index', index: ['name'], values: ['support'], exact: true })
  t.same(familyIndexes('custom', ['a', 'b']), [['a', 'b']])
  const cut = parseCriteria(astBody([['id', 'q'.repeat(300)]]))
  t.same(planLookup(cut, [['id']]), { kind: 'index', index: ['id'], values: [], prefix: 'q'.repeat(255), exact: false }, 'a cut = is a prefix scan')
})

t.test('property: the planned candidates contain every match', async (t) => {
  const val = fc.constantFrom('a', 'ab', 'b', '1', '01', '1.0', ' 1', '2', '10', '')
  const rowArb = fc.record({ id: val, n: val, k: val }, { requiredKeys: [] })
  const critArb = fc.record({
    column: fc.constantFrom('id', 'n', 'k'),
    op: fc.constantFrom('=', '!=', '<', '<=', '>', '>=', 'LIKE') as fc.Arbitrary<Criterion['op']>,
    value: fc.constantFrom('a', 'a%', '%', 'b', '1', '01', '1e0', '_', '\\_%', '0%', '2', ''),
    truncated: fc.boolean()
  })
  const indexes = [['id'], ['n'], ['k', 'id']]
  const numeric = (c: string): boolean => c === 'n'
  fc.assert(fc.property(fc.array(rowArb, { maxLength: 8 }), fc.array(critArb, { minLength: 1, maxLength: 3 }), (rows, crit) => {
    const p = planLookup(crit, indexes, numeric)
    const inPlan = (r: RowValues): boolean => {
      if (p.kind === 'scan') return true
      if (p.kind === 'range') {
        const v = asNumber(r[p.column] ?? '')
        return v !== undefined &&
          (p.min === undefined || (p.min.inclusive ? v >= p.min.value : v > p.min.value)) &&
          (p.max === undefined || (p.max.inclusive ? v <= p.max.value : v < p.max.value))
      }
      const key = (col: string): string | undefined => { const v = r[col]; return v == null ? undefined : indexValue(v, numeric(col)) }
      return p.values.every((v, i) => key(p.index[i]!) === v) &&
        (p.prefix === undefined || (key(p.index[p.values.length]!) ?? '\u0000').startsWith(p.prefix))
    }
    const match = compileCriteria(crit, numeric)
    return rows.every((r) => !match(r) || inPlan(r))
  }), runs)
  t.pass()
})
