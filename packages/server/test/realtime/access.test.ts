/**
 * Access to the realtime API: basic auth (res_curl.conf userpwd) and the IP
 * allow-list. A refused request still gets HTTP 200 (an error page would be
 * parsed by Asterisk as a row) with nothing or -1, and is counted.
 */
import t from 'tap'
import { accessCheck, allowList } from '../../src/realtime/index.js'
import { rtHarness, snapshot } from './harness.js'

const basic = (s: string): string => 'Basic ' + Buffer.from(s).toString('base64')

t.test('basic auth: libcurl\'s pre-emptive Authorization header', async (t) => {
  const h = await rtHarness(t, { access: { auth: 'asterisk:s3cr3t' } })
  await h.write({ op: 'create', type: 'device', id: 'alice', fields: { secret: 'x' } })
  const ok = await h.rt('ps_auths', 'single', 'id=alice', undefined, { authorization: basic('asterisk:s3cr3t') })
  t.same(ok, { status: 200, body: 'id=alice&auth_type=userpass&username=alice&password=x\n' })
  t.same(await h.rt('ps_auths', 'single', 'id=alice'), { status: 200, body: '' }, 'no credentials')
  t.same(await h.rt('ps_auths', 'single', 'id=alice', undefined, { authorization: basic('asterisk:wrong') }), { status: 200, body: '' }, 'wrong password')
  t.same(await h.rt('ps_auths', 'single', 'id=alice', undefined, { authorization: 'Bearer s3cr3t' }), { status: 200, body: '' }, 'not basic')
  const before = snapshot(h.store)
  t.same(await h.rt('queues', 'store', 'name=q&strategy=x', undefined, { authorization: basic('asterisk:wrong') }), { status: 200, body: '-1\n' }, 'a refused write answers -1')
  t.same(snapshot(h.store), before)
  t.equal(h.refused('unauthorized'), 4)
  const st = await h.app.inject({ method: 'GET', url: '/realtime/static?file=queues.conf' })
  t.same([st.statusCode, st.body], [200, ''], 'static too')
  t.equal(h.refused('unauthorized'), 5)
})

t.test('allow-list: addresses and CIDR blocks, IPv4-mapped IPv6 counts as IPv4', async (t) => {
  const h = await rtHarness(t, { access: { allow: ['127.0.0.1', '10.1.0.0/16', '2001:db8::/32'] } })
  await h.write({ op: 'create', type: 'device', id: 'alice', fields: { secret: 'x' } })
  const from = async (remoteAddress: string): Promise<string> =>
    (await h.app.inject({ method: 'POST', url: '/realtime/ps_auths/single', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'id=alice' })).body
  const row = 'id=alice&auth_type=userpass&username=alice&password=x\n'
  t.equal(await from('127.0.0.1'), row)
  t.equal(await from('::ffff:127.0.0.1'), row)
  t.equal(await from('10.1.200.3'), row)
  t.equal(await from('2001:db8:1::5'), row)
  t.equal(await from('10.2.0.1'), '')
  t.equal(await from('192.0.2.1'), '')
  t.equal(await from('::1'), '')
  t.equal(h.refused('forbidden'), 3)
})

t.test('both, and bad settings are configuration errors', async (t) => {
  const check = accessCheck({ auth: 'u:p', allow: ['127.0.0.0/8'] })!
  t.equal(check('127.0.0.9', basic('u:p')), undefined)
  t.equal(check('192.0.2.1', basic('u:p')), 'forbidden')
  t.equal(check('127.0.0.1', basic('u:x')), 'unauthorized')
  t.equal(check(undefined, basic('u:p')), 'forbidden')
  t.equal(accessCheck({}), undefined, 'no settings: open (the listen address protects it)')
  t.equal(accessCheck({ allow: [] }), undefined)
  for (const bad of ['localhost', '10.0.0.0/33', '1.2.3.4/x', '::1/129', '1.2.3.4/8/8']) {
    t.throws(() => allowList([bad]), { code: 'FED_ERR_CONFIG' }, bad)
  }
  t.throws(() => accessCheck({ auth: 'nocolon' }), { code: 'FED_ERR_CONFIG' })
})
