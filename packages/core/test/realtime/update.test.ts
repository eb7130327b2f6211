import t from 'tap'
import fc from 'fast-check'
import { parseUpdate, requestProblem, tableSchema, type FedError, type UpdateRequest } from '../../src/index.js'
import { astUriEncode } from './asterisk.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }
const sippeers = tableSchema('sippeers')!
const voicemail = tableSchema('voicemail')!
const problem = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { t.equal((err as FedError).code, 'FED_ERR_REALTIME_REQUEST'); return requestProblem(err) }
  return undefined
}
interface Flat { where: string[][], set: string[][], update2: boolean, ambiguous: boolean }
const flat = (u: UpdateRequest): Flat => ({
  where: u.where.map((c) => [c.column, c.op, c.value]),
  set: u.set.map((a) => [a.column, a.value]),
  update2: u.update2,
  ambiguous: u.ambiguous
})

t.test('update: key in the query, new values in the body (asterisk-protocol.md §1, §6)', async (t) => {
  t.same(flat(parseUpdate('name=alice', 'port=5061', sippeers)), { where: [['name', '=', 'alice']], set: [['port', '5061']], update2: false, ambiguous: false })
  t.same(flat(parseUpdate('uniqueid=77', 'paused=1')), { where: [['uniqueid', '=', '77']], set: [['paused', '1']], update2: false, ambiguous: false })
  const reg = parseUpdate('name=alice', 'ipaddr=127.0.0.1&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&lastms=0&useragent=Zoiper%20rv2&defaultuser=alice&regseconds=1795686316&port=5062')
  t.same(reg.set.map((a) => a.column), ['ipaddr', 'fullcontact', 'lastms', 'useragent', 'defaultuser', 'regseconds', 'port'])
  t.equal(reg.set[1]!.value, 'sip:alice@127.0.0.1:5062')
  const unreg = parseUpdate('name=alice', 'fullcontact=&lastms=0&useragent=&regserver=&regseconds=0&port=0&ipaddr=')
  t.same(unreg.set.map((a) => [a.column, a.value]), [['fullcontact', ''], ['lastms', '0'], ['useragent', ''], ['regserver', ''], ['regseconds', '0'], ['port', '0'], ['ipaddr', '']])
  const contact = parseUpdate('id=alice%3B%40a709087b369aae7261670380fca91842', 'via_addr=127.0.0.1&expiration_time=1795686316&path=')
  t.same(contact.where, [{ column: 'id', op: '=', value: 'alice;@a709087b369aae7261670380fca91842', truncated: false }])
  t.equal(problem(() => parseUpdate('', 'port=1')), 'bad_update')
  t.equal(problem(() => parseUpdate('name=alice', '')), 'no_values')
  t.equal(problem(() => parseUpdate('name=alice', 'po%20rt=1')), 'bad_column')
  t.equal(problem(() => parseUpdate('name=al%2', 'port=1')), 'bad_escape')
})

t.test('update2, the broken shape of Asterisk ≥ 12 (asterisk-protocol.md §4.5)', async (t) => {
  t.same(flat(parseUpdate('&name=alice', '&port=4343', sippeers)),
    { where: [['name', '=', 'alice']], set: [['port', '4343']], update2: true, ambiguous: false }, 'one lookup field: parseable without columns too')
  t.same(flat(parseUpdate('&name=alice', '&port=4343')).where, [['name', '=', 'alice']])
  t.same(flat(parseUpdate('&name=bobsphoneipaddr=127.0.0.1', '&port=4343', sippeers)),
    { where: [['name', '=', 'bobsphone'], ['ipaddr', '=', '127.0.0.1']], set: [['port', '4343']], update2: true, ambiguous: false })
  t.same(flat(parseUpdate('&name=bobcontext=defaulthost=dynamic', '&port=5060', sippeers)).where,
    [['name', '=', 'bob'], ['context', '=', 'default'], ['host', '=', 'dynamic']])
  t.same(flat(parseUpdate('&name=aliceipaddr=1.2.3.4', '&port=4343', sippeers)).where, [['name', '=', 'alice'], ['ipaddr', '=', '1.2.3.4']], 'asterisk-protocol.md §4.5, captured')
  t.equal(problem(() => parseUpdate('&name=bobsphoneipaddr=127.0.0.1', '&port=4343')), 'update2_unknown_columns', 'run-together pairs need the columns')
  t.equal(problem(() => parseUpdate('&name=bobfoo=1', '&port=1', sippeers)), 'update2_unknown_columns', 'no known column ends the piece')
})

t.test('app_voicemail password change always splits', async (t) => {
  const u = parseUpdate('&context=defaultmailbox=100', '&password=4321', voicemail)
  t.same(flat(u), { where: [['context', '=', 'default'], ['mailbox', '=', '100']], set: [['password', '4321']], update2: true, ambiguous: false })
  const odd = parseUpdate(`&context=${astUriEncode('sales mailbox')}mailbox=${astUriEncode('2 00')}`, `&password=${astUriEncode('p&ss=word+')}`, voicemail)
  t.same(flat(odd).where, [['context', '=', 'sales mailbox'], ['mailbox', '=', '2 00']])
  t.same(flat(odd).set, [['password', 'p&ss=word+']])
  const emptyCtx = parseUpdate('&context=mailbox=100', '&password=1', voicemail)
  t.same(flat(emptyCtx).where, [['context', '=', ''], ['mailbox', '=', '100']])
  fc.assert(fc.property(fc.string({ maxLength: 40, unit: 'grapheme' }), fc.string({ maxLength: 20, unit: 'grapheme' }), fc.string({ maxLength: 80, unit: 'grapheme' }), (ctx, box, pw) => {
    const u = parseUpdate(`&context=${astUriEncode(ctx, 199)}mailbox=${astUriEncode(box, 199)}`, `&password=${astUriEncode(pw, 199)}`, voicemail)
    // a value Asterisk cut (more than 196 encoded bytes) arrives as a flagged prefix
    const same = (got: { value: string, truncated: boolean }, sent: string): boolean =>
      astUriEncode(sent, 100000).length <= 196 ? got.value === sent && !got.truncated : got.truncated && sent.startsWith(got.value)
    return u.where.length === 2 && same(u.where[0]!, ctx) && same(u.where[1]!, box) && same(u.set[0]!, pw) && u.update2
  }), runs)
})

t.test('ambiguous splits are flagged; numeric columns and cut escapes prune splits', async (t) => {
  const amb = parseUpdate('&ipaddr=10.0.0.1fullname=Alice', '&port=1', sippeers)
  t.equal(amb.ambiguous, true, '10.0.0.1 + fullname, or 10.0.0.1full + name')
  t.same(flat(amb).where, [['ipaddr', '=', '10.0.0.1'], ['fullname', '=', 'Alice']], 'the longest column name wins')
  const distinct = parseUpdate('&name=alicefullname=Alice', '&port=1', sippeers)
  t.equal(distinct.ambiguous, false, 'name cannot come twice, so alicefull + name is no split')
  const num = parseUpdate('&name=x1port=5060', '&lastms=12', sippeers)
  t.same(flat(num).where, [['name', '=', 'x1'], ['port', '=', '5060']])
  t.equal(num.ambiguous, false)
  const esc = parseUpdate('&name=a%2Cport=1', '&lastms=1', sippeers)
  t.same(flat(esc).where, [['name', '=', 'a,'], ['port', '=', '1']], 'a split inside %2C is impossible')
  const body = parseUpdate('&name=alice', '&port=5060ipaddr=10.0.0.1', sippeers)
  t.same(flat(body).set, [['port', '5060'], ['ipaddr', '10.0.0.1']], 'several new values in the body')
})

t.test('update2 as Asterisk ≤ 11 sent it, and the GET of an unbalanced "("', async (t) => {
  t.same(flat(parseUpdate('name=alice&host=dynamic', 'port=1&lastms=2')),
    { where: [['name', '=', 'alice'], ['host', '=', 'dynamic']], set: [['port', '1'], ['lastms', '2']], update2: true, ambiguous: false })
  t.same(flat(parseUpdate('name=a(b,port=1', '')), { where: [['name', '=', 'a(b']], set: [['port', '1']], update2: false, ambiguous: false },
    'asterisk-protocol.md §1: GET update?name=a(b,port=1')
  t.same(flat(parseUpdate('name=a)b', 'port=1')).where, [['name', '=', 'a)b']])
})

t.test('update2 values are cut at 199 bytes', async (t) => {
  const long = 'q'.repeat(250)
  const u = parseUpdate(`&context=${astUriEncode(long, 199)}mailbox=100`, '&password=1', voicemail)
  t.equal(u.where[0]!.value.length, 199)
  t.equal(u.where[0]!.truncated, true)
  t.equal(u.where[1]!.truncated, false)
})
