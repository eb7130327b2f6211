/**
 * Outbound registrations in push mode, with a real Asterisk started from examples/asterisk/pjsip-push/
 * (`registration = memory`) and a provider's registrar played by a UDP socket of the test (it answers
 * every REGISTER 200 and records the contact user and expiry):
 * - a trunk with `register: true` pushed at the connect: Asterisk REGISTERs to the provider;
 * - its account changed on the node: the registration is recreated — the old binding un-REGISTERed
 *   (Expires: 0), the new one REGISTERed (a PUT alone would change the object, not the registration);
 * - the node restarted: its full push finds the registration as it wants it and leaves it alone
 *   (no un-REGISTER);
 * - the trunk deleted: un-REGISTERed, gone from `pjsip show registrations`.
 */
import t, { type Test } from 'tap'
import dgram from 'node:dgram'
import { asteriskOrSkip, freeLoopbackAddress, header, parseSip } from './harness/index.js'
import { waitFor } from '../helpers/cluster.js'
import { field, fullPushes, metrics, pushSetup } from './push-setup.js'

const install = asteriskOrSkip(t)

interface Seen { user: string, expires: number }

/** A provider's registrar: every REGISTER answered 200 (its Contact and Expires echoed), recorded. */
async function registrar (t: Test): Promise<{ address: string, seen: Seen[] }> {
  const address = await freeLoopbackAddress()
  const seen: Seen[] = []
  const sock = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => sock.bind(5060, address, resolve))
  t.teardown(() => sock.close())
  sock.on('message', (buf, rinfo) => {
    const m = parseSip(buf.toString('utf8'), { address: rinfo.address, port: rinfo.port })
    if (m.method !== 'REGISTER') return
    const contact = header(m, 'Contact') ?? ''
    const expires = Number(header(m, 'Expires') ?? /expires=(\d+)/.exec(contact)?.[1] ?? 3600)
    seen.push({ user: /sip:([^@]+)@/.exec(contact)?.[1] ?? '', expires })
    const vias = m.headers.filter(([k]) => k.toLowerCase() === 'via').map(([, v]) => `Via: ${v}`)
    const reply = [
      'SIP/2.0 200 OK', ...vias, `From: ${header(m, 'From') ?? ''}`, `To: ${header(m, 'To') ?? ''};tag=reg1`,
      `Call-ID: ${header(m, 'Call-ID') ?? ''}`, `CSeq: ${header(m, 'CSeq') ?? ''}`,
      ...(expires > 0 ? [`Contact: ${contact};expires=${expires}`] : []), `Expires: ${expires}`, 'Content-Length: 0', '', ''
    ].join('\r\n')
    sock.send(reply, rinfo.port, rinfo.address)
  })
  return { address, seen }
}

if (install !== null) {
  t.test('outbound registrations pushed: created, changed (recreated), left alone by a node restart, deleted', async (t) => {
    const provider = await registrar(t)
    const s = await pushSetup(t, install)
    const { node } = s
    await node.put('trunks', 'prov', { host: provider.address, secret: 'trunk-pw', username: 'acct1', register: true })
    const ast = await s.startAsterisk()
    await fullPushes(node, 1)
    t.equal(await field(s.httpPort, 'registration', 'prov', 'contact_user'), 'acct1', 'the registration is in Asterisk\'s memory')

    // Asterisk starts it after its random initial delay (max_random_initial_delay, 10 s)
    await waitFor('a REGISTER of acct1', async () => provider.seen, (seen) => seen.some((r) => r.user === 'acct1' && r.expires > 0), 20_000, 100)
    t.pass('Asterisk REGISTERs to the provider')
    await waitFor('Registered', async () => await ast.rx('pjsip show registrations'), (out) => /prov\/sip:\S+\s+prov\s+Registered/.test(out), 10_000, 200)
    t.pass('pjsip show registrations: Registered')

    // a change: recreated
    const mark = provider.seen.length
    await node.put('trunks', 'prov', { host: provider.address, secret: 'trunk-pw', username: 'acct2', register: true })
    await waitFor('the new account REGISTERed', async () => provider.seen.slice(mark), (seen) => seen.some((r) => r.user === 'acct2' && r.expires > 0), 20_000, 100)
    t.ok(provider.seen.slice(mark).some((r) => r.user === 'acct1' && r.expires === 0), 'the old binding was un-REGISTERed')
    t.equal(await field(s.httpPort, 'registration', 'prov', 'contact_user'), 'acct2', 'Asterisk holds the new registration')

    // a node restart: the connect's full push reads the registration, finds it as wanted, leaves it
    const mark2 = provider.seen.length
    await node.kill('SIGTERM')
    await node.start()
    await fullPushes(node, 1)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    t.same(provider.seen.slice(mark2).filter((r) => r.expires === 0), [], 'no un-REGISTER after the node restarted')
    const m = await metrics(node)
    t.equal(m.federator_push_errors_total, 0, 'no push errors')
    t.ok(m.federator_push_drift_checks_total! > 0, 'drift checks ran (every 500 ms)…')
    t.equal(m.federator_push_drift_repairs_total, 0, '…and found the registration as pushed (its echo is understood: no repair, no re-REGISTER)')
    t.equal(m.federator_push_drift_uncompared_attributes, 0, 'no attribute given up on')

    // deleted: un-REGISTERed
    const mark3 = provider.seen.length
    await node.remove('trunks', 'prov')
    await waitFor('the un-REGISTER', async () => provider.seen.slice(mark3), (seen) => seen.some((r) => r.user === 'acct2' && r.expires === 0), 10_000, 100)
    t.pass('a deleted trunk is un-REGISTERed at once')
    t.match(await ast.rx('pjsip show registrations'), /No objects found/, 'and gone from Asterisk')
  })
}
