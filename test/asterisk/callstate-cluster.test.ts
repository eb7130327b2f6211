/**
 * Live call state across a cluster through each node's local ARI (docs/asterisk.md, "Live call
 * state"): two nodes B and C, each beside its own Asterisk with ARI on loopback (the node started
 * with --ari-url/--ari-user), plus two test phones playing providers.
 *
 *   alice-desk registers on B and is put in a call there → C's Asterisk shows Custom:alice-desk
 *   INUSE (`devstate list`, the hint `PJSIP/alice-desk&Custom:alice-desk`), a queue on C whose
 *   member has `state_interface=Custom:alice-desk` sees it in use, C's /route answers BUSY (17)
 *   for alice (callWaiting false) and every node lists the state in /api/v1/cluster/device-states;
 *   provider `pa` (maxChannels 2) has a call up through B and one through C → the next call, placed
 *   on B, goes out through the next provider `pb`; B's Asterisk crashes and restarts → B's states are UNKNOWN
 *   meanwhile, then right again after ARI reconnects; node B killed → its states expire on C.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { asteriskOrSkip, startAsterisk, freeLoopbackAddress, TestPhone, type AsteriskInstance, startPhone } from './harness/index.js'
import { freeTcpPort, startCluster, waitConverged, waitFor, type ClusterNode } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

interface RouteAnswer { status: string, reason: string, cause?: number, alternatives?: Array<{ dial: string }> }
interface DeviceStates { items: Array<{ device: string, state: string, nodes: Array<{ node: string | null, state: string }> }>, nodes: Array<{ node: string | null, ari: boolean }> }
interface Channels { items: Array<{ endpoint: string, channels: number, nodes: Array<{ node: string | null, channels: number }> }> }

async function route (node: ClusterNode, exten: string): Promise<RouteAnswer> {
  const res = await fetch(`${node.url}/route?format=json&exten=${encodeURIComponent(exten)}&context=from-internal`)
  return await res.json() as RouteAnswer
}

/** The state of Custom:<device> in `devstate list` ("--- Name: 'Custom:x'  State: 'INUSE'"), or none. */
const custom = async (ast: AsteriskInstance, device: string): Promise<string> =>
  new RegExp(`Name: 'Custom:${device}'\\s+State: '([A-Z_]+)'`).exec(await ast.rx('devstate list'))?.[1] ?? 'none'

const HINTS = '\n[callstate-hints]\nexten => alice,hint,PJSIP/alice-desk&Custom:alice-desk\n'

if (install !== null) {
  t.test('device states, BLF, queues, busy and channel limits across the cluster', async (t) => {
    const addr = { b: await freeLoopbackAddress(), c: await freeLoopbackAddress() }
    const http = { b: await freeTcpPort(), c: await freeTcpPort() }
    const names = ['b', 'c'] as const
    const cluster = await startCluster(t, {
      nodes: 2,
      spec: (i) => {
        const n = names[i]!
        return {
          name: n,
          args: ['--sip-address', `${addr[n]}:5060`, '--ari-url', `http://127.0.0.1:${http[n]}`, '--ari-user', 'federator:federator'],
          env: { FEDERATOR_ROUTING: JSON.stringify({ contexts: ['from-internal'] }) }
        }
      }
    })
    const [B, C] = cluster.nodes as [ClusterNode, ClusterNode]

    // the providers: two phones answering every INVITE
    const provA = await new TestPhone({ user: 'pa', password: 'x', registrar: '127.0.0.1:9', answer: 'ok' }).start()
    const provB = await new TestPhone({ user: 'pb', password: 'x', registrar: '127.0.0.1:9', answer: 'ok' }).start()
    t.teardown(() => { provA.close(); provB.close() })

    await B.put('users', 'alice', { name: 'Alice', extensions: ['100'], callWaiting: false })
    await B.put('devices', 'alice-desk', { user: 'alice', secret: 'alice-pw-1' })
    await B.put('trunks', 'tr-a', { host: '127.0.0.1', port: provA.port })
    await B.put('trunks', 'tr-b', { host: '127.0.0.1', port: provB.port })
    await B.put('providers', 'pa', { name: 'A', trunks: ['tr-a'], prefixes: [{ prefix: '44', cost: 1 }], maxChannels: 2 })
    await B.put('providers', 'pb', { name: 'B', trunks: ['tr-b'], prefixes: [{ prefix: '44', cost: 2 }] })
    await B.put('routes', 'international', { pattern: '_00X.', strip: 2, target: { kind: 'lcr' } })
    const row = async (family: string, columns: Record<string, string>): Promise<void> => {
      await B.json(`/api/v1/tables/${family}/rows`, { method: 'POST', body: JSON.stringify({ columns }) })
    }
    await row('queues', { name: 'cs-q', strategy: 'ringall' })
    await row('queue_members', { uniqueid: '1', queue_name: 'cs-q', interface: 'PJSIP/alice-desk', membername: 'Alice', state_interface: 'Custom:alice-desk' })
    await waitConverged([B, C])

    const [astB, astC] = await Promise.all([
      startAsterisk(t, install, { name: 'ast-b', stack: 'pjsip', nodeUrl: B.url, address: addr.b, httpPort: http.b, append: { 'extensions.conf': HINTS } }),
      startAsterisk(t, install, { name: 'ast-c', stack: 'pjsip', nodeUrl: C.url, address: addr.c, httpPort: http.c, append: { 'extensions.conf': HINTS } })
    ])
    const ariUp = async (n: ClusterNode): Promise<void> => {
      await waitFor(`${n.name}'s ARI connected`, async () => await n.json<DeviceStates>('/api/v1/cluster/device-states'),
        (d) => names.every((x) => d.nodes.some((m) => m.node === x && m.ari)), 30_000)
    }
    await ariUp(B)
    await ariUp(C)

    const alice = await startPhone(t, { user: 'alice-desk', password: 'alice-pw-1', registrar: astB.sipAddress, answer: 'ok' })
    t.equal((await alice.register(300)).status, 200, 'alice-desk registers on B')
    const talk = async (): Promise<void> => { await astB.rx('channel originate PJSIP/alice-desk application Wait 120') }

    await t.test('a phone on B in a call: Custom: state, hint and queue member on C, BUSY from C', async (t) => {
      // the registration on B reaches C as soft state: wait for it before the idle check
      t.match(await waitFor('C to route 100 to alice', async () => await route(C, '100'), (r) => r.status === 'OK'), { status: 'OK' }, 'idle: C routes 100 to alice')
      const t0 = Date.now()
      await talk()
      const state = await waitFor('Custom:alice-desk INUSE on C', async () => await custom(astC, 'alice-desk'), (s) => s === 'INUSE', 10_000)
      t.equal(state, 'INUSE', `C's devstate list: Custom:alice-desk INUSE (${Date.now() - t0} ms after the originate)`)
      t.match(await astC.rx('core show hint alice'), /alice@callstate-hints\s*: PJSIP\/alice-desk&Custom.*State:InUse/, 'the hint on C: InUse')
      t.match(await astC.rx('queue show cs-q'), /Alice \(PJSIP\/alice-desk from Custom:alice-desk\).*\(In use\)/, 'the queue member on C (state_interface Custom:): In use')
      const r = await waitFor('C to answer BUSY', async () => await route(C, '100'), (r) => r.status === 'BUSY')
      t.match(r, { status: 'BUSY', reason: 'all-busy', cause: 17 }, 'C answers 100 BUSY, cause 17 (alice has call waiting off)')
      t.match(await route(B, '100'), { status: 'BUSY', cause: 17 }, 'and so does B')
      const list = await C.json<DeviceStates>('/api/v1/cluster/device-states')
      t.match(list.items, [{ device: 'alice-desk', state: 'INUSE', nodes: [{ node: 'b', state: 'INUSE' }] }], 'C lists the device state, published by B')
      t.match(await (await fetch(C.url + '/metrics')).text(), /federator_callstate_custom_writes_total [1-9]/, 'C counts its Custom: writes in /metrics')

      await B.patch('users', 'alice', { callWaiting: true })
      await waitFor('C to route 100 again (call waiting on)', async () => await route(C, '100'), (r) => r.status === 'OK')
      t.pass('with call waiting on, C dials alice although she is on a call')
      await B.patch('users', 'alice', { callWaiting: false })
    })

    await t.test('provider maxChannels 2 over the cluster: calls on B and C, the next one goes to the next provider', async (t) => {
      t.match((await route(B, '00441111'))?.alternatives?.[0], { dial: 'PJSIP/441111@tr-a' }, 'idle: pa (cheapest) first')
      await astB.rx('channel originate PJSIP/441111@tr-a application Wait 120')
      await astC.rx('channel originate PJSIP/442222@tr-a application Wait 120')
      const ch = await waitFor('2 channels on tr-a, seen from C', async () => await C.json<Channels>('/api/v1/cluster/channels'),
        (c) => c.items.find((i) => i.endpoint === 'tr-a')?.channels === 2, 10_000)
      t.match(ch.items.find((i) => i.endpoint === 'tr-a')?.nodes, [{ node: 'b', channels: 1 }, { node: 'c', channels: 1 }], 'one per node')
      for (const n of [B, C]) {
        const r = await waitFor(`${n.name} to skip pa`, async () => await route(n, '00443333'), (r) => r.alternatives?.[0]?.dial !== 'PJSIP/443333@tr-a')
        t.same(r.alternatives?.map((a) => a.dial), ['PJSIP/443333@tr-b'], `${n.name}: pa is full (2/2), pb carries the call`)
      }
      const before = provB.invites.length
      await astB.rx('channel originate Local/00443333@from-internal application Wait 5')
      await waitFor('the third call at provider pb', async () => provB.invites.length, (n) => n > before, 10_000)
      t.pass('the third call, placed on B, reached pb')
      await astC.rx('channel request hangup all')
      await waitFor('tr-a below its limit', async () => await route(B, '00443333'), (r) => r.alternatives?.[0]?.dial === 'PJSIP/443333@tr-a', 10_000)
      t.pass('a call on C hung up: pa is used again')
    })

    await t.test('Asterisk B crashed and restarted: UNKNOWN meanwhile, right again after ARI reconnects', async (t) => {
      await astB.kill() // a crash: no events say the calls ended
      const down = await waitFor('B\'s states UNKNOWN on C', async () => await C.json<DeviceStates>('/api/v1/cluster/device-states'),
        (d) => d.items.find((i) => i.device === 'alice-desk')?.state === 'UNKNOWN', 10_000)
      t.match(down.nodes, [{ node: 'b', ari: false }, { node: 'c', ari: true }], 'B says its ARI is down')
      // Asterisk takes no UNKNOWN Custom: state: UNAVAILABLE ("cannot tell"), not the last state seen
      t.equal(await waitFor('Custom: UNAVAILABLE on C', async () => await custom(astC, 'alice-desk'), (s) => s === 'UNAVAILABLE', 5000), 'UNAVAILABLE', 'not guessed: C\'s Custom: state is UNAVAILABLE')
      t.match(await route(C, '100'), { status: 'OK' }, 'unknown is not busy: C dials alice')
      rmSync(join(astB.dir, 'run', 'asterisk.ctl'), { force: true }) // the crash left its control socket behind
      await astB.start()
      await ariUp(B)
      await waitFor('alice idle again on C', async () => await custom(astC, 'alice-desk'), (s) => s === 'NOT_INUSE', 15_000)
      t.pass('after the reconnect and full sync: the call is gone, Custom:alice-desk NOT_INUSE on C')
      t.equal((await alice.register(300)).status, 200, 'alice registers again')
      await talk()
      t.equal(await waitFor('INUSE again', async () => await custom(astC, 'alice-desk'), (s) => s === 'INUSE', 10_000), 'INUSE', 'a new call: INUSE on C again')
    })

    await t.test('node B killed: its states expire everywhere', async (t) => {
      const killed = Date.now()
      await B.kill('SIGKILL')
      await waitFor('B\'s device states gone from C', async () => await C.json<DeviceStates>('/api/v1/cluster/device-states'), (d) => d.items.length === 0, 30_000)
      t.comment(`expired on C ${Date.now() - killed} ms after the kill`)
      t.equal(await waitFor('Custom: idle on C', async () => await custom(astC, 'alice-desk'), (s) => s === 'NOT_INUSE', 5000), 'NOT_INUSE', 'C\'s Custom:alice-desk back to NOT_INUSE')
      t.match(await waitFor('C to answer 100 UNAVAILABLE', async () => await route(C, '100'), (r) => r.status === 'UNAVAILABLE', 20_000),
        { status: 'UNAVAILABLE' }, 'and alice is unavailable (registered only on B, dead)')
    })
  })
}
