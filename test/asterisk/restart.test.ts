/**
 * A node restart under a registered phone (issue 9), with a real PJSIP Asterisk: the node is stopped
 * (SIGTERM) and started again on the same data directory and HTTP port, nothing else touched; the phone
 * stays in `pjsip show contacts`, `/route` still finds it and a call placed on Asterisk reaches it
 * right after the restart. The same after a SIGKILL (the registration was stored more than a second
 * before: the node loses at most the last second).
 */
import t from 'tap'
import { asteriskOrSkip, startAsterisk, startPhone } from './harness/index.js'
import { freeTcpPort, startCluster, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

if (install !== null) {
  t.test('registrations survive a node restart, and calls reach the phone right after', async (t) => {
    const port = await freeTcpPort()
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null, args: ['--http', `127.0.0.1:${port}`] }) })
    const node = cluster.nodes[0]!
    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 's3cret-pw' })
    const ast = await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url })
    const phone = await startPhone(t, { user: 'alice-desk', password: 's3cret-pw', registrar: ast.sipAddress })
    t.equal((await phone.register(600)).status, 200, 'registered')
    await waitFor('the contact in Asterisk', async () => await ast.rx('pjsip show contacts'), (s) => s.includes(phone.contactUri))

    const route = async (): Promise<string> => await (await fetch(`${node.url}/route?exten=100`)).text()
    t.match(await route(), /^status=OK&dial=PJSIP%2Falice-desk&/, '/route dials the phone')

    const callReaches = async (what: string): Promise<void> => {
      const before = phone.invites.length
      await ast.rx('channel originate PJSIP/alice-desk application Wait 1')
      await waitFor(`an INVITE ${what}`, async () => phone.invites.length, (n) => n > before, 15_000)
      t.pass(`a call placed on Asterisk reaches the phone ${what}`)
    }
    await callReaches('before the restart')

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (signal === 'SIGKILL') {
        // re-register, then let more than the write-behind interval pass: at most the last second may be lost
        t.equal((await phone.register(600)).status, 200, 're-registered before the crash')
        await new Promise((resolve) => setTimeout(resolve, 2500))
      }
      await node.kill(signal)
      await node.start(t)
      t.equal(node.url, `http://127.0.0.1:${port}`, `restarted after ${signal} on the same address`)
      t.match(await ast.rx('pjsip show contacts'), phone.contactUri, `after ${signal}: pjsip show contacts still lists the phone`)
      t.match(await route(), /^status=OK&dial=PJSIP%2Falice-desk&/, `after ${signal}: /route still dials the phone`)
      const contacts = await (await fetch(`${node.url}/realtime/ps_contacts/multi`, { method: 'POST', body: 'id%20LIKE=alice-desk%3B%40%25' })).text()
      t.match(contacts, /alice-desk/, `after ${signal}: the node still serves the contact to Asterisk`)
      await callReaches(`right after a ${signal} restart`)
    }

    t.equal((await phone.unregister()).status, 200, 'unregister after the restarts works (Asterisk and node agree on the binding)')
    await waitFor('the contact to go', async () => await ast.rx('pjsip show contacts'), (s) => !s.includes(phone.contactUri))
    t.match(await route(), /^status=UNAVAILABLE/, 'and /route no longer finds it')
  })
}
