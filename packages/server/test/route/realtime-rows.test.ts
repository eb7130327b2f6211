/**
 * Routing and the realtime plugin in one app, as the composition root wires
 * them: registrations stored by Asterisk through /realtime reach /route; the
 * generated inter-node trunks and dialplan are served as realtime rows and
 * follow membership.
 */
import t from 'tap'
import { buildApp, RealtimeService, realtimePlugin, REALTIME_PREFIX, RoutingService, CONTACT_KIND, SIPREG_KIND } from '../../src/index.js'
import { CONTACT_KIND as ROUTE_CONTACT_KIND, SIPREG_KIND as ROUTE_SIPREG_KIND } from '@federator/core' // what route/registrations.ts and route/view.ts read
import { openStore, TOKEN } from '../helpers.js'
import { clock, health, HealthStates, link, put, softState, write } from './helpers.js'

const B = 'b'.repeat(64)
const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'asterisk-libcurl-agent/1.0' }

t.test('the soft-state kinds routing reads are the ones the realtime plugin writes', async (t) => {
  t.equal(ROUTE_CONTACT_KIND, CONTACT_KIND)
  t.equal(ROUTE_SIPREG_KIND, SIPREG_KIND)
})

t.test('registrations through /realtime, trunks and dialplan as realtime rows', async (t) => {
  const store = await openStore(t)
  await write(store, put('user', 'alice', { name: 'Alice', extensions: ['100'] }), put('device', 'alice', { user: 'alice' }))
  const now = clock()
  now.t = Date.now()
  const soft = softState(now)
  const peer = softState(now)
  link(peer, soft)
  const h = health(t, soft, now, { name: 'a' })
  h.start()
  const routing = new RoutingService({ store, soft, nodeStates: new HealthStates(h), name: 'a', config: { contexts: ['from-internal'] }, routeUrl: () => 'http://127.0.0.1:7280/route' })
  t.teardown(() => routing.close())
  await routing.ready()
  const realtime = new RealtimeService({ store, registrations: soft, extraRows: routing.extraRows, now: () => now.t })
  t.teardown(() => realtime.close())
  routing.onExtraRowsChange(() => realtime.extraRowsChanged())
  await realtime.ready()
  const app = await buildApp({
    store,
    adminToken: TOKEN,
    plugins: [{ name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(realtime) }, { name: 'route', plugin: routing.plugin }]
  })
  t.teardown(() => app.close())
  const rt = async (family: string, op: string, body: string): Promise<string> =>
    (await app.inject({ method: 'POST', url: `/realtime/${family}/${op}`, headers: FORM, payload: body })).body.trimEnd()
  const route = async (q: string): Promise<string> => (await app.inject({ method: 'GET', url: '/route?' + q })).body

  t.equal(await route('exten=100'), 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20')
  // exactly what Asterisk sends on REGISTER (docs/asterisk-protocol.md §6), with a live expiry
  const exp = Math.floor(now.t / 1000) + 3600
  const stored = await rt('ps_contacts', 'store', `id=alice%3B%40a709087b369aae7261670380fca91842&via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=abc%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=alice&via_port=25070&authenticate_qualify=no&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=${exp}&outbound_proxy=`)
  t.equal(stored, '1')
  t.equal(await route('exten=100'), 'status=OK&dial=PJSIP%2Falice&timeout=30&count=1&reason=user', 'registered here → local')
  t.equal(await rt('ps_contacts', 'destroy', 'id=alice%3B%40a709087b369aae7261670380fca91842'), '1')
  t.equal(await route('exten=100'), 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20', 'unregistered')

  // no peer yet: no inter-node rows
  t.equal(await rt('ps_endpoints', 'single', 'id=fed-b'), '')
  // peer b appears (heartbeat with writer key and SIP address): its trunk is served
  const hb = health(t, peer, now, { name: 'b', sipAddress: '127.0.0.2:5080', writerKey: B })
  hb.start()
  t.match(await rt('ps_endpoints', 'single', 'id=fed-b'), /^id=fed-b&.*context=federator-inbound/)
  t.equal(await rt('ps_aors', 'single', 'id=fed-b'), 'id=fed-b&contact=sip%3A127.0.0.2%3A5080&qualify_frequency=0')
  t.match(await rt('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25'), /^id=fed-b&endpoint=fed-b&match=127\.0\.0\.2$/)
  t.match(await rt('sippeers', 'single', 'name=fed-b'), /name=fed-b.*host=127\.0\.0\.2.*port=5080/)

  // the generated dialplan, as pbx_realtime asks for it
  const multi = await rt('extensions', 'multi', 'exten%20LIKE=%5C_%25&priority=3&context=from-internal')
  t.match(multi, /exten=_X!&.*app=Set&appdata=FEDROUTE%3D%24%7BCURL\(http%3A%2F%2F127\.0\.0\.1%3A7280%2Froute%3Fexten%3D/)
  t.match(multi, /context%3Dfrom-internal/)
  t.equal(multi.split('\n').length, 4, 'one row per pattern (_X!, _+!, _*!, _#!)')
  const inbound = await rt('extensions', 'multi', 'exten%20LIKE=%5C_%25&priority=9&context=federator-inbound')
  t.equal(inbound.split('\n').length, 7, 'the inbound context also takes the hop extensions')
  t.equal(await rt('extensions', 'multi', 'exten%20LIKE=%5C_%25&priority=1&context=elsewhere'), '', 'contexts not configured: nothing')

  // b dies: its trunk goes, answers cached before are dropped
  peer.removeAllListeners('item')
  hb.stop()
  now.t += 10_000
  h.check()
  t.equal(await rt('ps_endpoints', 'single', 'id=fed-b'), '', 'the trunk of a dead node disappears')
  t.equal(await rt('ps_aors', 'single', 'id=fed-b'), '')
})
