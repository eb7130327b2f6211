/**
 * chan_sip registrations through a real Asterisk (examples/asterisk/chan_sip/: realtime peers,
 * `rtcachefriends=no`, `rtupdate=yes`) and one Federator node: a device created over REST
 * registers from its own 127.x address, `sip show peer <device> load` shows that address and the
 * node holds the registration; chan_sip answers a wrong password with 403 (PJSIP: 401); a password
 * changed over REST takes effect at the next REGISTER (nothing cached); unregister clears the
 * address on both sides; no lookup makes chan_sip warn about the rows (qualify).
 */
import t from 'tap'
import { asteriskOrSkip, freeLoopbackAddress, startAsterisk, startPhone } from './harness/index.js'
import { startCluster, waitFor, type ClusterNode } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

/** The node's sippeers row of a peer, as chan_sip reads it (`single name=…`). */
async function peerRow (node: ClusterNode, name: string): Promise<string> {
  const res = await fetch(`${node.url}/realtime/sippeers/single`, { method: 'POST', body: `name=${encodeURIComponent(name)}` })
  return await res.text()
}

if (install !== null) {
  t.test('a chan_sip phone registers through the node', async (t) => {
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null }) })
    const node = cluster.nodes[0]!
    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 'first-pw' })

    const ast = await startAsterisk(t, install, { stack: 'chan_sip', nodeUrl: node.url })
    const phone = await startPhone(t, { user: 'alice-desk', password: 'first-pw', registrar: ast.sipAddress, address: await freeLoopbackAddress() })
    const at = `${phone.address}:${phone.port}`

    t.equal((await phone.register(120)).status, 200, 'REGISTER with the right password: 200 OK')
    const shown = await ast.rx('sip show peer alice-desk load')
    t.match(shown, new RegExp(`Addr->IP\\s+: ${at.replaceAll('.', '\\.')}\\n`), `sip show peer: the phone's address ${at}`)
    t.match(shown, new RegExp(`Reg\\. Contact\\s+: ${phone.contactUri.replaceAll('.', '\\.')}\\n`), 'and its contact')
    t.match(await peerRow(node, 'alice-desk'), new RegExp(`&ipaddr=${phone.address.replaceAll('.', '\\.')}&port=${phone.port}&`), 'chan_sip wrote the registration to the node (rtupdate)')

    const wrong = await startPhone(t, { user: 'alice-desk', password: 'wrong', registrar: ast.sipAddress })
    t.equal((await wrong.register(120)).status, 403, 'a wrong password: 403 Forbidden (chan_sip; PJSIP answers 401)')
    const unknown = await startPhone(t, { user: 'nobody', password: 'x', registrar: ast.sipAddress })
    t.equal((await unknown.register(120)).status, 403, 'an unknown device: 403 as well (alwaysauthreject: a challenge first, like a known one)')

    // rtcachefriends=no: every REGISTER reads the peer from the node again
    await node.patch('devices', 'alice-desk', { secret: 'second-pw' })
    t.equal((await phone.register(120, 'first-pw')).status, 403, 'after a password change over REST the old password is refused at once')
    t.equal((await phone.register(120, 'second-pw')).status, 200, 'and the new one accepted')

    t.equal((await phone.register(0, 'second-pw')).status, 200, 'unregister (Expires: 0): 200 OK')
    await waitFor('the address to be cleared', async () => await ast.rx('sip show peer alice-desk load'), (s) => /Addr->IP\s+: \(null\)/.test(s))
    t.pass('sip show peer: no address')
    t.notMatch(await peerRow(node, 'alice-desk'), /ipaddr=/, 'the node dropped the registration')

    const warnings = ast.log().split('\n').filter((l) => /(WARNING|ERROR)\[\d+\][^:]*chan_sip\.c: /.test(l) && !/deprecated|chan_pjsip is recommended|wiki\.asterisk\.org/.test(l))
    t.same(warnings, [], 'no chan_sip warning about the rows (e.g. "Qualify is incompatible with dynamic uncached realtime")')
  })
}
