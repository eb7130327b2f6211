import t from 'tap'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import {
  PUSH_OBJECTS, amiContactColumn, asteriskContactId, contactFromAsterisk, devicePjsipRows, pushFields, pushOps, pushPath, sameRow, trunkPjsipRows, type Row, type RowsById
} from '../../src/index.js'

const obj = (family: string) => PUSH_OBJECTS.find((o) => o.family === family)!

t.test('paths and fields: the realtime row as an ARI body, id left out', async (t) => {
  t.equal(pushPath(obj('ps_endpoints'), 'alice desk'), 'asterisk/config/dynamic/res_pjsip/endpoint/alice%20desk')
  t.equal(pushPath(obj('ps_endpoint_id_ips'), 'prov'), 'asterisk/config/dynamic/res_pjsip/identify/prov', 'identify lives in res_pjsip\'s sorcery instance')
  const rows = devicePjsipRows({ id: 'd1', fields: { secret: 'pw' } }, undefined)!
  t.same(pushFields(rows.ps_auths!), [{ attribute: 'auth_type', value: 'userpass' }, { attribute: 'username', value: 'd1' }, { attribute: 'password', value: 'pw' }])
  t.same(pushFields({ id: 'x', a: '1', b: null, c: undefined }), [{ attribute: 'a', value: '1' }])
})

t.test('a new device: auth and AOR before its endpoint', async (t) => {
  const rows = devicePjsipRows({ id: 'd1', fields: { secret: 'pw' } }, undefined)! as unknown as RowsById
  t.same(pushOps(rows, {}).map((o) => `${o.op} ${o.object.type}`), ['put auth', 'put aor', 'put endpoint'])
  t.same(pushOps(rows, rows), [], 'nothing when Asterisk holds the same rows')
  t.same(pushOps(rows, rows, { force: true }).map((o) => `${o.op} ${o.object.type}`), ['put auth', 'put aor', 'put endpoint'], 'force: everything again')
})

t.test('a full push in two stages: every auth and AOR first, then the rest; each object once', async (t) => {
  const rows = trunkPjsipRows({ id: 'prov', fields: { host: 'sip.example.com', secret: 'pw', register: true } })! as unknown as RowsById
  const ops = (w: RowsById, p: RowsById, o: Parameters<typeof pushOps>[2]): string[] => pushOps(w, p, o).map((x) => `${x.op} ${x.object.type}`)
  t.same(ops(rows, {}, { force: true, stage: 'early' }), ['put auth', 'put aor'])
  t.same(ops(rows, {}, { force: true, stage: 'rest' }), ['put endpoint', 'put registration'])
  t.same([...ops(rows, rows, { force: true, stage: 'early' }), ...ops(rows, rows, { force: true, stage: 'rest' })], ops(rows, rows, { force: true }), 'the two stages together: the same operations as one')
  t.same(ops({}, rows, { stage: 'early' }), [], 'deletions are not early')
  t.same(ops({}, rows, { stage: 'rest' }), ['delete registration', 'delete endpoint', 'delete aor', 'delete auth'], 'they all go with the rest, endpoint first')
  t.same(ops({}, {}, { stray: true, stage: 'early' }), [], 'nor a stray\'s')
  const device = devicePjsipRows({ id: 'd1', fields: { secret: 'pw' } }, undefined)! as unknown as RowsById
  const changed = { ...device, ps_auths: { ...device.ps_auths, password: 'new' } } as RowsById
  t.same(ops(changed, device, { stage: 'rest' }), [], 'a changed auth is early, not rest')
  t.same(ops(changed, device, { stage: 'early' }), ['put auth'])
})

t.test('a deleted device: endpoint first; a stray endpoint: every type deleted', async (t) => {
  const rows = devicePjsipRows({ id: 'd1', fields: { secret: 'pw' } }, undefined)! as unknown as RowsById
  t.same(pushOps({}, rows).map((o) => `${o.op} ${o.object.type}`), ['delete endpoint', 'delete aor', 'delete auth'])
  t.same(pushOps({}, {}, { stray: true }).map((o) => `${o.op} ${o.object.type}`), ['delete registration', 'delete identify', 'delete endpoint', 'delete domain_alias', 'delete aor', 'delete auth'])
})

t.test('a trunk\'s outbound registration: pushed last, deleted first; a change recreates it (Asterisk acts on it only when created)', async (t) => {
  const rows = trunkPjsipRows({ id: 'prov', fields: { host: 'sip.example.com', secret: 'pw', register: true } })! as unknown as RowsById
  t.same(pushOps(rows, {}).map((o) => `${o.op} ${o.object.type}`), ['put auth', 'put aor', 'put endpoint', 'put registration'])
  t.same(pushOps({}, rows).map((o) => `${o.op} ${o.object.type}`), ['delete registration', 'delete endpoint', 'delete aor', 'delete auth'])
  t.equal(pushPath(obj('ps_registrations'), 'prov'), 'asterisk/config/dynamic/res_pjsip/registration/prov', 'registration lives in res_pjsip\'s sorcery instance')
  const changed = trunkPjsipRows({ id: 'prov', fields: { host: 'sip.example.com', secret: 'pw', register: true, username: 'acct' } })! as unknown as RowsById
  const reg = pushOps(changed, rows).find((o) => o.object.type === 'registration')
  t.match(reg, { op: 'put', recreate: true }, 'a changed registration is deleted and created')
  const auth = pushOps(changed, rows).find((o) => o.object.type === 'auth')
  t.match(auth, { op: 'put', recreate: false }, 'a changed auth is a plain PUT')
  t.match(pushOps(rows, rows, { force: true }).find((o) => o.object.type === 'registration'), { op: 'put', recreate: false }, 'forced with the same row: not recreated (the push compares with what Asterisk holds)')
})

t.test('a changed password: one put; a column that went away: recreate', async (t) => {
  const before = devicePjsipRows({ id: 'd1', fields: { secret: 'pw', callerId: '"A" <1>' } }, undefined)! as unknown as RowsById
  const after = devicePjsipRows({ id: 'd1', fields: { secret: 'pw2', callerId: '"A" <1>' } }, undefined)! as unknown as RowsById
  t.same(pushOps(after, before).map((o) => `${o.op} ${o.object.type}`), ['put auth'])
  const noCid = devicePjsipRows({ id: 'd1', fields: { secret: 'pw' } }, undefined)! as unknown as RowsById
  const ops = pushOps(noCid, before)
  t.same(ops.map((o) => `${o.op} ${o.object.type}`), ['put endpoint'])
  t.match(ops[0], { recreate: true }, 'callerid removed: Asterisk would keep it on a PUT')
  const noSecret = devicePjsipRows({ id: 'd1', fields: {} }, undefined)! as unknown as RowsById
  t.same(pushOps(noSecret, before).map((o) => `${o.op} ${o.object.type}`), ['put endpoint', 'delete auth'], 'the endpoint stops naming the auth before the auth goes')
})

const row = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.string({ minLength: 1, maxLength: 3 }), { maxKeys: 4 }).map((r) => ({ id: 'x', ...r }) as Row)
const rowsById = fc.record(Object.fromEntries(PUSH_OBJECTS.map((o) => [o.family, row])), { requiredKeys: [] }) as fc.Arbitrary<RowsById>

t.test('property: applying the ops to what was pushed gives what is wanted', async () => {
  fc.assert(fc.property(rowsById, rowsById, fc.boolean(), (wanted, pushed, force) => {
    const held: RowsById = { ...pushed }
    for (const op of pushOps(wanted, pushed, { force })) {
      if (op.op === 'delete') { delete held[op.object.family]; continue }
      const base = op.recreate || held[op.object.family] === undefined ? {} : held[op.object.family]!
      held[op.object.family] = { ...base, ...op.row } // Asterisk merges a PUT into the object it has
    }
    for (const o of PUSH_OBJECTS) {
      const w = wanted[o.family]
      const h = held[o.family]
      if ((w === undefined) !== (h === undefined)) return false
      if (w !== undefined && !sameRow(w, h!)) return false
    }
    return true
  }))
})

t.test('contacts: Asterisk\'s id, its fields and AMI\'s names as the realtime contact', async (t) => {
  const uri = 'sip:alice@127.0.0.1:5062'
  t.equal(asteriskContactId('alice', uri), 'alice;@' + createHash('md5').update(uri).digest('hex'))
  const c = contactFromAsterisk('alice;@abc', [{ attribute: 'uri', value: uri }, { attribute: 'expiration_time', value: '1796309585' }, { attribute: 'endpoint', value: 'alice' }, { attribute: 'via_port', value: '5062' }])
  t.match(c, { id: 'alice;@abc', aor: 'alice', uri, expiration_time: 1796309585, endpoint: 'alice', via_port: '5062' })
  t.throws(() => contactFromAsterisk('alice;@abc', [{ attribute: 'uri', value: uri }]), { code: 'FED_ERR_REALTIME_REQUEST' }, 'no expiration_time: not a contact')
  t.same(['ViaAddr', 'QualifyTimeout', 'Qualify2xxOnly', 'CallId', 'RegServer', 'ExpirationTime', 'Uri', 'UserAgent', 'OutboundProxy', 'AuthenticateQualify', 'PruneOnBoot'].map(amiContactColumn),
    ['via_addr', 'qualify_timeout', 'qualify_2xx_only', 'call_id', 'reg_server', 'expiration_time', 'uri', 'user_agent', 'outbound_proxy', 'authenticate_qualify', 'prune_on_boot'])
})
