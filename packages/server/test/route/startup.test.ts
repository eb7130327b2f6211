/**
 * Serving while loading after a start: the realtime service and the routing
 * service, wired as the composition root wires them, over a real Store whose
 * scans of the big record types are held back by a gate (the "slow builder":
 * the records are there, their scan has not got to them yet). Requests must be
 * answered meanwhile — PJSIP lookups at once, /route with CONGESTION `starting`
 * after its bounded wait, a family whose index is not loaded only once it is —
 * and /readyz must name what is still loading until everything is.
 */
import t from 'tap'
import type { Store } from '@federator/store'
import { buildApp, loadingCheck, RealtimeService, realtimePlugin, REALTIME_PREFIX, routePlugin, RoutingService } from '../../src/index.js'
import { openStore, TOKEN } from '../helpers.js'
import { clock, put, softState, write } from './helpers.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** The real store, with scans of `types` held until `release()`. */
function gated (store: Store, types: string[]): { store: Store, release: () => void, held: () => number } {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let held = 0
  async function * scan (type: string, prefix?: string): AsyncGenerator<unknown> {
    if (types.includes(type)) { held++; await gate; held-- }
    yield * store.scan(type, prefix)
  }
  const proxy = new Proxy(store, {
    get (target, prop) {
      if (prop === 'scan') return scan
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  })
  return { store: proxy, release, held: () => held }
}

/** Let pending I/O and immediates run (no timing: a fixed number of turns). */
async function turns (n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

t.test('realtime answers and /readyz names what loads while the snapshot and the indexes build', async (t) => {
  const real = await openStore(t)
  await write(real,
    put('user', 'alice', { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } }),
    put('device', 'alice-desk', { user: 'alice', secret: 's3cret' }),
    put('device', 'gw', { secret: 'g', sip: { host: '192.0.2.5' } }),
    put('trunk', 'carrier', { host: '192.0.2.1' }))
  const { store, release, held } = gated(real, ['user', 'device', 'row'])
  const now = clock()
  now.t = Date.now()
  const soft = softState(now)
  const routing = new RoutingService({ store, soft, name: 'a', buildWaitMs: 1 })
  t.teardown(() => routing.close())
  await routing.start()
  const realtime = new RealtimeService({ store, registrations: soft, extraRows: routing.extraRows })
  t.teardown(() => realtime.close())
  const app = await buildApp({
    store: real,
    adminToken: TOKEN,
    ready: loadingCheck(routing, realtime),
    plugins: [{ name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(realtime) }, { name: 'route', plugin: routing.plugin }]
  })
  t.teardown(() => app.close())
  await app.ready()
  // as the node does once it listens: the rest loads in the background
  const loaded = Promise.all([routing.ready(), realtime.ready()])
  await turns()
  t.ok(held() > 0, 'the scans of users, devices or rows are held')

  const rt = async (family: string, op: string, body: string): Promise<string> =>
    (await app.inject({ method: 'POST', url: `${REALTIME_PREFIX}/${family}/${op}`, headers: FORM, payload: body })).body.trimEnd()
  t.match(await rt('ps_endpoints', 'single', 'id=alice-desk'), /^id=alice-desk&/, 'a PJSIP endpoint is answered from the view at once')
  t.match(await rt('ps_auths', 'single', 'id=alice-desk'), /^id=alice-desk&.*password=s3cret/)
  t.match(await rt('sippeers', 'single', 'name=alice-desk'), /^name=alice-desk&/, 'a chan_sip peer by name too (only lookups by host need the host index)')

  const notReady = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(notReady.statusCode, 503)
  const reason = (notReady.json() as { code: string, message: string })
  t.equal(reason.code, 'FED_ERR_NOT_READY')
  t.match(reason.message, /still loading: .*routing snapshot/)
  t.match(reason.message, /realtime voicemail mailboxes/)
  t.same(routing.loading(), ['routing snapshot'])

  t.equal((await app.inject({ method: 'GET', url: '/route?exten=100' })).body, 'status=CONGESTION&count=0&reason=starting&cause=34',
    'the snapshot is not built: /route says so (bounded wait), never NOTFOUND from a partial snapshot')

  // a voicemail lookup needs the mailbox index, a chan_sip lookup by host the host index: they wait for them
  let voicemail: string | undefined
  const vm = rt('voicemail', 'single', 'mailbox=100&context=default').then((b) => { voicemail = b })
  let byHost: string | undefined
  const bh = rt('sippeers', 'multi', 'host=192.0.2.5').then((b) => { byHost = b })
  // changes while the build runs are kept (replayed after the scan)
  await write(real, put('user', 'bob', { name: 'Bob', extensions: ['200'] }), put('device', 'bob-desk', { user: 'bob' }))
  await turns()
  t.equal(voicemail, undefined, 'the voicemail lookup has not been answered while its index loads')
  t.equal(byHost, undefined, 'nor the chan_sip lookup by host')

  release()
  await loaded
  await vm
  await bh
  t.match(byHost, /^host=192\.0\.2\.5&name=gw&/, 'answered from the loaded host index')
  t.match(voicemail, /mailbox=100/, 'answered once its index is loaded')
  t.match(voicemail, /password=1234/)
  t.same(routing.loading(), [])
  t.same(realtime.loading(), [])
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/route?exten=100' })).body, 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20', 'decided from the full snapshot')
  t.equal((await app.inject({ method: 'GET', url: '/route?exten=200' })).body, 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20', 'a user written during the build is there')
  t.match(await rt('ps_endpoints', 'single', 'id=bob-desk'), /^id=bob-desk&/)
})

t.test('/route waits for the build (bounded) and answers from the built snapshot', async (t) => {
  const real = await openStore(t)
  await write(real, put('user', 'alice', { name: 'Alice', extensions: ['100'] }))
  const routing = new RoutingService({ store: real, name: 'a' })
  t.teardown(() => routing.close())
  await routing.start()
  let built!: () => void
  const building = new Promise<void>((resolve) => { built = resolve })
  let done = false
  const app = await buildApp({
    store: real,
    adminToken: TOKEN,
    // the real snapshot, and a build we finish by hand; a wait long enough never to run out here
    plugins: [{ name: 'route', plugin: routePlugin({ snapshot: () => routing.view.snapshot, building: () => done ? undefined : building, buildWaitMs: 600_000 }) }]
  })
  t.teardown(() => app.close())
  let answer: string | undefined
  const pending = app.inject({ method: 'GET', url: '/route?exten=100' }).then((r) => { answer = r.body })
  await turns()
  t.equal(answer, undefined, 'the request waits while the snapshot builds')
  await routing.ready()
  done = true
  built()
  await pending
  t.equal(answer, 'status=UNAVAILABLE&count=0&reason=no-device&cause=20', 'then it is decided from the snapshot')

  // bad input is answered at once, building or not
  done = false
  const bad = await app.inject({ method: 'GET', url: '/route?exten=100&exten=200' })
  t.match(bad.body, /^status=INVALID/)
})

t.test('nodes are in the snapshot once started, the routing records once built', async (t) => {
  const real = await openStore(t)
  await write(real, put('user', 'alice', { name: 'Alice', extensions: ['100'] }))
  const { store, release } = gated(real, ['user'])
  const routing = new RoutingService({ store, name: 'a', sipAddress: '127.0.0.1:5060' })
  t.teardown(() => routing.close())
  await routing.start()
  const built = routing.ready()
  await turns()
  t.equal(routing.view.built, false)
  t.equal(routing.view.snapshot.self().name, 'a', 'this node is in the snapshot before its records are')
  release()
  await built
  t.equal(routing.view.built, true)
  t.equal(routing.view.snapshot.userByExtension('100')?.id, 'alice')
})
