/**
 * Registrations in push mode: Asterisk keeps its contacts in astdb (examples/asterisk/pjsip-push/
 * sorcery.conf) and the node mirrors them into its soft state (ARI ContactStatusChange, AMI
 * PJSIPShowContacts at every connect), so /route and calls through the generated dialplan find them.
 * - a phone registers: /route dials it, a call to its extension reaches it; unregistered: gone;
 * - Asterisk restarted: a second full push; the contact comes back from astdb and calls reach it;
 * - node restarted (SIGKILL) while a second phone registers: the node re-reads Asterisk's contacts
 *   (both phones), calls reach both right after.
 */
import t, { type Test } from 'tap'
import { asteriskOrSkip, TestPhone, type AsteriskInstance, startPhone } from './harness/index.js'
import { freeTcpPort, waitFor, type ClusterNode } from '../helpers/cluster.js'
import { fullPushes, metrics, pushSetup } from './push-setup.js'

const install = asteriskOrSkip(t)

async function route (node: ClusterNode, exten: string): Promise<string> {
  return await (await fetch(`${node.url}/route?exten=${exten}&context=from-internal`)).text()
}

async function callReaches (t: Test, ast: AsteriskInstance, phone: TestPhone, exten: string, what: string): Promise<void> {
  const before = phone.invites.length
  await ast.rx(`channel originate Local/${exten}@from-internal application Wait 1`)
  await waitFor(`an INVITE ${what}`, async () => phone.invites.length, (n) => n > before, 15_000)
  t.pass(`a call to ${exten} through the dialplan reaches the phone ${what}`)
}

if (install !== null) {
  t.test('contacts mirrored from Asterisk: events, Asterisk restart, node restart', async (t) => {
    const port = await freeTcpPort()
    const s = await pushSetup(t, install, { args: ['--http', `127.0.0.1:${port}`], env: { FEDERATOR_ROUTING: JSON.stringify({ contexts: ['from-internal'] }) } })
    const { node } = s
    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 'alice-pw' })
    await node.put('users', 'bob', { name: 'Bob', extensions: ['200'] })
    await node.put('devices', 'bob-desk', { user: 'bob', secret: 'bob-pw' })
    const ast = await s.startAsterisk()
    await fullPushes(node, 1)

    const alice = await startPhone(t, { user: 'alice-desk', password: 'alice-pw', registrar: ast.sipAddress })
    t.equal((await alice.register(600)).status, 200, 'alice registers')
    await waitFor('/route dials alice', async () => await route(node, '100'), (r) => r.startsWith('status=OK&dial=PJSIP%2Falice-desk'), 10_000)
    t.pass('the contact reached the soft state: /route dials PJSIP/alice-desk')
    await callReaches(t, ast, alice, '100', 'registered in push mode')

    // Asterisk restarted: memory objects gone, contacts kept in astdb
    await ast.stop()
    await ast.start()
    await fullPushes(node, 2)
    t.pass('Asterisk restarted: a second full push')
    t.match(await ast.rx('pjsip show contacts'), alice.contactUri, 'the contact is back from astdb')
    t.match(await route(node, '100'), /^status=OK&dial=PJSIP%2Falice-desk/, '/route still dials alice')
    await callReaches(t, ast, alice, '100', 'after the Asterisk restart')

    // node restarted; bob registers while it is down
    await node.kill('SIGKILL')
    const bob = await startPhone(t, { user: 'bob-desk', password: 'bob-pw', registrar: ast.sipAddress })
    t.equal((await bob.register(600)).status, 200, 'bob registers while the node is down (Asterisk holds the objects)')
    await node.start(t)
    t.equal(node.url, `http://127.0.0.1:${port}`, 'the node is back on its address')
    await waitFor('/route dials bob', async () => await route(node, '200'), (r) => r.startsWith('status=OK&dial=PJSIP%2Fbob-desk'), 15_000)
    t.pass('the node re-read Asterisk\'s contacts: bob, registered while it was down, is routed')
    t.match(await route(node, '100'), /^status=OK&dial=PJSIP%2Falice-desk/, 'and alice still is')
    await callReaches(t, ast, bob, '200', 'after the node restart')
    await callReaches(t, ast, alice, '100', 'after the node restart')
    const m = await metrics(node)
    t.ok((m.federator_contact_mirror_listings_total ?? 0) >= 1, 'the contacts were listed over AMI')

    t.equal((await bob.unregister()).status, 200, 'bob unregisters')
    await waitFor('/route no longer dials bob', async () => await route(node, '200'), (r) => !r.startsWith('status=OK'), 10_000)
    t.pass('the removal reached the soft state')
  })
}
