/**
 * Push mode's drift comparison: the pushed rows against what Asterisk 20.20.1 echoed for them over
 * ARI (the `held` values below were read from a real one: `GET /ari/asterisk/config/dynamic/res_pjsip/…`
 * right after the push; abridged to the attributes that matter, plus some of the defaults it adds).
 */
import t from 'tap'
import { devicePjsipRows, heldDiffers, sameHeldValue, trunkPjsipRows, type HeldField, type Row } from '../../src/index.js'

const fields = (o: Record<string, string | string[]>): HeldField[] =>
  Object.entries(o).flatMap(([attribute, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ attribute, value })))

// what Asterisk answered for a device pushed with these overrides
const PUSHED_ENDPOINT: Row = {
  id: 'alice-desk',
  aors: 'alice-desk,alice-x',
  auth: 'alice-desk',
  context: 'from-internal',
  disallow: 'all',
  allow: 'ulaw,alaw',
  direct_media: 'no',
  dtmf_mode: 'RFC4733',
  rtp_symmetric: 'yes',
  callerid: 'Al <100>',
  mailboxes: '100@default,101',
  identify_by: 'username',
  language: 'fr',
  rtp_timeout: '60',
  send_pai: 'true',
  set_var: 'A=1',
  tos_audio: 'ef',
  from_domain: 'Example.COM',
  media_encryption: 'no',
  t38_udptl: 'NO',
  permit: '10.0.0.0/8',
  deny: '0.0.0.0/0',
  direct_media_method: 'INVITE',
  named_call_group: 'a,b',
  accountcode: 'Acc 1'
}
const HELD_ENDPOINT = fields({
  aors: 'alice-desk,alice-x',
  auth: 'alice-desk',
  context: 'from-internal',
  allow: '(ulaw|alaw)',
  direct_media: 'false',
  dtmf_mode: 'rfc4733',
  rtp_symmetric: 'true',
  callerid: '"Al" <100>',
  mailboxes: '100@default,101',
  identify_by: 'username',
  language: 'fr',
  rtp_timeout: '60',
  send_pai: 'true',
  A: '1',
  tos_audio: '184',
  from_domain: 'Example.COM',
  media_encryption: 'no',
  t38_udptl: 'false',
  acl: 'deny/permit',
  direct_media_method: 'invite',
  named_call_group: 'a, b',
  accountcode: 'Acc 1',
  rpid_immediate: 'false',
  webrtc: 'no',
  transport: '',
  outbound_auth: ''
})

t.test('an endpoint as Asterisk echoes it: the same as pushed', async (t) => {
  t.same(heldDiffers(PUSHED_ENDPOINT, HELD_ENDPOINT), [])
})

t.test('a field changed behind the node\'s back is found, and only the attributes pushed are compared', async (t) => {
  const changed = HELD_ENDPOINT.map((f) => f.attribute === 'context' ? { ...f, value: 'elsewhere' } : f)
  t.same(heldDiffers(PUSHED_ENDPOINT, changed), ['context'])
  const lessCodecs = HELD_ENDPOINT.map((f) => f.attribute === 'allow' ? { ...f, value: '(ulaw)' } : f)
  t.same(heldDiffers(PUSHED_ENDPOINT, lessCodecs), ['allow'])
  const reordered = HELD_ENDPOINT.map((f) => f.attribute === 'allow' ? { ...f, value: '(alaw|ulaw)' } : f)
  t.same(heldDiffers(PUSHED_ENDPOINT, reordered), ['allow'], 'codec order is a preference: compared')
  const flipped = HELD_ENDPOINT.map((f) => f.attribute === 'direct_media' ? { ...f, value: 'true' } : f)
  t.same(heldDiffers(PUSHED_ENDPOINT, flipped), ['direct_media'])
  const other = HELD_ENDPOINT.map((f) => f.attribute === 'webrtc' ? { ...f, value: 'yes' } : f)
  t.same(heldDiffers(PUSHED_ENDPOINT, other), [], 'an option the node did not push is not its business')
  t.same(heldDiffers(PUSHED_ENDPOINT, changed, new Set(['context'])), [], 'an ignored attribute is not compared')
  t.same(heldDiffers({ id: 'x', password: 'pw-one' }, fields({ password: 'PW-ONE' })), ['password'], 'a password is compared as is')
  t.same(heldDiffers({ id: 'x', language: 'fr' }, fields({ language: '' })), ['language'], 'a value emptied behind the node\'s back')
})

t.test('the rows the projection makes, against Asterisk\'s echo of them', async (t) => {
  const d = devicePjsipRows({ id: 'd1', fields: { secret: 'pw', nat: true } }, { id: 'u', fields: { name: 'Alice', extensions: ['100'] } })!
  t.same(heldDiffers(d.ps_aors as Row, fields({ max_contacts: '1', remove_existing: 'true', qualify_frequency: '60', qualify_timeout: '3.000000', contact: '' })), [])
  t.same(heldDiffers(d.ps_auths as Row, fields({ auth_type: 'userpass', username: 'd1', password: 'pw', md5_cred: '', realm: '' })), [])
  const trunk = trunkPjsipRows({ id: 'prov', fields: { host: '127.0.0.9', ips: ['127.0.0.9', '10.1.2.3/8', '192.168.1.7/32', 'fe80::1'], secret: 'pw', register: true } })!
  const held = fields({
    match: ['127.0.0.9/255.255.255.255', '10.0.0.0/255.0.0.0', '192.168.1.7/255.255.255.255', 'fe80::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    endpoint: 'prov',
    srv_lookups: 'true'
  })
  t.same(heldDiffers(trunk.ps_endpoint_id_ips as Row, held), [], 'identify: one match field per entry, as net/mask')
  t.same(heldDiffers(trunk.ps_endpoint_id_ips as Row, held.slice(1)), ['match'], 'an address gone is found')
  t.same(heldDiffers(trunk.ps_registrations as Row, fields({
    server_uri: 'sip:127.0.0.9', client_uri: 'sip:prov@127.0.0.9', contact_user: 'prov', outbound_auth: 'prov', expiration: '3600',
    retry_interval: '60', forbidden_retry_interval: '600', max_retries: '10000', auth_rejection_permanent: 'false', line: 'true', endpoint: 'prov',
    transport: '', max_random_initial_delay: '10'
  })), [], 'registration: booleans and numbers as echoed')
})

t.test('single values', async (t) => {
  const row: Row = { disallow: 'all' }
  t.ok(sameHeldValue('qualify_timeout', '3', ['3.000000'], row), 'numbers')
  t.notOk(sameHeldValue('qualify_timeout', '3', ['4.000000'], row))
  t.ok(sameHeldValue('tos_audio', 'af41', ['136'], row), 'DSCP names')
  t.ok(sameHeldValue('tos_audio', '0xb8', ['184'], row), 'TOS in hex')
  t.ok(sameHeldValue('allow', 'G722, ULAW', ['(g722|ulaw)'], row), 'codec names in any case')
  t.ok(sameHeldValue('allow', '!g729,ulaw', ['(ulaw)'], { disallow: 'all' }), 'a list with negations is not compared')
  t.ok(sameHeldValue('allow', 'ulaw', ['(ulaw|alaw)'], {}), 'allow without disallow=all is not compared (Asterisk adds its defaults)')
  t.ok(sameHeldValue('match', 'sip.example.com', ['192.0.2.1/255.255.255.255'], row), 'a host name is resolved by Asterisk: not compared')
  t.ok(sameHeldValue('callerid', '"Alice" <100>', ['"Alice" <100>'], row))
  t.notOk(sameHeldValue('callerid', '"Alice" <100>', ['"Bob" <100>'], row))
  t.notOk(sameHeldValue('context', 'From-Internal', ['from-internal'], row), 'case matters but for the enums Asterisk lower-cases')
  t.ok(sameHeldValue('remove_existing', 'on', ['true'], row), 'every spelling Asterisk reads as true')
  t.notOk(sameHeldValue('media_encryption', 'no', ['sdes'], row))
})
