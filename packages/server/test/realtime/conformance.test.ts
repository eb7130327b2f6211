/**
 * Conformance: the exact requests of docs/asterisk-protocol.md sent
 * through the HTTP plugin (raw bodies, raw query strings) against a real
 * store and a real soft-state table, checking the exact answer bytes.
 */
import t from 'tap'
import { CONTACT_KIND, SIPREG_KIND } from '../../src/realtime/index.js'
import { rtHarness, snapshot, type RtHarness } from './harness.js'

const ALICE_ENDPOINT = 'id=alice&aors=alice&auth=alice&context=from-internal&disallow=all&allow=ulaw%2Calaw&direct_media=no&dtmf_mode=rfc4733&callerid=%22Alice%22%20%3C100%3E&mailboxes=100%40default&identify_by=username\n'

async function seed (h: RtHarness): Promise<void> {
  await h.write(
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } } },
    { op: 'create', type: 'device', id: 'alice', fields: { user: 'alice', secret: 's3cr3t' } },
    { op: 'create', type: 'trunk', id: 'carrier', fields: { host: 'sip.carrier.example', ips: ['192.0.2.10'], secret: 'pw', username: 'u1', register: true } },
    { op: 'create', type: 'trunk', id: 'pbx2', fields: { ips: ['192.0.2.20'], context: 'from-pbx2' } }
  )
}

const CONTACT_ID = 'alice%3B%40a709087b369aae7261670380fca91842'
const STORE = `id=${CONTACT_ID}&via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=c0ffee%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=alice&via_port=25070&authenticate_qualify=no&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=1795686256&outbound_proxy=`
const BOUND = `id=${CONTACT_ID}&uri=sip%3Aalice%40127.0.0.1%3A25070&expiration_time=1795686256&qualify_frequency=0&user_agent=harness-sip-register&qualify_timeout=3.000000&reg_server=proto&authenticate_qualify=no&via_addr=127.0.0.1&via_port=25070&call_id=c0ffee%40127.0.0.1&endpoint=alice&prune_on_boot=no&qualify_2xx_only=false\n`

t.test('PJSIP REGISTER: identify → auth → aor → contacts multi → store → update → destroy → expiry pruning (asterisk-protocol.md §6)', async (t) => {
  const h = await rtHarness(t, { now: () => 1795686000_000 })
  await seed(h)
  const { rt } = h
  t.same(await rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25'), { status: 200, body: 'id=carrier&endpoint=carrier&match=192.0.2.10\nid=pbx2&endpoint=pbx2&match=192.0.2.20\n' })
  t.equal((await rt('ps_endpoints', 'single', 'id=alice%40127.0.0.1')).body, '', 'the @domain variant: not found')
  t.equal((await rt('ps_domain_aliases', 'single', 'id=127.0.0.1')).body, '')
  t.equal((await rt('ps_endpoints', 'single', 'id=alice')).body, ALICE_ENDPOINT)
  t.equal((await rt('ps_auths', 'single', 'id=alice')).body, 'id=alice&auth_type=userpass&username=alice&password=s3cr3t\n')
  t.equal((await rt('ps_aors', 'single', 'id=alice')).body, 'id=alice&max_contacts=1&remove_existing=yes&qualify_frequency=60\n')
  t.equal((await rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body, '', 'no bindings yet')

  const before = snapshot(h.store)
  t.same(await rt('ps_contacts', 'store', STORE), { status: 200, body: '1\n' }, 'sorcery wants ≥ 1')
  t.same(snapshot(h.store), before, 'a registration is soft state: nothing in the log')
  const items = h.soft.get(CONTACT_KIND)
  t.equal(items.length, 1)
  t.match(items[0], { owner: h.soft.owner, key: 'alice;@a709087b369aae7261670380fca91842', value: { aor: 'alice', expiration_time: 1795686256, uri: 'sip:alice@127.0.0.1:25070' } })
  t.equal(items[0]!.expiresAt, 1795686256_000 + 60_000, 'TTL: until the expiry plus the grace period')
  t.equal((await rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body, BOUND, 'empty columns (path, outbound_proxy) are not sent in multi')
  t.equal((await rt('ps_contacts', 'single', `id=${CONTACT_ID}`)).body, BOUND.replace('&qualify_frequency=0&', '&qualify_frequency=0&outbound_proxy=%20&path=%20&'), 'single sends empty strings as %20')

  const refresh = 'via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=c0ffee%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=alice&via_port=25070&authenticate_qualify=no&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=1795686316&outbound_proxy='
  t.equal((await rt('ps_contacts', 'update', refresh, `id=${CONTACT_ID}`)).body, '1\n')
  t.equal(h.soft.get(CONTACT_KIND)[0]!.expiresAt, 1795686316_000 + 60_000, 'the refresh extends the TTL')
  t.equal((await rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body, BOUND.replace('1795686256', '1795686316'))
  t.equal((await rt('ps_contacts', 'multi', 'expiration_time%20%3C%3D=1795686300')).body, '', 'pruning: refreshed, not expired')
  t.equal((await rt('ps_contacts', 'multi', 'expiration_time%20%3C%3D=1795686316')).body,
    `expiration_time=1795686316&id=${CONTACT_ID}&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&qualify_timeout=3.000000&reg_server=proto&authenticate_qualify=no&via_addr=127.0.0.1&via_port=25070&call_id=c0ffee%40127.0.0.1&endpoint=alice&prune_on_boot=no&qualify_2xx_only=false\n`,
    'pruning: expired (the key column comes first)')
  t.equal((await rt('ps_contacts', 'update', 'expiration_time=1', 'id=bob%3B%40ffff')).body, '0\n', 'an unknown contact: 0 rows')
  t.equal((await rt('ps_contacts', 'multi', 'id%20LIKE=%25')).body.split('\n').length, 2, '`pjsip show contacts`')
  t.equal((await rt('ps_contacts', 'destroy', `id=${CONTACT_ID}&`)).body, '1\n', 'Expires: 0 (trailing &)')
  t.equal((await rt('ps_contacts', 'destroy', `id=${CONTACT_ID}&`)).body, '0\n')
  t.equal((await rt('ps_contacts', 'multi', 'id%20LIKE=%25')).body, '')
  t.same(h.soft.get(CONTACT_KIND), [], 'removed from the soft state too')

  t.equal((await rt('ps_endpoints', 'multi', 'mailboxes%20%21%3D=')).body, 'mailboxes=100%40default&id=alice&aors=alice&auth=alice&context=from-internal&disallow=all&allow=ulaw%2Calaw&direct_media=no&dtmf_mode=rfc4733&callerid=%22Alice%22%20%3C100%3E&identify_by=username\n', 'MWI start-up query')
  t.equal((await rt('ps_aors', 'multi', 'contact%20%21%3D=')).body, 'contact=sip%3Asip.carrier.example&id=carrier&qualify_frequency=60\n', '`pjsip show contacts`: AORs with a permanent contact')
  t.equal((await rt('ps_registrations', 'multi', 'id%20LIKE=%25')).body,
    'id=carrier&server_uri=sip%3Asip.carrier.example&client_uri=sip%3Au1%40sip.carrier.example&contact_user=u1&outbound_auth=carrier&expiration=3600&retry_interval=60&forbidden_retry_interval=600&max_retries=10000&auth_rejection_permanent=no&line=yes&endpoint=carrier\n')
  t.same(h.service.counters.problems, new Map(), 'nothing refused')
})

t.test('PJSIP: max_contacts=1 with remove_existing stores the new binding, then destroys the old one (asterisk-protocol.md §6)', async (t) => {
  const h = await rtHarness(t, { now: () => 1795686000_000 })
  await seed(h)
  const second = STORE.replace(/a709087b369aae7261670380fca91842/g, 'b8f1f8d1a0b6f4f0f6a1e3b7c9d2e4f5').replace(/25070/g, '25080')
  t.equal((await h.rt('ps_contacts', 'store', STORE)).body, '1\n')
  t.equal((await h.rt('ps_contacts', 'store', second)).body, '1\n')
  t.equal((await h.rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body.split('\n').length, 3, 'two bindings')
  t.equal((await h.rt('ps_contacts', 'destroy', `id=${CONTACT_ID}&`)).body, '1\n')
  t.match((await h.rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body, /^id=alice%3B%40b8f1f8d1a0b6f4f0f6a1e3b7c9d2e4f5&uri=sip%3Aalice%40127.0.0.1%3A25080&[^\n]*\n$/)
  t.equal((await h.rt('ps_contacts', 'store', STORE)).body, '1\n', 'a store of an existing id overwrites it')
  t.equal((await h.rt('ps_contacts', 'store', STORE)).body, '1\n')
  t.equal(h.soft.get(CONTACT_KIND).length, 2)
})

t.test('PJSIP: digest auth and an unknown user (asterisk-protocol.md §6)', async (t) => {
  const h = await rtHarness(t)
  await seed(h)
  t.equal((await h.rt('ps_auths', 'single', 'id=alice')).body, 'id=alice&auth_type=userpass&username=alice&password=s3cr3t\n')
  for (const id of ['anonymous%40127.0.0.1', 'anonymous', 'nobody']) {
    t.same(await h.rt('ps_endpoints', 'single', 'id=' + id), { status: 200, body: '' }, `id=${id}: 200 and an empty body`)
  }
  t.equal((await h.rt('ps_auths', 'single', 'id=pbx2')).body, '', 'a trunk without a secret has no auth')
  t.equal((await h.rt('ps_endpoints', 'single', 'id=pbx2')).body, 'id=pbx2&aors=pbx2&context=from-pbx2&disallow=all&allow=ulaw%2Calaw&direct_media=no&dtmf_mode=rfc4733&identify_by=username%2Cip\n')
})

t.test('chan_sip REGISTER: name+host lookup, registration update, lookup by address, unregister (asterisk-protocol.md §6, chan_sip)', async (t) => {
  const h = await rtHarness(t, { now: () => 1795686000_000 })
  await seed(h)
  const { rt } = h
  const peer = 'name=alice&type=friend&host=dynamic&secret=s3cr3t&context=from-internal&disallow=all&allow=ulaw%2Calaw&directmedia=no&dtmfmode=rfc2833&callerid=%22Alice%22%20%3C100%3E&mailbox=100%40default'
  t.equal((await rt('sippeers', 'single', 'name=alice&host=dynamic')).body, peer + '\n', 'every criterion counts, host included')
  t.equal((await rt('sippeers', 'single', 'name=alice&host=192.0.2.1')).body, '')
  t.equal((await rt('sipusers', 'single', 'name=alice')).body, peer + '\n', 'sipusers: the same rows')
  t.equal((await rt('sippeers', 'single', 'ipaddr=127.0.0.1&port=5062')).body, '', 'not registered yet')
  t.equal((await rt('sippeers', 'require', 'name=char%3A10&ipaddr=char%3A45&port=uinteger2%3A5&regseconds=integer4%3A11&defaultuser=char%3A10&fullcontact=char%3A35&regserver=char%3A20&useragent=char%3A20&lastms=integer4%3A11')).body, '0\n')

  const before = snapshot(h.store)
  const reg = 'ipaddr=127.0.0.1&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&lastms=0&useragent=Zoiper&defaultuser=alice&regseconds=1795686316&port=5062'
  t.equal((await rt('sippeers', 'update', reg, 'name=alice')).body, '1\n')
  t.same(snapshot(h.store), before, 'soft state only')
  t.match(h.soft.get(SIPREG_KIND), [{ owner: h.soft.owner, key: 'alice', value: { name: 'alice', ipaddr: '127.0.0.1', port: 5062, regseconds: 1795686316 } }])
  const registered = peer + '&ipaddr=127.0.0.1&port=5062&regseconds=1795686316&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&useragent=Zoiper&defaultuser=alice&lastms=0\n'
  t.equal((await rt('sippeers', 'single', 'ipaddr=127.0.0.1&port=5062')).body, registered, 'an INVITE from the registered address finds the peer')
  t.equal((await rt('sippeers', 'single', 'name=alice&host=dynamic')).body, registered)
  t.equal((await rt('sippeers', 'single', 'ipaddr=127.0.0.1&port=5063')).body, '')
  t.equal((await rt('sipregs', 'single', 'name=alice')).body, 'name=alice&ipaddr=127.0.0.1&port=5062&regseconds=1795686316&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&useragent=Zoiper&defaultuser=alice&lastms=0\n')
  t.equal((await rt('sipregs', 'single', 'ipaddr=127.0.0.1&port=5062')).body.startsWith('name=alice&ipaddr=127.0.0.1&'), true)
  t.equal((await rt('sippeers', 'multi', 'ipaddr=127.0.0.1&insecure%20LIKE=%25port%25')).body, '', 'a device has no insecure=port')
  t.equal((await rt('sippeers', 'update', 'lastms=42', 'name=alice')).body, '1\n', 'a qualify update keeps the registration')
  t.match((await rt('sippeers', 'single', 'name=alice')).body, /&lastms=42\n$/)

  t.equal((await rt('sippeers', 'update', 'fullcontact=&lastms=0&useragent=&regserver=&regseconds=0&port=0&ipaddr=', 'name=alice')).body, '1\n', 'unregister')
  t.equal((await rt('sippeers', 'single', 'ipaddr=127.0.0.1&port=5062')).body, '')
  t.same(h.soft.get(SIPREG_KIND), [])
  t.equal((await rt('sippeers', 'update', reg, 'name=nobody')).body, '0\n', 'an unknown peer: 0 rows')
  t.same(h.service.counters.problems, new Map())
})

t.test('chan_sip: INVITE from a trunk address, start-up query, peers by host', async (t) => {
  const h = await rtHarness(t)
  await seed(h)
  const { rt } = h
  const pbx2 = 'name=pbx2&type=peer&host=192.0.2.20&context=from-pbx2&insecure=port%2Cinvite&disallow=all&allow=ulaw%2Calaw&directmedia=no&dtmfmode=rfc2833\n'
  t.equal((await rt('sippeers', 'single', 'host=192.0.2.20&port=5060')).body, '', 'the trunk has no port: NULL matches nothing')
  t.equal((await rt('sippeers', 'single', 'host=192.0.2.20')).body, pbx2)
  t.equal((await rt('sippeers', 'multi', 'host=192.0.2.20&insecure%20LIKE=%25port%25')).body, 'host=192.0.2.20&' + pbx2.replace('&host=192.0.2.20', ''))
  t.equal((await rt('sippeers', 'single', 'host=192.0.2.99&port=5060')).body, '')
  t.equal((await rt('sippeers', 'multi', 'name%20LIKE=%25&callbackextension%20LIKE=%25')).body,
    'name=carrier&type=peer&host=sip.carrier.example&defaultuser=u1&secret=pw&context=from-trunk&insecure=port%2Cinvite&disallow=all&allow=ulaw%2Calaw&directmedia=no&dtmfmode=rfc2833&callbackextension=u1\n',
    'start-up: the peers that register outbound')
  await h.write({ op: 'patch', type: 'device', id: 'alice', set: { sip: { host: '192.0.2.30', port: '5070' } } })
  t.match((await rt('sippeers', 'single', 'host=192.0.2.30&port=5070')).body, /^name=alice&type=friend&host=192.0.2.30&/, 'a device with a static host (sip override)')
})

t.test('encodings of requests and answers (asterisk-protocol.md §3, §4)', async (t) => {
  const h = await rtHarness(t)
  const odd = "a b&c=d,e%f+g/h?i:j;k@l~m*n'o(p)q!r_s.t-u"
  const enc = "a%20b%26c%3Dd%2Ce%25f%2Bg%2Fh%3Fi%3Aj%3Bk%40l~m*n'o(p)q!r_s.t-u"
  t.equal((await h.rt('queues', 'store', `name=${enc}&strategy=ringall&musicclass=%22Alice%22%20%3C100%3E`)).body, '1\n')
  t.same(await h.store.get('row', 'queues/' + odd.replace(/%/g, '%25').replace(/\//g, '%2F')), { family: 'queues', columns: { name: odd, strategy: 'ringall', musicclass: '"Alice" <100>' } }, 'decoded exactly; + is a plus')
  t.equal((await h.rt('queues', 'single', `name=${enc}`)).body, `name=${enc}&strategy=ringall&musicclass=%22Alice%22%20%3C100%3E\n`, 'encoded exactly as Asterisk encodes')
  t.equal((await h.rt('queues', 'single', 'name=a+b')).body, '', '+ is not a space')
  t.equal((await h.rt('queues', 'store', 'name=%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9&strategy=linear')).body, '1\n')
  t.equal((await h.rt('queues', 'single', 'name=%c3%bcn%c3%af%c2%a9%c3%b8d%c3%a9')).body, 'name=%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9&strategy=linear\n', 'lower-case escapes, UTF-8 byte by byte')
  t.equal((await h.rt('queues', 'multi', 'name%20LIKE=%C3%BC%25')).body, 'name=%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9&strategy=linear\n', '`name LIKE` ü%')
  t.equal((await h.rt('queues', 'multi', 'name%20like=a%5C_%25')).body, '', 'LIKE in any case; \\_ is a literal _')
  t.equal((await h.rt('queues', 'single', 'strategy=linear&name%20%21%3D=x')).body, 'name=%C3%BCn%C3%AF%C2%A9%C3%B8d%C3%A9&strategy=linear\n', 'field order carries no meaning')
})

t.test('truncated values: cut at 255 encoded bytes, matched as a prefix (asterisk-protocol.md §3)', async (t) => {
  const h = await rtHarness(t)
  const long = 'q'.repeat(300)
  t.equal((await h.rt('queues', 'store', `name=${long.slice(0, 255)}&strategy=ringall`)).body, '1\n', 'stored as it arrived')
  await h.write({ op: 'create', type: 'row', id: 'queues/' + 'r'.repeat(300), fields: { family: 'queues', columns: { name: 'r'.repeat(300), strategy: 'linear' } } })
  t.equal((await h.rt('queues', 'single', `name=${'r'.repeat(255)}`)).body, `name=${'r'.repeat(300)}&strategy=linear\n`, 'a cut value finds the full one')
  t.equal((await h.rt('queues', 'single', `name=${'r'.repeat(200)}`)).body, '', 'a value that is not at the limit is exact')
  const pct = '%25'.repeat(85)
  t.equal((await h.rt('queues', 'store', `name=${pct}&strategy=x`)).body, '1\n', '100 % characters arrive as 85 × %25 (255 bytes)')
  t.equal((await h.rt('queues', 'single', `name=${pct}`)).body, `name=${pct}&strategy=x\n`)
})

t.test('update2: the voicemail password change and its broken separators (asterisk-protocol.md §4.5)', async (t) => {
  const h = await rtHarness(t)
  await seed(h)
  t.equal((await h.rt('voicemail', 'require', 'uniqueid=uinteger3%3A11&password=char%3A10')).body, '0\n')
  t.equal((await h.rt('voicemail', 'single', 'mailbox=100&context=default')).body, 'uniqueid=119673831&context=default&mailbox=100&password=1234&fullname=Alice\n', 'VM_INFO(100@default,exists)')
  t.equal((await h.rt('voicemail', 'update', '&password=4321', '&context=defaultmailbox=100')).body, '1\n', 'app_voicemail checks > 0')
  t.match(await h.store.get('user', 'alice'), { voicemail: { pin: '4321' } }, 'written back as a patch of the user')
  t.equal((await h.rt('voicemail', 'single', 'mailbox=100&context=default')).body, 'uniqueid=119673831&context=default&mailbox=100&password=4321&fullname=Alice\n')
  t.equal((await h.rt('voicemail', 'multi', 'context=default')).body, 'context=default&uniqueid=119673831&mailbox=100&password=4321&fullname=Alice\n', '`voicemail show users for default`')
  t.equal((await h.rt('voicemail', 'multi', 'mailbox%20LIKE=%25&context=default')).body, 'mailbox=100&uniqueid=119673831&context=default&password=4321&fullname=Alice\n', 'app_directory')
  t.equal((await h.rt('voicemail', 'update', 'password=9999', 'context=default&mailbox=100')).body, '1\n', 'Asterisk ≤ 11: a correct update2')
  t.equal((await h.rt('voicemail', 'update', '&password=1', '&context=defaultmailbox=999')).body, '0\n', 'no such mailbox')
  t.equal((await h.rt('sippeers', 'update', '&secret=x', '&name=alice')).body, '-1\n', 'update2 of a non-registration column of a view')
})

t.test('app_queue and pbx_realtime as generic rows (asterisk-protocol.md §4.3, §6)', async (t) => {
  const h = await rtHarness(t)
  const { rt } = h
  t.equal((await rt('queue_members', 'require', 'paused=integer1%3A1&uniqueid=uinteger2%3A5&reason_paused=char%3A80')).body, '0\n')
  t.equal((await rt('queues', 'store', 'name=support&strategy=ringall&timeout=15')).body, '1\n')
  t.equal((await rt('queues', 'store', 'name=sales&strategy=leastrecent')).body, '1\n')
  t.equal((await rt('queues', 'store', 'name=sales&strategy=linear')).body, '-1\n', 'an existing key: the insert fails')
  t.equal((await rt('queues', 'multi', 'name%20LIKE=%25')).body, 'name=sales&strategy=leastrecent\nname=support&strategy=ringall&timeout=15\n', '`queue show`, ordered by the key column')
  t.equal((await rt('queues', 'single', 'name=support')).body, 'name=support&strategy=ringall&timeout=15\n')
  t.equal((await rt('queue_members', 'store', 'uniqueid=77&queue_name=support&interface=Local%2F100%40apps&membername=Alice&penalty=0&paused=0')).body, '1\n')
  t.equal((await rt('queue_members', 'multi', 'interface%20LIKE=%25&queue_name=support')).body, 'interface=Local%2F100%40apps&uniqueid=77&queue_name=support&membername=Alice&penalty=0&paused=0\n')
  t.equal((await rt('queue_members', 'update', 'paused=1', 'uniqueid=77')).body, '1\n', '`queue pause member`')
  t.match((await rt('queue_members', 'multi', 'interface%20LIKE=%25&queue_name%20LIKE=%25')).body, /&paused=1\n$/)
  t.equal((await rt('queue_members', 'update', 'paused=0', 'uniqueid=78')).body, '0\n')
  t.same(await h.store.get('row', 'queue_members/77'), { family: 'queue_members', columns: { uniqueid: '77', queue_name: 'support', interface: 'Local/100@apps', membername: 'Alice', penalty: '0', paused: '1' } }, 'in the log')

  t.equal((await rt('extensions', 'store', 'exten=100&context=rt-switch&priority=1&app=Verbose&appdata=1%2CRT-SWITCH%20priority%201%20for%20%24%7BEXTEN%7D')).body, '1\n')
  t.equal((await rt('extensions', 'store', 'exten=_2XX&context=rt-switch&priority=1&app=Dial&appdata=PJSIP%2F%24%7BEXTEN%7D')).body, '1\n')
  t.equal((await rt('extensions', 'single', 'exten=100&priority=1&context=rt-switch')).body,
    'exten=100&context=rt-switch&priority=1&app=Verbose&appdata=1%2CRT-SWITCH%20priority%201%20for%20%24%7BEXTEN%7D\n', 'asterisk-protocol.md §6, byte for byte')
  t.equal((await rt('extensions', 'single', 'exten=100&priority=01&context=rt-switch')).body.startsWith('exten=100&'), true, 'priority is numeric: 01 = 1')
  t.equal((await rt('extensions', 'single', 'exten=100&priority=2&context=rt-switch')).body, '')
  t.equal((await rt('extensions', 'multi', 'exten%20LIKE=%5C_%25&priority=1&context=rt-switch')).body, 'exten=_2XX&context=rt-switch&priority=1&app=Dial&appdata=PJSIP%2F%24%7BEXTEN%7D\n', 'pattern extensions')
  t.equal((await rt('extensions', 'destroy', 'exten=_2XX&context=rt-switch&priority=1')).body, '1\n')
  t.equal((await rt('queues', 'destroy', 'name=sales&')).body, '1\n', 'REALTIME_DESTROY: trailing &')
  t.equal((await rt('queues', 'destroy', 'name=support&strategy=linear')).body, '0\n', 'every criterion counts')
  t.equal((await rt('queues', 'multi', 'name%20LIKE=%25')).body, 'name=support&strategy=ringall&timeout=15\n')
})

t.test('GET update with an unbalanced ( in the key (asterisk-protocol.md §1)', async (t) => {
  const h = await rtHarness(t)
  t.equal((await h.rt('queues', 'store', 'name=a(b&strategy=ringall')).body, '1\n')
  const res = await h.app.inject({ method: 'GET', url: '/realtime/queues/update?name=a(b,strategy=linear' })
  t.same([res.statusCode, res.body], [200, '1\n'])
  t.equal((await h.rt('queues', 'single', 'name=a(b')).body, 'name=a(b&strategy=linear\n')
})

t.test('a device and a trunk with the same id: the device is served', async (t) => {
  const h = await rtHarness(t)
  await seed(h)
  await h.write({ op: 'create', type: 'trunk', id: 'alice', fields: { ips: ['192.0.2.50'], host: '192.0.2.50' } })
  t.equal((await h.rt('ps_endpoints', 'single', 'id=alice')).body, ALICE_ENDPOINT)
  t.equal((await h.rt('ps_endpoint_id_ips', 'single', 'id=alice')).body, '', 'the trunk yields nothing under a device id')
  t.notMatch((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, /alice/)
  t.match((await h.rt('sippeers', 'single', 'name=alice')).body, /^name=alice&type=friend&/)
  t.equal((await h.rt('sippeers', 'single', 'host=192.0.2.50')).body, '')
  await h.write({ op: 'delete', type: 'device', id: 'alice' })
  t.equal((await h.rt('ps_endpoint_id_ips', 'single', 'id=alice')).body, 'id=alice&endpoint=alice&match=192.0.2.50\n', 'without the device, the trunk')
  t.match((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, /^id=alice&/)
})

t.test('extra rows (inter-node trunks) are merged, devices and trunks win', async (t) => {
  let extra: Record<string, Array<Record<string, string>>> = {
    ps_endpoints: [{ id: 'fed-b', aors: 'fed-b', context: 'federator-inbound' }, { id: 'alice', context: 'hijack' }],
    ps_endpoint_id_ips: [{ id: 'fed-b', endpoint: 'fed-b', match: '10.0.0.2' }],
    sippeers: [{ name: 'fed-b', type: 'peer', host: '10.0.0.2', port: '5060' }],
    extensions: [{ context: 'federator-inbound', exten: '_X.', priority: '1', app: 'Dial', appdata: 'PJSIP/${EXTEN}' }]
  }
  const h = await rtHarness(t, { extraRows: (f) => extra[f] ?? [] })
  await seed(h)
  t.equal((await h.rt('ps_endpoints', 'single', 'id=fed-b')).body, 'id=fed-b&aors=fed-b&context=federator-inbound\n')
  t.equal((await h.rt('ps_endpoints', 'single', 'id=alice')).body, ALICE_ENDPOINT)
  t.equal((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10\nid=fed-b&endpoint=fed-b&match=10.0.0.2\nid=pbx2&endpoint=pbx2&match=192.0.2.20\n')
  t.equal((await h.rt('sippeers', 'single', 'host=10.0.0.2&port=5060')).body, 'name=fed-b&type=peer&host=10.0.0.2&port=5060\n')
  t.equal((await h.rt('extensions', 'multi', 'exten%20LIKE=%5C_%25&priority=1&context=federator-inbound')).body,
    'exten=_X.&context=federator-inbound&priority=1&app=Dial&appdata=PJSIP%2F%24%7BEXTEN%7D\n', 'generated rows of a generic family (no id column)')
  extra = {}
  t.match((await h.rt('ps_endpoints', 'single', 'id=fed-b')).body, /fed-b/, 'cached until told')
  h.service.extraRowsChanged()
  t.equal((await h.rt('ps_endpoints', 'single', 'id=fed-b')).body, '')
  t.equal((await h.rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25')).body, 'id=carrier&endpoint=carrier&match=192.0.2.10\nid=pbx2&endpoint=pbx2&match=192.0.2.20\n')
})

t.test('static realtime: a .conf file imported through the admin API, served in the static line format (asterisk-protocol.md §4.7)', async (t) => {
  const h = await rtHarness(t)
  const text = '[general]\npersistentmembers=no\n\n[staticq]\nstrategy=ringall\ntimeout=15 ; seconds\nmember=Local/200@apps,0,Carol\n'
  const put = await h.app.inject({ method: 'PUT', url: '/api/v1/configs/queues.conf/conf', headers: { authorization: 'Bearer ' + (await import('./harness.js')).TOKEN, 'content-type': 'text/plain' }, payload: text })
  t.equal(put.statusCode, 201, put.body)
  t.same(put.json(), { id: 'queues.conf', lines: 4, categories: 2, warnings: [] })
  t.same(await h.staticFile('queues.conf'), {
    status: 200,
    body: 'category=general&var_name=persistentmembers&var_val=no&cat_metric=0&var_metric=0\n' +
      'category=staticq&var_name=strategy&var_val=ringall&cat_metric=1&var_metric=0\n' +
      'category=staticq&var_name=timeout&var_val=15&cat_metric=1&var_metric=1\n' +
      'category=staticq&var_name=member&var_val=Local%2F200%40apps%2C0%2CCarol&cat_metric=1&var_metric=2\n'
  })
  const conf = await h.app.inject({ method: 'GET', url: '/api/v1/configs/queues.conf/conf', headers: { authorization: 'Bearer ' + (await import('./harness.js')).TOKEN } })
  t.equal(conf.body, '[general]\npersistentmembers = no\n\n[staticq]\nstrategy = ringall\ntimeout = 15\nmember = Local/200@apps,0,Carol\n')
  t.same(await h.staticFile('missing.conf'), { status: 200, body: '' }, 'an unknown file: an empty config')
  t.equal(h.refused('unknown_config'), 1)
  await h.write({ op: 'delete', type: 'config', id: 'queues.conf' })
  t.equal((await h.staticFile('queues.conf')).body, '', 'deleted: the cached answer is gone')
})
