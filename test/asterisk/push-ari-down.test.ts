/**
 * Push mode with ARI unreachable for a while (a TCP proxy between the node and Asterisk's HTTP
 * server, cut and restored): the node keeps serving realtime and /route, changes made meanwhile
 * (a new password, a new device, a deleted one) wait, and the reconnect's full push brings Asterisk
 * up to date (the old password refused, the new device registers, the deleted one is gone).
 */
import t from 'tap'
import net from 'node:net'
import { asteriskOrSkip, TestPhone } from './harness/index.js'
import { freeTcpPort, waitFor } from '../helpers/cluster.js'
import { field, fullPushes, metrics, pushSetup } from './push-setup.js'

const install = asteriskOrSkip(t)

/** A TCP proxy to 127.0.0.1:target that can be cut (every connection closed, nothing listening) and restored. */
class Proxy {
  private server: net.Server | null = null
  private readonly socks = new Set<net.Socket>()
  constructor (readonly port: number, readonly target: number) {}
  async up (): Promise<void> {
    const server = net.createServer((c) => {
      const u = net.connect(this.target, '127.0.0.1')
      for (const s of [c, u]) { this.socks.add(s); s.on('close', () => this.socks.delete(s)); s.on('error', () => { c.destroy(); u.destroy() }) }
      c.pipe(u)
      u.pipe(c)
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.server = server
  }

  async down (): Promise<void> {
    const s = this.server
    this.server = null
    for (const c of this.socks) c.destroy()
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}

if (install !== null) {
  t.test('ARI down: realtime still served, changes pushed on reconnect', async (t) => {
    let proxy: Proxy | null = null
    const s = await pushSetup(t, install, {
      ariUrl: async (httpPort) => {
        proxy = new Proxy(await freeTcpPort(), httpPort)
        await proxy.up()
        return `http://127.0.0.1:${proxy.port}`
      }
    })
    const p = proxy! as Proxy
    t.teardown(() => p.down())
    const { node } = s
    await node.put('devices', 'alice-desk', { secret: 'old-pw' })
    await node.put('devices', 'bob-desk', { secret: 'bob-pw' })
    const ast = await s.startAsterisk()
    await fullPushes(node, 1)

    await p.down()
    await waitFor('ARI disconnected', async () => (await metrics(node)).federator_ari_connected, (v) => v === 0, 10_000)
    await node.patch('devices', 'alice-desk', { secret: 'new-pw' })
    await node.put('devices', 'carol-desk', { secret: 'carol-pw' })
    await node.remove('devices', 'bob-desk')
    const rt = await (await fetch(`${node.url}/realtime/ps_auths/single`, { method: 'POST', body: 'id=carol-desk' })).text()
    t.match(rt, /password=carol-pw/, 'ARI down: the node still answers realtime, with the new device')
    t.equal((await (await node.api('/readyz')).status), 200, 'and reports ready')
    t.equal(await field(s.httpPort, 'auth', 'alice-desk', 'password'), 'old-pw', 'Asterisk still holds the old password meanwhile')

    await p.up()
    await fullPushes(node, 2)
    t.pass('ARI back: a full push')
    const phone = (user: string, password: string): Promise<TestPhone> => new TestPhone({ user, password, registrar: ast.sipAddress }).start()
    const alice = await phone('alice-desk', 'old-pw')
    const carol = await phone('carol-desk', 'carol-pw')
    const bob = await phone('bob-desk', 'bob-pw')
    t.teardown(() => { alice.close(); carol.close(); bob.close() })
    t.equal((await alice.register(120)).status, 401, 'the old password is refused')
    t.equal((await alice.register(120, 'new-pw')).status, 200, 'the new one works')
    t.equal((await carol.register(120)).status, 200, 'the device made while ARI was down registers')
    t.equal((await bob.register(120)).status, 401, 'the device deleted meanwhile is refused')
    t.equal(await field(s.httpPort, 'endpoint', 'bob-desk', 'aors'), undefined, 'and gone from Asterisk')
  })
}
