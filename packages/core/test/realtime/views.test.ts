import t from 'tap'
import {
  deviceSipPeer, devicePjsipRows, encodeSingle, mailboxSpec, parseUpdate, sipRegsRow, tableSchema, trunkPjsipRows, trunkSipPeer,
  validateRecord, voicemailPatch, voicemailRow, voicemailUniqueId, type DeviceRecord, type RecordLike, type TrunkRecord, type UserRecord
} from '../../src/index.js'

const rec = <T extends object>(type: 'user' | 'device' | 'trunk', id: string, fields: T): RecordLike => {
  validateRecord(type, fields)
  return { id, fields: fields as Record<string, unknown> }
}
const alice = rec<UserRecord>('user', 'alice', { name: 'Alice Smith', extensions: ['100', '1100'], email: 'alice@example.com', voicemail: { pin: '1234' } })
const phone = rec<DeviceRecord>('device', 'alice-desk', { user: 'alice', secret: 's3cr3t', nat: true })

t.test('a device yields endpoint, AOR and auth (every default)', async (t) => {
  const rows = devicePjsipRows(phone, alice)!
  t.same(rows.ps_endpoints, {
    id: 'alice-desk', aors: 'alice-desk', auth: 'alice-desk', context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw',
    direct_media: 'no', dtmf_mode: 'rfc4733', rtp_symmetric: 'yes', force_rport: 'yes', rewrite_contact: 'yes',
    callerid: '"Alice Smith" <100>', mailboxes: '100@default', identify_by: 'username'
  })
  t.same(rows.ps_aors, { id: 'alice-desk', max_contacts: '1', remove_existing: 'yes', qualify_frequency: '60' })
  t.same(rows.ps_auths, { id: 'alice-desk', auth_type: 'userpass', username: 'alice-desk', password: 's3cr3t' })
  t.equal(encodeSingle(rows.ps_auths), 'id=alice-desk&auth_type=userpass&username=alice-desk&password=s3cr3t\n')
})

t.test('device fields map to their columns', async (t) => {
  const d = rec<DeviceRecord>('device', 'bob', {
    username: 'bob-auth', ha1: '0123456789abcdef0123456789abcdef', realm: 'pbx.example', context: 'sales', codecs: ['opus', 'g722'],
    transport: 'transport-tls', nat: false, dtmf: 'info', maxContacts: 3, callerId: '"Bob" <200>'
  })
  const rows = devicePjsipRows(d, undefined, { qualifyFrequency: 0 })!
  t.same(rows.ps_endpoints, {
    id: 'bob', aors: 'bob', auth: 'bob', context: 'sales', disallow: 'all', allow: 'opus,g722', transport: 'transport-tls',
    direct_media: 'no', dtmf_mode: 'info', rtp_symmetric: 'no', force_rport: 'no', rewrite_contact: 'no', callerid: '"Bob" <200>', identify_by: 'username'
  })
  t.same(rows.ps_auths, { id: 'bob', auth_type: 'md5', username: 'bob-auth', md5_cred: '0123456789abcdef0123456789abcdef', realm: 'pbx.example' })
  t.same(rows.ps_aors, { id: 'bob', max_contacts: '3', remove_existing: 'yes' }, 'no qualify when the frequency is 0')
  const open = devicePjsipRows(rec<DeviceRecord>('device', 'lobby', {}), undefined)!
  t.equal(open.ps_auths, undefined, 'no credentials, no auth')
  t.equal(open.ps_endpoints.auth, undefined)
  t.equal(open.ps_endpoints.callerid, undefined)
  t.equal(open.ps_endpoints.rtp_symmetric, undefined, 'nat unset: Asterisk defaults')
  t.equal(devicePjsipRows(rec<DeviceRecord>('device', 'off', { enabled: false, secret: 'x' }), undefined), undefined, 'disabled: no rows')
})

t.test('caller id and mailbox from the user', async (t) => {
  const u = (f: UserRecord): RecordLike => rec('user', 'u', f)
  const cid = (f: UserRecord): string | undefined => devicePjsipRows(phone, u(f))!.ps_endpoints.callerid
  t.equal(cid({ name: 'Eve "the" <Boss>', extensions: ['7'] }), '"Eve the Boss" <7>')
  t.equal(cid({ name: 'No Number', extensions: [] }), '"No Number"')
  t.equal(mailboxSpec(u({ name: 'x', extensions: ['7'], voicemail: { context: 'office', mailbox: '700' } })), '700@office')
  t.equal(mailboxSpec(u({ name: 'x', extensions: ['7'], voicemail: { enabled: false } })), undefined)
  t.equal(mailboxSpec(u({ name: 'x', extensions: [], voicemail: {} })), undefined, 'no mailbox number, no mailbox')
  t.equal(mailboxSpec(u({ name: 'x', extensions: ['7'] })), undefined, 'no voicemail object, no mailbox')
})

t.test('pjsip overrides reach any column of any object', async (t) => {
  const d = rec<DeviceRecord>('device', 'carol', {
    secret: 'pw',
    pjsip: { direct_media: 'yes', webrtc: 'yes', max_contacts: '5', outbound_proxy: 'sip:proxy', aor__qualify_frequency: '0', auth__realm: 'r', dtmf_mode: '', id: 'evil', future_option: 'x' }
  })
  const rows = devicePjsipRows(d, undefined)!
  t.equal(rows.ps_endpoints.direct_media, 'yes')
  t.equal(rows.ps_endpoints.webrtc, 'yes')
  t.equal(rows.ps_endpoints.dtmf_mode, undefined, 'an empty override removes the column')
  t.equal(rows.ps_endpoints.id, 'carol', 'ids cannot be overridden')
  t.equal(rows.ps_endpoints.future_option, 'x', 'unknown columns go to the endpoint')
  t.equal(rows.ps_aors.max_contacts, '5', 'a column of the AOR')
  t.equal(rows.ps_endpoints.outbound_proxy, 'sip:proxy', 'a column of several objects: all of them')
  t.equal(rows.ps_aors.outbound_proxy, 'sip:proxy')
  t.equal(rows.ps_aors.qualify_frequency, '0', '<object>__<column>')
  t.equal(rows.ps_auths!.realm, 'r')
  t.equal(rows.ps_endpoints.max_contacts, undefined)
})

const carrier = rec<TrunkRecord>('trunk', 'carrier', {
  host: 'sip.carrier.example', port: 5080, transport: 'transport-udp', register: true, username: '4930123', secret: 'tr-pw',
  fromDomain: 'carrier.example', ips: ['192.0.2.10', '192.0.2.0/28'], codecs: ['alaw'], context: 'pstn-in'
})

t.test('a trunk yields endpoint, outbound auth, AOR with contact, identify and registration', async (t) => {
  const rows = trunkPjsipRows(carrier)!
  t.same(rows.ps_endpoints, {
    id: 'carrier', aors: 'carrier', context: 'pstn-in', disallow: 'all', allow: 'alaw', transport: 'transport-udp', outbound_auth: 'carrier',
    from_domain: 'carrier.example', direct_media: 'no', dtmf_mode: 'rfc4733', identify_by: 'ip'
  })
  t.same(rows.ps_auths, { id: 'carrier', auth_type: 'userpass', username: '4930123', password: 'tr-pw' })
  t.same(rows.ps_aors, { id: 'carrier', contact: 'sip:sip.carrier.example:5080', qualify_frequency: '60' })
  t.same(rows.ps_endpoint_id_ips, { id: 'carrier', endpoint: 'carrier', match: '192.0.2.10,192.0.2.0/28' })
  t.same(rows.ps_registrations, {
    id: 'carrier', server_uri: 'sip:sip.carrier.example:5080', client_uri: 'sip:4930123@sip.carrier.example:5080', contact_user: '4930123',
    outbound_auth: 'carrier', transport: 'transport-udp', expiration: '3600', retry_interval: '60', forbidden_retry_interval: '600',
    max_retries: '10000', auth_rejection_permanent: 'no', line: 'yes', endpoint: 'carrier'
  })
  for (const [family, row] of Object.entries(rows)) {
    const cols = tableSchema(family)!.columns
    t.same(Object.keys(row).filter((c) => !Object.hasOwn(cols, c)), [], `${family}: only Asterisk's columns`)
  }
})

t.test('trunk variants', async (t) => {
  const v6 = trunkPjsipRows(rec<TrunkRecord>('trunk', 'v6', { host: '2001:db8::1' }))!
  t.equal(v6.ps_aors.contact, 'sip:[2001:db8::1]')
  t.equal(v6.ps_registrations, undefined)
  t.equal(v6.ps_endpoint_id_ips, undefined)
  t.equal(v6.ps_auths, undefined)
  const peer = trunkPjsipRows(rec<TrunkRecord>('trunk', 'branch', { secret: 'x', ips: ['10.1.1.1'] }))!
  t.same([peer.ps_endpoints.auth, peer.ps_endpoints.outbound_auth, peer.ps_endpoints.identify_by, peer.ps_aors.max_contacts, peer.ps_aors.contact],
    ['branch', 'branch', 'username,ip', '1', undefined], 'a trunk without host: the other PBX registers to us')
  const local = rec<TrunkRecord>('trunk', 'local', { host: 'h', nodes: ['pbx-a'] })
  t.ok(trunkPjsipRows(local, { node: 'pbx-a' }))
  t.equal(trunkPjsipRows(local, { node: 'pbx-b' }), undefined, 'not served on a node outside `nodes`')
  t.equal(trunkPjsipRows(rec<TrunkRecord>('trunk', 'off', { host: 'h', enabled: false })), undefined)
  const o = trunkPjsipRows(rec<TrunkRecord>('trunk', 'o', { host: 'h', register: true, username: 'u', pjsip: { registration__expiration: '600', identify_by: 'ip,header' } }))!
  t.equal(o.ps_registrations!.expiration, '600')
  t.equal(o.ps_endpoints.identify_by, 'ip,header')
})

t.test('chan_sip peers from devices and trunks, with registration columns', async (t) => {
  const reg = { name: 'alice-desk', ipaddr: '198.51.100.7', port: 5062, regseconds: 1795686316, fullcontact: 'sip:alice@198.51.100.7:5062', useragent: 'Zoiper', defaultuser: 'alice-desk', lastms: '12' }
  t.same(deviceSipPeer(phone, alice, reg), {
    name: 'alice-desk', type: 'friend', host: 'dynamic', secret: 's3cr3t', context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw',
    nat: 'force_rport,comedia', directmedia: 'no', dtmfmode: 'rfc2833', callerid: '"Alice Smith" <100>', mailbox: '100@default',
    ipaddr: '198.51.100.7', port: '5062', regseconds: '1795686316', fullcontact: 'sip:alice@198.51.100.7:5062', useragent: 'Zoiper', defaultuser: 'alice-desk', lastms: '12'
  })
  const plain = deviceSipPeer(rec<DeviceRecord>('device', 'd', { ha1: '0123456789abcdef0123456789abcdef', transport: 'tcp', dtmf: 'auto_info', sip: { 'callcounter': 'yes', nat: '' } }), undefined)!
  t.same(plain, { name: 'd', type: 'friend', host: 'dynamic', md5secret: '0123456789abcdef0123456789abcdef', context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw', transport: 'tcp', directmedia: 'no', dtmfmode: 'auto', callcounter: 'yes' })
  t.same(trunkSipPeer(carrier), {
    name: 'carrier', type: 'peer', host: 'sip.carrier.example', port: '5080', defaultuser: '4930123', secret: 'tr-pw', fromdomain: 'carrier.example',
    context: 'pstn-in', insecure: 'port,invite', disallow: 'all', allow: 'alaw', directmedia: 'no', dtmfmode: 'rfc2833', callbackextension: '4930123'
  })
  // chan_sip 20.20.1 with rtcachefriends=no turns qualify off on every realtime peer, warning at each lookup
  t.same([deviceSipPeer(phone, alice)!.qualify, trunkSipPeer(carrier)!.qualify], [undefined, undefined], 'no qualify for uncached peers (rtcachefriends=no)')
  const cached = { sipCacheFriends: true }
  t.same([deviceSipPeer(phone, alice, undefined, cached)!.qualify, deviceSipPeer(phone, alice, undefined, cached)!.qualifyfreq], ['yes', '60'], 'rtcachefriends=yes: qualify')
  t.same([trunkSipPeer(carrier, undefined, cached)!.qualify, trunkSipPeer(carrier, undefined, { ...cached, qualifyFrequency: 30 })!.qualifyfreq], ['yes', '30'])
  t.equal(deviceSipPeer(phone, alice, undefined, { ...cached, qualifyFrequency: 0 })!.qualify, undefined, 'frequency 0: off')
  t.equal(deviceSipPeer(rec<DeviceRecord>('device', 'q', { sip: { qualify: 'yes' } }), undefined)!.qualify, 'yes', 'a device override still sets it')
  t.equal(trunkSipPeer(rec<TrunkRecord>('trunk', 'iponly', { ips: ['10.0.0.0/8', '192.0.2.5'] }))!.host, '192.0.2.5', 'a plain IP serves as host')
  t.same(sipRegsRow('alice-desk', reg), { name: 'alice-desk', ipaddr: '198.51.100.7', port: '5062', regseconds: '1795686316', fullcontact: 'sip:alice@198.51.100.7:5062', useragent: 'Zoiper', defaultuser: 'alice-desk', lastms: '12' })
  t.same(sipRegsRow('bob'), { name: 'bob' })
  const cols = tableSchema('sippeers')!.columns
  t.same(Object.keys(deviceSipPeer(phone, alice, reg)!).filter((c) => !Object.hasOwn(cols, c)), [])
})

t.test('voicemail rows and the password change', async (t) => {
  t.same(voicemailRow(alice), { uniqueid: voicemailUniqueId('alice'), context: 'default', mailbox: '100', password: '1234', fullname: 'Alice Smith', email: 'alice@example.com' })
  t.match(voicemailUniqueId('alice'), /^[1-9][0-9]{0,9}$/)
  t.not(voicemailUniqueId('alice'), voicemailUniqueId('bob'))
  const u = rec<UserRecord>('user', 'dan', { name: 'Dan', extensions: ['300'], voicemail: { mailbox: '3000', context: 'office', email: 'vm@x', attach: true, options: { saycid: 'yes', maxmsg: '50', mailbox: 'nope' } } })
  t.same(voicemailRow(u), { uniqueid: voicemailUniqueId('dan'), context: 'office', mailbox: '3000', fullname: 'Dan', email: 'vm@x', attach: 'yes', saycid: 'yes', maxmsg: '50' })
  t.equal(voicemailRow(rec<UserRecord>('user', 'e', { name: 'E', extensions: ['1'] })), undefined)
  const upd = parseUpdate('&context=defaultmailbox=100', '&password=9876', tableSchema('voicemail'))
  const patch = voicemailPatch(alice, upd.set)
  t.same(patch, { voicemail: { pin: '9876' } })
  validateRecord('user', { ...alice.fields, ...patch })
  t.same(voicemailPatch(u, [{ column: 'fullname', value: 'Daniel', truncated: false }, { column: 'attach', value: 'no', truncated: false }, { column: 'pager', value: 'p@x', truncated: false }]),
    { name: 'Daniel', voicemail: { mailbox: '3000', context: 'office', email: 'vm@x', attach: false, options: { saycid: 'yes', maxmsg: '50', mailbox: 'nope', pager: 'p@x' } } })
  try { voicemailPatch(alice, [{ column: 'mailbox', value: '1', truncated: false }]); t.fail() } catch (err) { t.equal((err as { code: string }).code, 'FED_ERR_VALIDATION') }
})

t.test('views read unvalidated fields defensively', async (t) => {
  const weird: RecordLike = { id: 'w', fields: { secret: 42, codecs: 'ulaw', nat: 'yes', maxContacts: '3', pjsip: ['x'], user: 7 } }
  const rows = devicePjsipRows(weird, { id: 'u', fields: { name: null, extensions: 'x' } })!
  t.same(rows.ps_endpoints, { id: 'w', aors: 'w', context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw', direct_media: 'no', dtmf_mode: 'rfc4733', identify_by: 'username' })
  t.same(rows.ps_aors, { id: 'w', max_contacts: '1', remove_existing: 'yes', qualify_frequency: '60' })
})
