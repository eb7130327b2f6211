import t from 'tap'
import fc from 'fast-check'
import {
  ENCODED_LIMIT, ENCODED_LIMIT_SHORT, decodeComponent, encodeComponent, parseCriteria, parseDestroy, parseLookup,
  parsePairs, parseRequire, parseStore, requestProblem, type FedError
} from '../../src/index.js'
import { astBody, astUriEncode } from './asterisk.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }
const problem = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { t.equal((err as FedError).code, 'FED_ERR_REALTIME_REQUEST'); return requestProblem(err) }
  return undefined
}

t.test('asterisk-protocol.md §3: the encodings captured from Asterisk decode to what the CLI sent', async (t) => {
  t.same(parseLookup('single', 'name=alice'), { op: 'single', key: 'name', criteria: [{ column: 'name', op: '=', value: 'alice', truncated: false }] })
  const odd = parseCriteria('name=a%20b%26c%3Dd%2Ce%25f%2Bg%2Fh%3Fi%3Aj%3Bk%40l~m*n\'o(p)q!r_s.t-u')
  t.equal(odd[0]!.value, "a b&c=d,e%f+g/h?i:j;k@l~m*n'o(p)q!r_s.t-u")
  t.equal(parseCriteria('callerid=%22Alice%22%20%3C100%3E')[0]!.value, '"Alice" <100>')
  t.equal(parseCriteria('name=%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9')[0]!.value, 'ünï©ødé')
  t.equal(parseCriteria('name=%c3%bc')[0]!.value, 'ü', 'lower-case hex')
  t.same(parseCriteria('name%20LIKE=al%25'), [{ column: 'name', op: 'LIKE', value: 'al%', truncated: false }])
  t.equal(parseCriteria('plus=a+b')[0]!.value, 'a+b', '+ is a literal plus')
  t.equal(parseCriteria('utf8raw=ü')[0]!.value, 'ü', 'raw UTF-8 passes through')
})

t.test('operators in field names (asterisk-protocol.md §3)', async (t) => {
  const c = parseCriteria('exten%20LIKE=%5C_%25&priority=1&context=rt-switch&contact%20%21%3D=&expiration_time%20%3C%3D=1795686183' +
    '&a%20%3C=1&b%20%3E=2&c%20%3E%3D=3&d%20like=x&e%20%3D=5')
  t.same(c.map((x) => [x.column, x.op, x.value]), [
    ['exten', 'LIKE', '\\_%'], ['priority', '=', '1'], ['context', '=', 'rt-switch'], ['contact', '!=', ''],
    ['expiration_time', '<=', '1795686183'], ['a', '<', '1'], ['b', '>', '2'], ['c', '>=', '3'], ['d', 'LIKE', 'x'], ['e', '=', '5']
  ])
  t.same(parseLookup('multi', 'interface%20LIKE=%25&queue_name=support').key, 'interface', 'the key column has no operator')
  t.same(parseLookup('multi', 'mailboxes%20%21%3D=').criteria, [{ column: 'mailboxes', op: '!=', value: '', truncated: false }])
  t.equal(problem(() => parseCriteria('name%20NOT%20LIKE=x')), 'bad_operator')
  t.equal(problem(() => parseCriteria('name%20%3D%3D=x')), 'bad_operator')
  t.equal(problem(() => parseCriteria('%20LIKE=x')), 'bad_column')
})

t.test('pieces: empty ones dropped, no "=" is an empty value, empty names dropped, duplicates kept', async (t) => {
  t.same(parseDestroy('name=bob&').criteria, [{ column: 'name', op: '=', value: 'bob', truncated: false }], 'trailing & of destroy')
  t.same(parseDestroy('name=bob&host=dynamic').criteria.map((c) => c.column), ['name', 'host'])
  t.same(parsePairs('a=1&&b&=orphan&a=2&c=').map((p) => [p.name, p.value]), [['a', '1'], ['b', ''], ['a', '2'], ['c', '']])
  t.same(parsePairs('a=b=c')[0], { name: 'a', value: 'b=c', truncated: false }, 'split at the first =')
  t.equal(problem(() => parseLookup('single', '')), 'no_criteria')
  t.equal(problem(() => parseLookup('multi', '&&')), 'no_criteria')
  t.equal(problem(() => parseDestroy('&')), 'no_criteria')
  t.equal(problem(() => parseStore('')), 'no_values')
  t.equal(problem(() => parseStore('na%20me=x')), 'bad_column')
})

t.test('invalid percent-escapes are refused (Asterisk never sends them)', async (t) => {
  for (const bad of ['name=100%', 'name=%4', 'name=%zz', 'name=a%2', 'na%G0me=x', 'name=%%41']) {
    t.equal(problem(() => parseCriteria(bad)), 'bad_escape', bad)
  }
  t.equal(decodeComponent('%C3%BC'), 'ü')
  t.equal(decodeComponent('%FF%FE'), '\uFFFD\uFFFD', 'bytes that are not UTF-8 become U+FFFD')
})

t.test('the PJSIP contact store body of asterisk-protocol.md §6 parses column by column', async (t) => {
  const body = 'id=alice%3B%40a709087b369aae7261670380fca91842&via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=abc%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=alice&via_port=25070&authenticate_qualify=no&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=1795686256&outbound_proxy='
  const s = parseStore(body)
  const v = Object.fromEntries(s.values.map((a) => [a.column, a.value]))
  t.equal(v.id, 'alice;@a709087b369aae7261670380fca91842')
  t.equal(v.uri, 'sip:alice@127.0.0.1:25070')
  t.equal(v.path, '')
  t.equal(v.outbound_proxy, '')
  t.equal(v.qualify_timeout, '3.000000')
  t.equal(s.values.length, 16)
})

t.test('require bodies', async (t) => {
  t.same(parseRequire('paused=integer1%3A1&uniqueid=uinteger2%3A5&reason_paused=char%3A80').fields, [
    { column: 'paused', type: 'integer1', size: 1 }, { column: 'uniqueid', type: 'uinteger2', size: 5 }, { column: 'reason_paused', type: 'char', size: 80 }
  ])
  t.same(parseRequire('uniqueid=uinteger3%3A11&password=char%3A10').fields.map((f) => f.column), ['uniqueid', 'password'])
  t.same(parseRequire('x=unknown').fields, [{ column: 'x', type: 'unknown' }], 'lenient')
  t.same(parseRequire('').fields, [])
})

t.test('truncation: values cut at 255 (199) encoded bytes are flagged as prefixes', async (t) => {
  const long = 'x'.repeat(300)
  const c = parseCriteria(astBody([['name', long]]))[0]!
  t.equal(c.value.length, 255, 'asterisk-protocol.md §3: a 300-character value arrived with 255 characters')
  t.equal(c.truncated, true)
  const pct = parseCriteria(astBody([['name', '%'.repeat(100)]]))[0]!
  t.equal(pct.value, '%'.repeat(85), 'asterisk-protocol.md §3: 100 % arrived as 85 × %25')
  t.equal(pct.truncated, true)
  const exact = parseCriteria('name=' + 'y'.repeat(252))[0]!
  t.equal(exact.truncated, false, '252 bytes: complete')
  t.equal(parseCriteria('name=' + 'y'.repeat(253))[0]!.truncated, true, '253: the next character may have been an escape that did not fit')
  t.equal(parseCriteria('name=' + 'y'.repeat(256))[0]!.truncated, false, 'longer than any Asterisk sends: not cut')
  const d = parseDestroy(astBody([['id', 'z'.repeat(250)]], ENCODED_LIMIT_SHORT) + '&').criteria[0]!
  t.equal(d.value.length, 199)
  t.equal(d.truncated, true, 'destroy values are cut at 199')
  const utf = parseCriteria(astBody([['n', 'a' + 'ü'.repeat(100)]]))[0]!
  t.ok(utf.truncated)
  t.equal(utf.value, 'a' + 'ü'.repeat(42), 'a cut never leaves half a character')
  const half = parseCriteria('n=' + 'a'.repeat(246) + '%C3%BC%C3')[0]!
  t.equal(half.value, 'a'.repeat(246) + 'ü', 'an incomplete UTF-8 sequence at the cut is dropped')
})

t.test('property: whatever Asterisk encodes decodes to the value, or to a flagged prefix of it', async (t) => {
  const name = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((s) => !s.includes(' '))
  fc.assert(fc.property(fc.array(fc.tuple(name, fc.string({ maxLength: 300, unit: 'grapheme' })), { minLength: 1, maxLength: 5 }), fc.boolean(), (pairs, short) => {
    const limit = short ? ENCODED_LIMIT_SHORT : ENCODED_LIMIT
    const parsed = parsePairs(astBody(pairs, limit), limit)
    const sent = pairs.filter(([n]) => astUriEncode(n, limit).length > 0)
    if (parsed.length !== sent.length) return false
    return sent.every(([n, v], i) => {
      const p = parsed[i]!
      // names are cut like values: a long one arrives as a prefix (never half a character)
      const nameOk = astUriEncode(n, 100000).length <= limit - 3 ? p.name === n : n.startsWith(p.name) && p.name.length > 0
      const whole = astUriEncode(v, 100000).length <= limit - 3
      if (whole) return nameOk && p.value === v && !p.truncated
      return nameOk && v.startsWith(p.value) && (p.truncated || p.value === v)
    })
  }), runs)
  t.pass()
})

t.test('encodeComponent is Asterisk\'s encoder', async (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 80, unit: 'grapheme' }), (s) => encodeComponent(s) === astUriEncode(s, 100000)), runs)
  t.equal(encodeComponent('a b+c\n\r'), 'a%20b%2Bc%0A%0D')
  t.equal(encodeComponent('\uD800x'), '%EF%BF%BDx', 'a lone surrogate becomes U+FFFD')
})
