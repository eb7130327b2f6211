import t from 'tap'
import {
  applySipRegistration, compileCriteria, contactAor, contactExpired, contactFromStore, contactIdOf, contactRow, contactWithUpdate,
  encodeMulti, isNumericColumn, parseDestroy, parseLookup, parseStore, parseUpdate, requestProblem, sipRegistrationColumns,
  sipRegistrationExpired, splitSipUpdate, type PjsipContact
} from '../../src/index.js'
import { astMulti } from './asterisk.js'

const STORE = 'id=alice%3B%40a709087b369aae7261670380fca91842&via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=c1%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=alice&via_port=25070&authenticate_qualify=no&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=1795686256&outbound_proxy='
const ID = 'alice;@a709087b369aae7261670380fca91842'

t.test('the PJSIP REGISTER flow as contacts (asterisk-protocol.md §6)', async (t) => {
  const c = contactFromStore(parseStore(STORE).values)
  t.same(c, {
    id: ID, aor: 'alice', expiration_time: 1795686256, via_addr: '127.0.0.1', qualify_timeout: '3.000000', qualify_2xx_only: 'false',
    call_id: 'c1@127.0.0.1', reg_server: 'proto', prune_on_boot: 'no', path: '', endpoint: 'alice', via_port: '25070',
    authenticate_qualify: 'no', uri: 'sip:alice@127.0.0.1:25070', qualify_frequency: '0', user_agent: 'harness-sip-register', outbound_proxy: ''
  })
  const row = contactRow(c)
  t.same(Object.keys(row), ['id', 'uri', 'expiration_time', 'qualify_frequency', 'outbound_proxy', 'path', 'user_agent', 'qualify_timeout',
    'reg_server', 'authenticate_qualify', 'via_addr', 'via_port', 'call_id', 'endpoint', 'prune_on_boot', 'qualify_2xx_only'])
  const lookup = parseLookup('multi', 'id%20LIKE=alice%3B%40%25')
  t.ok(compileCriteria(lookup.criteria)(row), 'found by the AOR prefix')
  t.notOk(compileCriteria(parseLookup('multi', 'id%20LIKE=alic%3B%40%25').criteria)(row))
  const body = encodeMulti([row], lookup.key)
  t.equal(body, 'id=alice%3B%40a709087b369aae7261670380fca91842&uri=sip%3Aalice%40127.0.0.1%3A25070&expiration_time=1795686256&qualify_frequency=0&user_agent=harness-sip-register&qualify_timeout=3.000000&reg_server=proto&authenticate_qualify=no&via_addr=127.0.0.1&via_port=25070&call_id=c1%40127.0.0.1&endpoint=alice&prune_on_boot=no&qualify_2xx_only=false\n',
    'empty path/outbound_proxy are left out of multi')
  t.equal(astMulti(body, 'id')[0]!.category, ID)

  const upd = parseUpdate('id=alice%3B%40a709087b369aae7261670380fca91842', 'via_addr=127.0.0.1&expiration_time=1795686316&user_agent=UA%202&x_new_column=1')
  t.equal(contactIdOf(upd.where), ID)
  const c2 = contactWithUpdate(c, upd.set)
  t.equal(c2.expiration_time, 1795686316)
  t.equal(c2.user_agent, 'UA 2')
  t.same(c2.extra, { x_new_column: '1' }, 'columns of a newer Asterisk are kept')
  t.equal(c.expiration_time, 1795686256, 'the old contact is not changed')
  t.equal(contactRow(c2).x_new_column, '1')

  const expiry = parseLookup('multi', 'expiration_time%20%3C%3D=1795686300')
  const expired = compileCriteria(expiry.criteria, (col) => isNumericColumn('ps_contacts', col))
  t.ok(expired(contactRow(c)))
  t.notOk(expired(contactRow(c2)))
  t.ok(contactExpired(c, 1795686256))
  t.notOk(contactExpired(c2, 1795686256))

  t.equal(contactIdOf(parseDestroy('id=alice%3B%40a709087b369aae7261670380fca91842&').criteria), ID)
  t.equal(contactIdOf(parseDestroy('id=nonsense&').criteria), undefined)
})

t.test('bad contacts are refused', async (t) => {
  const reason = (body: string): string | undefined => {
    try { contactFromStore(parseStore(body).values) } catch (err) { return requestProblem(err) }
    return undefined
  }
  t.equal(reason('uri=sip%3Ax&expiration_time=1'), 'bad_contact', 'no id')
  t.equal(reason('id=alice&uri=sip%3Ax&expiration_time=1'), 'bad_contact', 'id without ;@')
  t.equal(reason('id=%3B%40x&uri=sip%3Ax&expiration_time=1'), 'bad_contact', 'empty AOR')
  t.equal(reason('id=a%3B%40x&uri=sip%3Ax'), 'bad_contact', 'no expiration_time')
  t.equal(reason('id=a%3B%40x&uri=sip%3Ax&expiration_time=soon'), 'bad_contact')
  t.equal(reason('id=a%3B%40x&expiration_time=1'), 'bad_contact', 'no uri')
  t.equal(contactAor('a;b;@c;@d'), 'a;b')
  const c: PjsipContact = contactFromStore(parseStore('id=a%3B%40x&uri=u&expiration_time=5').values)
  t.throws(() => contactWithUpdate(c, [{ column: 'expiration_time', value: '', truncated: false }]))
})

t.test('chan_sip registration updates (asterisk-protocol.md §6, chan_sip)', async (t) => {
  const reg = parseUpdate('name=alice', 'ipaddr=127.0.0.1&regserver=pbx1&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&lastms=0&useragent=Zoiper&defaultuser=alice&regseconds=1795686316&port=5062')
  const split = splitSipUpdate(reg.set)
  t.same(split.other, [])
  const r = applySipRegistration('alice', undefined, split.registration)!
  t.same(r, { name: 'alice', ipaddr: '127.0.0.1', port: 5062, regseconds: 1795686316, fullcontact: 'sip:alice@127.0.0.1:5062', useragent: 'Zoiper', defaultuser: 'alice', regserver: 'pbx1', lastms: '0' })
  t.same(sipRegistrationColumns(r), { ipaddr: '127.0.0.1', port: '5062', regseconds: '1795686316', fullcontact: 'sip:alice@127.0.0.1:5062', useragent: 'Zoiper', defaultuser: 'alice', regserver: 'pbx1', lastms: '0' })
  const q = applySipRegistration('alice', r, splitSipUpdate(parseUpdate('name=alice', 'lastms=-1').set).registration)!
  t.equal(q.lastms, '-1', 'a qualify change keeps the registration')
  t.equal(q.ipaddr, '127.0.0.1')
  const gone = parseUpdate('name=alice', 'fullcontact=&lastms=0&useragent=&regserver=&regseconds=0&port=0&ipaddr=')
  t.equal(applySipRegistration('alice', r, splitSipUpdate(gone.set).registration), null, 'unregister')
  t.equal(applySipRegistration('bob', undefined, { lastms: '5' }), null, 'qualify of an unregistered peer')
  const mixed = splitSipUpdate(parseUpdate('name=alice', 'secret=new&port=5060').set)
  t.same(mixed, { registration: { port: '5060' }, other: [{ column: 'secret', value: 'new', truncated: false }] })
  t.ok(sipRegistrationExpired(r, 1795686316))
  t.notOk(sipRegistrationExpired(r, 1795686315))
  const row = { name: 'alice', host: 'dynamic', ...sipRegistrationColumns(r) }
  t.ok(compileCriteria(parseLookup('single', 'ipaddr=127.0.0.1&port=5062').criteria)(row), 'INVITE from the registered address finds the peer')
})
