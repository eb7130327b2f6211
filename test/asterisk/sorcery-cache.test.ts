/**
 * Realtime mode with a sorcery memory cache (docs/asterisk.md): the node, given AMI, expires the
 * cached endpoint/auth/aor of a device whose record changes, so a password changed over REST
 * applies at the next REGISTER although the cache's lifetime is an hour.
 */
import t from 'tap'
import { asteriskOrSkip, CACHED_SORCERY, startAsterisk, startPhone } from './harness/index.js'
import { freeTcpPort, startCluster, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)


if (install !== null) {
  t.test('a changed password applies at once through an hour-long sorcery cache', async (t) => {
    const amiPort = await freeTcpPort()
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null, args: ['--ami', `127.0.0.1:${amiPort}`, '--ami-user', 'federator:federator'] }) })
    const node = cluster.nodes[0]!
    await node.put('devices', 'cached-desk', { secret: 'first-pw' })
    const ast = await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url, amiPort, files: { 'sorcery.conf': CACHED_SORCERY } })

    const first = await startPhone(t, { user: 'cached-desk', password: 'first-pw', registrar: ast.sipAddress })
    t.equal((await first.register(120)).status, 200, 'registers with the first password')
    t.match(await ast.rx('sorcery memory cache dump federator_auth'), /cached-desk/, 'the auth is in Asterisk\'s cache')

    await node.patch('devices', 'cached-desk', { secret: 'second-pw' })
    await waitFor('the auth expired from the cache', async () => await ast.rx('sorcery memory cache dump federator_auth'), (s) => !s.includes('cached-desk'))
    t.pass('the node expired the cached auth over AMI')
    const old = await startPhone(t, { user: 'cached-desk', password: 'first-pw', registrar: ast.sipAddress })
    t.equal((await old.register(120)).status, 401, 'the old password is refused at once')
    const second = await startPhone(t, { user: 'cached-desk', password: 'second-pw', registrar: ast.sipAddress })
    t.equal((await second.register(120)).status, 200, 'the new password registers')
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    t.match(metrics, /federator_sorcery_cache_expired_objects_total [1-9]/, '/metrics counts the expiries')
    // the device was made before Asterisk ran: that first expiry failed (AMI refused the connection), counted
    t.match(metrics, /federator_sorcery_cache_expiry_failures_total 3\n/, 'the expiries tried before Asterisk started are counted as failures')
  })
}
