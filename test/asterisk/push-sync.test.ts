/**
 * Push mode with a real Asterisk started from examples/asterisk/pjsip-push/ (endpoint, auth, aor,
 * identify, domain_alias in the `memory` wizard) and one node (`--asterisk-mode push`):
 * - push: devices made before Asterisk starts are pushed when ARI connects; a phone registers;
 *   the objects carry exactly the realtime rows (the node's /realtime answers);
 * - change: a new password reaches Asterisk at once: the old one is refused (401), the new one works;
 *   a column that went away (an override removed) is gone from Asterisk too;
 * - delete: a deleted device is gone from Asterisk (its endpoint, auth and AOR), its phone is refused;
 * - drift: an object deleted behind the node's back (over ARI) comes back at the next drift check,
 *   and an endpoint created behind its back goes; both counted in /metrics;
 * - field drift: an endpoint's context and an auth's password changed over ARI behind the node's back
 *   come back; objects as pushed (their echo by Asterisk) are never taken for drift: once repaired,
 *   the repairs stop and no attribute was given up on.
 */
import t from 'tap'
import { asteriskOrSkip, startPhone } from './harness/index.js'
import { waitFor } from '../helpers/cluster.js'
import { ari, field, fullPushes, metrics, pushSetup } from './push-setup.js'

const install = asteriskOrSkip(t)

if (install !== null) {
  t.test('push, change, delete, drift repair', async (t) => {
    const s = await pushSetup(t, install)
    const { node } = s
    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 'pw-one', pjsip: { endpoint__language: 'fr' } })
    await node.put('devices', 'bob-desk', { secret: 'bob-pw' })
    await node.put('trunks', 'prov', { host: '127.0.0.9', ips: ['127.0.0.9'], secret: 'trunk-pw' })

    const ast = await s.startAsterisk()
    const m1 = await fullPushes(node, 1)
    t.ok((m1.federator_push_objects ?? 0) >= 10, `full push on connect: ${m1.federator_push_objects} objects`)
    t.match(await ast.rx('pjsip show endpoints'), /Endpoint:\s+alice-desk/, 'pjsip show endpoints lists the device')
    const rest = ari(s.httpPort)

    // exactly the realtime rows
    const rt = await (await fetch(`${node.url}/realtime/ps_endpoints/single`, { method: 'POST', body: 'id=alice-desk' })).text()
    t.match(rt, /callerid=%22Alice%22%20%3C100%3E/, 'realtime answers the caller id…')
    t.equal(await field(s.httpPort, 'endpoint', 'alice-desk', 'callerid'), '"Alice" <100>', '…and Asterisk holds the same')
    t.equal(await field(s.httpPort, 'endpoint', 'alice-desk', 'language'), 'fr', 'an override column is pushed')
    t.equal(await field(s.httpPort, 'identify', 'prov', 'match'), '127.0.0.9/255.255.255.255', 'the trunk\'s identify is pushed')
    t.equal(await field(s.httpPort, 'auth', 'prov', 'password'), 'trunk-pw', 'and its outbound auth')

    const phone = await startPhone(t, { user: 'alice-desk', password: 'pw-one', registrar: ast.sipAddress })
    t.equal((await phone.register(120)).status, 200, 'a phone registers against the pushed objects')

    // change
    const changedAt = Date.now()
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 'pw-two' })
    await waitFor('the new password in Asterisk', async () => await field(s.httpPort, 'auth', 'alice-desk', 'password'), (v) => v === 'pw-two', 5000, 5)
    t.comment(`password change visible in Asterisk after ${Date.now() - changedAt} ms`)
    t.equal((await phone.register(120, 'pw-one')).status, 401, 'the old password is refused')
    t.equal((await phone.register(120, 'pw-two')).status, 200, 'the new one works')
    await waitFor('the override gone', async () => await field(s.httpPort, 'endpoint', 'alice-desk', 'language'), (v) => v === '', 5000, 5)
    t.pass('an override removed: the column is gone from Asterisk (the endpoint was recreated)')

    // a new device, then delete it
    await node.put('devices', 'carol-desk', { secret: 'carol-pw' })
    const carol = await startPhone(t, { user: 'carol-desk', password: 'carol-pw', registrar: ast.sipAddress })
    await waitFor('carol pushed', async () => await field(s.httpPort, 'endpoint', 'carol-desk', 'aors'), (v) => v === 'carol-desk', 5000, 5)
    t.equal((await carol.register(120)).status, 200, 'a new device registers at once')
    await node.remove('devices', 'carol-desk')
    await waitFor('carol gone', async () => (await rest('GET', 'asterisk/config/dynamic/res_pjsip/endpoint/carol-desk')).status, (st) => st === 404, 5000, 5)
    // the node deletes a device's objects one after the other (endpoint first): wait for each
    await waitFor('carol\'s auth gone', async () => (await rest('GET', 'asterisk/config/dynamic/res_pjsip/auth/carol-desk')).status, (st) => st === 404, 5000, 5)
    t.pass('its auth is gone')
    await waitFor('carol\'s AOR gone', async () => (await rest('GET', 'asterisk/config/dynamic/res_pjsip/aor/carol-desk')).status, (st) => st === 404, 5000, 5)
    t.pass('its AOR is gone')
    t.equal((await carol.register(120)).status, 401, 'the deleted device is refused')

    // drift: delete behind the node's back, and add a stray endpoint
    const before = await metrics(node)
    t.equal((await rest('DELETE', 'asterisk/config/dynamic/res_pjsip/auth/bob-desk')).status, 204, 'bob-desk\'s auth deleted over ARI, behind the node\'s back')
    t.equal((await rest('DELETE', 'asterisk/config/dynamic/res_pjsip/endpoint/bob-desk')).status, 204, 'and its endpoint')
    t.equal((await rest('PUT', 'asterisk/config/dynamic/res_pjsip/endpoint/stray', { fields: [{ attribute: 'context', value: 'x' }] })).status, 200, 'a stray endpoint created')
    await waitFor('bob-desk back', async () => await field(s.httpPort, 'auth', 'bob-desk', 'password'), (v) => v === 'bob-pw', 10_000)
    await waitFor('bob-desk endpoint back', async () => await field(s.httpPort, 'endpoint', 'bob-desk', 'auth'), (v) => v === 'bob-desk', 10_000)
    await waitFor('the stray gone', async () => (await rest('GET', 'asterisk/config/dynamic/res_pjsip/endpoint/stray')).status, (st) => st === 404, 10_000)
    t.pass('the drift check put back what was deleted and deleted what the node does not have')
    const after = await metrics(node)
    t.ok((after.federator_push_drift_repairs_total ?? 0) - (before.federator_push_drift_repairs_total ?? 0) >= 2, `drift repairs counted (${after.federator_push_drift_repairs_total})`)
    t.ok((after.federator_push_drift_checks_total ?? 0) > (before.federator_push_drift_checks_total ?? 0), 'drift checks counted')
    t.equal(after.federator_push_errors_total, 0, 'no push errors')
    const bob = await startPhone(t, { user: 'bob-desk', password: 'bob-pw', registrar: ast.sipAddress })
    t.equal((await bob.register(120)).status, 200, 'the repaired device registers')

    // field drift: values changed over ARI behind the node's back
    const before2 = await metrics(node)
    t.equal((await rest('PUT', 'asterisk/config/dynamic/res_pjsip/endpoint/alice-desk', { fields: [{ attribute: 'context', value: 'elsewhere' }] })).status, 200, 'alice-desk\'s context changed over ARI')
    t.equal((await rest('PUT', 'asterisk/config/dynamic/res_pjsip/auth/bob-desk', { fields: [{ attribute: 'password', value: 'stolen' }] })).status, 200, 'bob-desk\'s password changed over ARI')
    t.equal(await field(s.httpPort, 'endpoint', 'alice-desk', 'context'), 'elsewhere', 'Asterisk holds the changed context for now')
    await waitFor('alice-desk\'s context back', async () => await field(s.httpPort, 'endpoint', 'alice-desk', 'context'), (v) => v === 'from-internal', 10_000)
    await waitFor('bob-desk\'s password back', async () => await field(s.httpPort, 'auth', 'bob-desk', 'password'), (v) => v === 'bob-pw', 10_000)
    t.pass('the drift check compared the fields and pushed the node\'s values again')
    t.equal((await bob.register(120, 'stolen')).status, 401, 'the password set behind the node\'s back is refused again')
    t.equal((await bob.register(120, 'bob-pw')).status, 200, 'the node\'s one works')
    const after2 = await metrics(node)
    t.ok(after2.federator_push_drift_repairs_total! - before2.federator_push_drift_repairs_total! >= 2, `field repairs counted (${after2.federator_push_drift_repairs_total! - before2.federator_push_drift_repairs_total!})`)
    // the objects as pushed are not drift: with every object read back at each check (every 500 ms), the repairs stop
    const checks = after2.federator_push_drift_checks_total!
    await waitFor('three more drift checks', async () => await metrics(node), (m) => m.federator_push_drift_checks_total! >= checks + 3, 10_000)
    const settled = await metrics(node)
    await waitFor('three more drift checks', async () => await metrics(node), (m) => m.federator_push_drift_checks_total! >= settled.federator_push_drift_checks_total! + 3, 10_000)
    const last = await metrics(node)
    t.equal(last.federator_push_drift_repairs_total, settled.federator_push_drift_repairs_total, 'no repair of objects Asterisk holds as pushed (its echo of every pushed attribute is understood)')
    t.equal(last.federator_push_drift_uncompared_attributes, 0, 'and no attribute was given up on')
    t.equal(last.federator_push_errors_total, 0, 'no push errors')
  })
}
