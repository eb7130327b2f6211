/**
 * PJSIP registrations through a real Asterisk (examples/asterisk/pjsip/) and one Federator node:
 * a device created over REST registers with digest auth, `pjsip show contacts` lists it, qualify
 * keeps it Avail, unregister removes it; a wrong password and an unknown device get 401.
 */
import t from 'tap'
import { asteriskOrSkip, startAsterisk, startPhone } from './harness/index.js'
import { startCluster, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

if (install !== null) {
  t.test('a PJSIP phone registers through the node', async (t) => {
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null }) })
    const node = cluster.nodes[0]!
    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    // qualify every 2 s (an override column) so the test sees Asterisk's OPTIONS quickly
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 's3cret-pw', pjsip: { aor__qualify_frequency: '2' } })

    const ast = await startAsterisk(t, install, {
      stack: 'pjsip',
      nodeUrl: node.url
    })
    const phone = await startPhone(t, { user: 'alice-desk', password: 's3cret-pw', registrar: ast.sipAddress })

    const ok = await phone.register(120)
    t.equal(ok.status, 200, 'REGISTER with the right password: 200 OK')
    const contacts = await waitFor('pjsip show contacts', async () => await ast.rx('pjsip show contacts'), (s) => s.includes(phone.contactUri))
    t.match(contacts, new RegExp(`alice-desk/${phone.contactUri.replace(/[.]/g, '\\.')}`), 'the contact is listed under its AOR')
    await waitFor('qualify: Avail', async () => await ast.rx('pjsip show contacts'), (s) => /alice-desk\/\S+\s+\S+\s+Avail/.test(s))
    t.ok(phone.options.length > 0, 'Asterisk qualified the phone with OPTIONS, and it is Avail')

    const wrong = await startPhone(t, { user: 'alice-desk', password: 'wrong', registrar: ast.sipAddress })
    t.equal((await wrong.register(120)).status, 401, 'a wrong password: 401')
    const unknown = await startPhone(t, { user: 'nobody', password: 'x', registrar: ast.sipAddress })
    t.equal((await unknown.register(120)).status, 401, 'an unknown device: 401')

    const gone = await phone.unregister()
    t.equal(gone.status, 200, 'unregister: 200 OK')
    await waitFor('the contact to go', async () => await ast.rx('pjsip show contacts'), (s) => !s.includes(phone.contactUri))
    t.pass('pjsip show contacts no longer lists it')
  })
}
