/**
 * A trunk this node's Asterisk does not use (disabled, or restricted to other nodes) yields no
 * endpoint, AOR, identify or registration, but still its auth: a real Asterisk (20.20) un-REGISTERs
 * a registration that went away at its next reload, the provider challenges that request, and
 * without the auth object the provider keeps the binding (docs/asterisk.md "Provider trunks").
 */
import t from 'tap'
import { rtHarness } from './harness.js'

const TRUNK = { host: '192.0.2.50', register: true, username: 'acct7', secret: 'pw-7', pjsip: { auth__realm: 'carrier' } }

t.test('a disabled trunk keeps only its auth', async (t) => {
  const { rt, write } = await rtHarness(t, { projection: { node: 'a' } })
  await write({ op: 'create', type: 'trunk', id: 'carrier', fields: TRUNK })
  const auth = 'id=carrier&auth_type=userpass&username=acct7&password=pw-7&realm=carrier\n'
  t.equal((await rt('ps_auths', 'single', 'id=carrier')).body, auth, 'served and used: the auth')
  t.match((await rt('ps_registrations', 'single', 'id=carrier')).body, /^id=carrier&server_uri=sip%3A192\.0\.2\.50&/, 'and the registration')

  await write({ op: 'patch', type: 'trunk', id: 'carrier', set: { enabled: false } })
  t.equal((await rt('ps_auths', 'single', 'id=carrier')).body, auth, 'disabled: the auth is still served (overrides included)')
  t.equal((await rt('ps_auths', 'multi', 'id%20LIKE=%25')).body, auth, 'also to a scan')
  for (const family of ['ps_endpoints', 'ps_aors', 'ps_registrations']) {
    t.equal((await rt(family, 'single', 'id=carrier')).body, '', `no ${family} row`)
    t.equal((await rt(family, 'multi', 'id%20LIKE=%25')).body, '', `no ${family} row in a scan`)
  }

  await write({ op: 'delete', type: 'trunk', id: 'carrier' })
  t.equal((await rt('ps_auths', 'single', 'id=carrier')).body, '', 'deleted: nothing')
})

t.test('a trunk of other nodes keeps only its auth here', async (t) => {
  const { rt, write } = await rtHarness(t, { projection: { node: 'a' } })
  await write({ op: 'create', type: 'trunk', id: 'far', fields: { ...TRUNK, nodes: ['b'] } })
  t.match((await rt('ps_auths', 'single', 'id=far')).body, /^id=far&auth_type=userpass&username=acct7&password=pw-7/, 'the auth')
  t.equal((await rt('ps_registrations', 'single', 'id=far')).body, '', 'no registration')
  t.equal((await rt('ps_endpoints', 'single', 'id=far')).body, '', 'no endpoint')

  await write({ op: 'create', type: 'trunk', id: 'no-secret', fields: { host: '192.0.2.51', enabled: false } })
  t.equal((await rt('ps_auths', 'single', 'id=no-secret')).body, '', 'a trunk without a secret has no auth to keep')
})
