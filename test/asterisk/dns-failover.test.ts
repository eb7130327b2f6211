/**
 * A phone that finds its node through the cluster DNS server (docs/dns.md) and fails over by it.
 *
 * Two nodes, a and b, each beside its own PJSIP Asterisk on its own loopback address (`--sip-address`),
 * each answering DNS for `pbx.test` (a with SRV priority 10, b with 20). The phone resolves
 * `_sip._udp.pbx.test` as a phone with two DNS servers does (the first that answers), registers to
 * the first target — a's Asterisk — and the registration is held by node a. Then a's host dies (the
 * node SIGKILLed, its Asterisk stopped): the phone's REGISTER gets no answer, it resolves again (a's
 * DNS server is gone too: b's answers, without a), and registers to b's Asterisk; the cluster holds
 * the registration on node b.
 */
import dgram from 'node:dgram'
import t from 'tap'
import dnsPacket from 'dns-packet'
import { asteriskOrSkip, startAsterisk, freeLoopbackAddress, startPhone } from './harness/index.js'
import { freeUdpPort, startCluster, waitConverged, waitFor, type ClusterNode } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)
const ZONE = 'pbx.test'

interface Target { name: string, address: string, port: number }

/** One SRV query to one DNS server; null when it does not answer within `ms`. */
async function askSrv (dnsPort: number, ms = 1000): Promise<Target[] | null> {
  const sock = dgram.createSocket('udp4')
  try {
    const reply = await new Promise<Buffer | null>((resolve) => {
      sock.once('message', resolve)
      setTimeout(() => resolve(null), ms)
      sock.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: `_sip._udp.${ZONE}`, type: 'SRV', class: 'IN' }] }), dnsPort, '127.0.0.1')
    })
    if (reply === null) return null
    const res = dnsPacket.decode(reply)
    const addr = new Map((res.additionals ?? []).filter((a) => a.type === 'A').map((a) => [a.name, (a as { data: string }).data]))
    return (res.answers ?? []).filter((a) => a.type === 'SRV')
      .map((a) => (a as { data: { priority: number, weight: number, port: number, target: string } }).data)
      .sort((x, y) => x.priority - y.priority || y.weight - x.weight)
      .map((d) => ({ name: d.target.split('.')[0]!, address: addr.get(d.target) ?? '', port: d.port }))
  } finally { sock.close() }
}

/** As a phone with several DNS servers configured: the first one that answers. */
async function resolveSrv (dnsPorts: number[]): Promise<Target[]> {
  for (const p of dnsPorts) {
    const r = await askSrv(p)
    if (r !== null) return r
  }
  throw new Error('no DNS server answered')
}

if (install !== null) {
  t.test('a phone resolves SRV, registers to the first target, and to the next once that node died', async (t) => {
    const addr = { a: await freeLoopbackAddress(), b: await freeLoopbackAddress() }
    const dns = { a: await freeUdpPort(), b: await freeUdpPort() }
    const names = ['a', 'b'] as const
    const cluster = await startCluster(t, {
      nodes: 2,
      net: { heartbeatMs: 300, suspectAfterMissed: 2, deadAfterMissed: 8 },
      spec: (i) => {
        const n = names[i]!
        return {
          name: n,
          args: ['--sip-address', `${addr[n]}:5060`, '--dns', `127.0.0.1:${dns[n]}`, '--dns-zone', ZONE],
          env: { FEDERATOR_DNS: JSON.stringify({ priority: i === 0 ? 10 : 20 }) }
        }
      }
    })
    const [A, B] = cluster.nodes as [ClusterNode, ClusterNode]
    await A.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await A.put('devices', 'alice-desk', { user: 'alice', secret: 'alice-pw-1' })
    await waitConverged([A, B])
    const [astA, astB] = await Promise.all([
      startAsterisk(t, install, { name: 'ast-a', stack: 'pjsip', nodeUrl: A.url, address: addr.a }),
      startAsterisk(t, install, { name: 'ast-b', stack: 'pjsip', nodeUrl: B.url, address: addr.b })
    ])
    const servers = [dns.a, dns.b]
    const heldBy = async (node: ClusterNode): Promise<Array<string | null>> =>
      (await node.json<{ items: Array<{ node: string | null }> }>('/api/v1/cluster/registrations?device=alice-desk')).items.map((i) => i.node)

    const first = await waitFor('both nodes in the SRV answer', async () => await resolveSrv(servers), (l) => l.length === 2, 30_000)
    t.same(first.map((x) => [x.name, x.address, x.port]), [['a', addr.a, 5060], ['b', addr.b, 5060]], 'SRV: a first (priority 10), then b, with their SIP addresses')
    const phone = await startPhone(t, { user: 'alice-desk', password: 'alice-pw-1', registrar: `${first[0]!.address}:${first[0]!.port}` })
    t.equal((await phone.register(60)).status, 200, 'REGISTER to the first target (a): 200')
    await waitFor('the registration held by node a, seen on b', async () => await heldBy(B), (l) => l.join() === 'a', 20_000)

    // a's host dies: the node and its Asterisk
    A.proc!.kill('SIGKILL')
    await astA.kill()
    await t.rejects(phone.register(60), /no final response/, 'the re-REGISTER to a gets no answer')
    const next = await waitFor('a gone from the SRV answer', async () => await resolveSrv(servers), (l) => !l.some((x) => x.name === 'a'), 30_000)
    t.same(next.map((x) => [x.name, x.address]), [['b', addr.b]], 'resolved again (b\'s DNS server answers): b only')
    const moved = await startPhone(t, { user: 'alice-desk', password: 'alice-pw-1', registrar: `${next[0]!.address}:${next[0]!.port}` })
    t.equal((await moved.register(60)).status, 200, 'REGISTER to the next target (b): 200')
    await waitFor('the registration held by node b', async () => await heldBy(B), (l) => l.includes('b'), 20_000)
    t.pass('the cluster holds the phone\'s registration on b')
    await astB.stop()
  })
}
