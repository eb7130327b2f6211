/**
 * The mapping of pjsip.conf, sip.conf, voicemail.conf and queues.conf into records (core migrate/),
 * checked against rows written out by hand: what Asterisk had from the file is what the realtime
 * views give for the records.
 */
import t from 'tap'
import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  devicePjsipRows, deviceSipPeer, migrateAsterisk, parseConfCategories, parseRegisterLine, parseSipUri,
  trunkPjsipRows, trunkSipPeer, voicemailRow, formatReport, type ConfInput, type MigratedRecord
} from '../../src/index.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const FIX = join(REPO, 'test', 'fixtures')

function load (path: string): ConfInput {
  const { categories, warnings } = parseConfCategories(readFileSync(path, 'utf8'), path, {
    include: (name, from) => { const p = resolve(dirname(from), name); return existsSync(p) ? { text: readFileSync(p, 'utf8'), file: p } : undefined }
  })
  return { file: path, categories, warnings }
}
const rec = (records: MigratedRecord[], type: string, id: string): { id: string, fields: Record<string, unknown> } => {
  const r = records.find((x) => x.type === type && x.id === id)
  if (r === undefined) throw new Error(`no ${type} ${id}`)
  const { type: _t, id: _i, ...fields } = r
  return { id, fields }
}

const report = migrateAsterisk(['pjsip.conf', 'sip.conf', 'voicemail.conf', 'queues.conf'].map((f) => load(join(FIX, 'asterisk-import', f))))
const { records } = report

t.test('pjsip.conf phones: endpoint + auth + aor from templates and an include → a device', async (t) => {
  const d = rec(records, 'device', '101')
  t.match(d.fields, { secret: 'alice-secret-1', codecs: ['ulaw', 'alaw'], context: 'from-internal', callerId: '"Alice Smith" <101>', nat: true, maxContacts: 2, user: '101' })
  const rows = devicePjsipRows(d, rec(records, 'user', '101'))!
  t.same(rows.ps_endpoints, {
    id: '101', aors: '101', auth: '101', context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw', direct_media: 'no', dtmf_mode: 'rfc4733',
    rtp_symmetric: 'yes', force_rport: 'yes', rewrite_contact: 'yes', callerid: '"Alice Smith" <101>', mailboxes: '101@default', identify_by: 'username'
  }, 'the endpoint has exactly the file\'s options (template + own)')
  t.same(rows.ps_auths, { id: '101', auth_type: 'userpass', username: '101', password: 'alice-secret-1' })
  t.same(rows.ps_aors, { id: '101', max_contacts: '2', remove_existing: 'yes', qualify_frequency: '30' })
  // a node with other defaults still serves the file's values
  t.same(devicePjsipRows(d, rec(records, 'user', '101'), { qualifyFrequency: 0, maxContacts: 9, deviceContext: 'x' })!.ps_aors, rows.ps_aors)
})

t.test('(+) adds to the first category of the name; a renamed auth; codecs added to a template\'s', async (t) => {
  const d = rec(records, 'device', '102')
  t.same(d.fields.codecs, ['ulaw', 'alaw', 'g722'])
  t.equal((d.fields.pjsip as Record<string, string>).language, 'de', '[102](+) went to the endpoint, the first [102]')
  const rows = devicePjsipRows(d, rec(records, 'user', '102.sales'))!
  t.equal(rows.ps_endpoints.auth, '102', 'auth 102-auth is served as 102')
  t.equal(rows.ps_endpoints.mailboxes, '102@sales')
  t.same(rows.ps_aors, { id: '102', max_contacts: '1', remove_existing: 'yes', qualify_frequency: '0' })
  t.match(report.mapped.find((m) => m.to === 'device 102')!.notes, [/auth 102-auth is served as 102/])
})

t.test('an md5 auth → ha1 and realm; options Federator does not model → overrides', async (t) => {
  const d = rec(records, 'device', 'lobby')
  t.match(d.fields, { ha1: /^[0-9a-f]{32}$/, realm: 'asterisk', dtmf: 'info' })
  t.equal(d.fields.user, undefined, 'no mailbox: no user')
  const rows = devicePjsipRows(d, undefined)!
  t.same(rows.ps_auths, { id: 'lobby', auth_type: 'md5', username: 'lobby', md5_cred: d.fields.ha1, realm: 'asterisk' })
  t.equal(rows.ps_endpoints.device_state_busy_at, '1')
  t.equal(rows.ps_endpoints.mailboxes, undefined)
})

t.test('pjsip trunks: registration + outbound auth + contact; identify + contact', async (t) => {
  const itsp = rec(records, 'trunk', 'itsp')
  t.match(itsp.fields, { host: '127.0.0.1', port: 5998, register: true, username: '4930123456', secret: 'trunk-secret-9', fromUser: '4930123456', codecs: ['alaw'], context: 'from-trunk' })
  const rows = trunkPjsipRows(itsp)!
  t.same(rows.ps_registrations, {
    id: 'itsp', server_uri: 'sip:127.0.0.1:5998', client_uri: 'sip:4930123456@127.0.0.1:5998', contact_user: '4930123456',
    outbound_auth: 'itsp', expiration: '600', retry_interval: '60', forbidden_retry_interval: '600', line: 'yes', endpoint: 'itsp'
  })
  t.equal(rows.ps_endpoints.dtmf_mode, undefined, 'the file set no dtmf_mode: Asterisk\'s default again')
  t.equal(rows.ps_endpoints.identify_by, undefined)
  t.same(rec(records, 'provider', 'itsp').fields, { name: 'itsp', trunks: ['itsp'], prefixes: [], enabled: false })
  const carrier = rec(records, 'trunk', 'carrier')
  t.same(carrier.fields.ips, ['127.0.0.1', '127.0.0.0/28'])
  t.same(trunkPjsipRows(carrier)!.ps_endpoint_id_ips, { id: 'carrier', endpoint: 'carrier', match: '127.0.0.1,127.0.0.0/28' })
  t.same(trunkPjsipRows(carrier)!.ps_aors, { id: 'carrier', contact: 'sip:127.0.0.1:5997', qualify_frequency: '0' })
})

t.test('sip.conf: friends → devices, a peer with a register line → a registering trunk', async (t) => {
  const d = rec(records, 'device', '201')
  t.equal(d.fields.user, '103', 'mailbox 103@default → the user made from voicemail.conf')
  t.same(deviceSipPeer(d, rec(records, 'user', '103')), {
    name: '201', type: 'friend', host: 'dynamic', secret: 'carol-sip-201', context: 'from-internal', disallow: 'all', allow: 'ulaw',
    nat: 'force_rport,comedia', dtmfmode: 'rfc2833', qualify: 'yes', callerid: '"Carol Diaz" <201>', mailbox: '103@default', 'call-limit': '2'
  })
  t.equal((d.fields.sip as Record<string, string>)['call-limit'], '2', 'call-limit kept as an override (a "-" in the key)')
  const tr = rec(records, 'trunk', 'sipgate-out')
  t.match(tr.fields, { host: '127.0.0.1', port: 5996, register: true, username: '4930999', ips: ['127.0.0.1'] })
  t.equal(trunkSipPeer(tr)!.callbackextension, '4930999', 'registers through callbackextension, as the register line did')
  t.equal(trunkSipPeer(tr)!.directmedia, undefined)
})

t.test('sip.conf: a register line with a port other than 5060 is reported', async (t) => {
  const text = '[general]\nregister => u1:pw@10.0.0.9:5080/u1\n[prov]\ntype=peer\nhost=10.0.0.9\nport=5080\nsecret=pw\n'
  const r = migrateAsterisk([{ file: 'sip.conf', categories: parseConfCategories(text, 'sip.conf').categories }])
  t.match(r.records, [{ type: 'trunk', id: 'prov', host: '10.0.0.9', port: 5080, register: true, username: 'u1' }])
  t.match(r.unmapped.slice(1), [{ from: /register => …@10\.0\.0\.9:5080/, reason: /port 5080 cannot be kept/ }])
})

t.test('voicemail.conf → users; queues.conf → rows', async (t) => {
  const u = rec(records, 'user', '102.sales')
  t.same(voicemailRow(u), { uniqueid: voicemailRow(u)!.uniqueid, context: 'sales', mailbox: '102', password: '1234', fullname: 'Bob Jones', email: 'bob@example.com', pager: 'bob-pager@example.com', tz: 'central' })
  t.same(u.fields.extensions, [], 'no extensions invented')
  t.same(rec(records, 'row', 'queues/sales').fields, { family: 'queues', columns: { name: 'sales', strategy: 'rrmemory', timeout: '15', retry: '5', musicclass: 'default', announce_frequency: '30' } })
  const members = records.filter((r) => r.type === 'row' && (r as { family?: string }).family === 'queue_members')
  t.equal(members.length, 2)
  t.match(members[1], { columns: { queue_name: 'sales', interface: 'PJSIP/102', penalty: '5', membername: 'Bob Jones', state_interface: 'PJSIP/102', ringinuse: 'no' } })
  t.same(migrateAsterisk([load(join(FIX, 'asterisk-import', 'queues.conf'))]).records, records.filter((r) => r.type === 'row'), 'the same rows (uniqueid) on a second import')
})

t.test('node-local objects and problems are reported, never dropped silently', async (t) => {
  const text = formatReport(report)
  t.match(text, /transport transport-udp: a transport is node-local/)
  t.match(text, /\[general\]: node-local/)
  t.same(report.unmapped.filter((u) => /cannot be expressed|not modelled/.test(u.reason)), [], 'every record reproduces its objects')
  const odd = migrateAsterisk([{ file: 'sip.conf', categories: parseConfCategories('[p1]\ntype=friend\nhost=dynamic\n@body=x\n', 'sip.conf').categories }])
  t.match(odd.unmapped, [{ from: /friend p1/, reason: /sippeers\.@body: file "x", Federator \(unset\) \(cannot be expressed as an override\)/ }])
  const r = migrateAsterisk([{ file: 'pjsip.conf', categories: parseConfCategories('[ep1]\ntype=endpoint\naors=a1,a2\n[a1]\ntype=aor\n[a2]\ntype=aor\n[lost]\ntype=auth\n[bad id!]\ntype=endpoint\n').categories }])
  t.match(r.unmapped.map((u) => u.from + ': ' + u.reason), [/aors=a2: a record has one AOR/, /endpoint bad id!: the name is not a valid record id/, /aor a2: no endpoint uses it/, /auth lost: no endpoint uses it/])
})

t.test('the helpers: SIP URIs, register lines, #include errors', async (t) => {
  t.same(parseSipUri('sip:[2001:db8::1]:5070'), { host: '2001:db8::1', port: 5070 })
  t.same(parseSipUri('sip:100@pbx.example'), { host: 'pbx.example', user: '100' })
  t.equal(parseSipUri('sip:x;transport=tcp'), undefined)
  t.match(parseRegisterLine('tcp://user:pw:authu@host.example:5070/123~300', 'f:1'), { user: 'user', secret: 'pw', authuser: 'authu', host: 'host.example', port: 5070, extension: '123' })
  t.throws(() => parseConfCategories('#include nope.conf\n', 'a.conf', { include: () => undefined }), { code: 'FED_ERR_IMPORT_LINE' })
  t.throws(() => parseConfCategories('#include a.conf\n', 'a.conf', { include: () => ({ text: '#include a.conf\n', file: 'a.conf' }) }), { code: 'FED_ERR_IMPORT_LINE', message: /includes itself/ })
  t.same(parseConfCategories('#tryinclude nope.conf\n[a]\nx=1\n', 'a.conf', { include: () => undefined }).categories.length, 1)
})

t.test('Asterisk\'s own samples (configs/samples, branch 20) map without errors', async (t) => {
  const dir = join(FIX, 'asterisk-samples')
  const r = migrateAsterisk(['pjsip.conf.sample', 'sip.conf.sample', 'voicemail.conf.sample', 'queues.conf.sample'].map((f) => {
    const i = load(join(dir, f))
    return { ...i, kind: f.split('.')[0] as 'pjsip' }
  }))
  t.same(r.records.filter((x) => x.type === 'user').map((x) => x.id).sort(), ['1234', '1234.other'], 'the two sample mailboxes')
  t.ok(r.unmapped.some((u) => /\[general\]/.test(u.from)), 'sip.conf [general] reported as node-local')
  // the pjsip sample's examples are commented out: uncommented, they map too
  const text = readFileSync(join(dir, 'pjsip.conf.sample'), 'utf8').split('\n').slice(120, 440)
    .map((l) => /^;(\[[^\]]+\]|[a-z_]+=)/.test(l) ? l.slice(1) : l).join('\n')
  const p = migrateAsterisk([{ file: 'pjsip.conf', categories: parseConfCategories(text, 'pjsip.conf').categories }])
  t.same(p.records.map((x) => `${x.type} ${x.id}`).sort(), ['device 6001', 'device 6002', 'device 7000', 'provider mytrunk', 'trunk mytrunk'])
  t.match(rec(p.records, 'trunk', 'mytrunk').fields, { register: true, username: '1234567890', secret: '1234567890', codecs: ['ulaw'] })
  t.same(p.unmapped.filter((u) => /cannot be expressed|not modelled/.test(u.reason)), [], 'every mapped object is reproduced')
  t.equal(devicePjsipRows(rec(p.records, 'device', '6001'), undefined)!.ps_aors.contact, 'sip:6001@192.0.2.1:5060', 'a phone with a static contact keeps it')
})
