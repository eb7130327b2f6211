import t, { type Test } from 'tap'
import type { NodeHealth, SoftState } from '@federator/net'
import type { Store } from '@federator/store'
import { decideRoute, type RouteDecision } from '@federator/core'
import { RoutingView, GeneratedRows } from '../../src/index.js'
import { openStore } from '../helpers.js'
import { until } from '../../../../test/helpers/index.js'
import { clock, del, health, HealthStates, HEARTBEAT_MS, link, pjsipContact, put, softState, write } from './helpers.js'

const B = 'b'.repeat(64)
const dials = (d: RouteDecision): string[] => d.status === 'OK' ? d.alternatives.map((a) => a.dial) : [d.status + ':' + d.reason]

/** A store with user alice (extension 100) and her devices; this node A's soft state with its health started, and peer B's soft state relayed to A. */
async function peers (t: Test, devices: string[]): Promise<{ store: Store, now: { t: number }, softA: SoftState, softB: SoftState, healthA: NodeHealth }> {
  const store = await openStore(t)
  await write(store, put('user', 'alice', { name: 'Alice', extensions: ['100'] }), ...devices.map((d) => put('device', d, { user: 'alice' })))
  const now = clock()
  const softA = softState(now)
  const softB = softState(now)
  link(softB, softA)
  const healthA = health(t, softA, now, { name: 'a' })
  healthA.start()
  return { store, now, softA, softB, healthA }
}

t.test('built from the store at ready(), then follows store writes', async (t) => {
  const store = await openStore(t)
  await write(store,
    put('user', 'alice', { name: 'Alice', extensions: ['100'] }),
    put('device', 'alice-desk', { user: 'alice' }),
    put('trunk', 't1', {}),
    put('provider', 'p1', { name: 'P1', trunks: ['t1'], prefixes: [{ prefix: '44', cost: 1 }] }),
    put('route', 'r-intl', { pattern: '_00X.', strip: 2, target: { kind: 'lcr' } }))
  const now = clock()
  const soft = softState(now)
  const view = new RoutingView({ store, soft, self: { name: 'a' }, now: () => now.t })
  t.teardown(() => view.close())
  await view.ready()
  await view.ready() // idempotent
  const route = (exten: string): string[] => dials(decideRoute(view.snapshot, { exten }, { now: now.t }))

  t.same(route('100'), ['UNAVAILABLE:not-registered'], 'user known, nothing registered')
  t.same(route('0044123'), ['PJSIP/44123@t1'], 'route and provider from the scan')
  t.same(route('200'), ['NOTFOUND:no-match'])

  await write(store, put('user', 'bob', { name: 'Bob', extensions: ['200'] }), put('device', 'bob-desk', { user: 'bob' }))
  t.same(route('200'), ['UNAVAILABLE:not-registered'], 'a new user is routed at once')
  await write(store, put('route', 'r-intl', { pattern: '_00X.', strip: 2, prepend: '+', target: { kind: 'trunk', trunk: 't1' } }))
  t.same(route('0044123'), ['PJSIP/+44123@t1'], 'a replaced route')
  await write(store, put('trunk', 't1', { enabled: false }))
  t.same(route('0044123'), ['CONGESTION:trunks-unavailable'], 'a disabled trunk')
  await write(store, del('route', 'r-intl'))
  t.same(route('0044123'), ['NOTFOUND:no-match'], 'a deleted route')
  await write(store, put('route', 'bad', { pattern: '_1[2', target: { kind: 'lcr' } }))
  t.ok(view.snapshot.invalid().has('route/bad'), 'an unusable record is listed, not routed')

  view.close()
  await write(store, put('user', 'carol', { name: 'Carol', extensions: ['300'] }))
  t.same(route('300'), ['NOTFOUND:no-match'], 'close() detaches from the store')
})

t.test('writes made while the scan runs are not lost', async (t) => {
  const store = await openStore(t)
  const users = Array.from({ length: 3000 }, (_, i) => put('user', `u${i}`, { name: `U${i}`, extensions: [String(10000 + i)] }))
  await write(store, ...users)
  const view = new RoutingView({ store, self: { name: 'a' } })
  t.teardown(() => view.close())
  const ready = view.ready()
  await write(store, put('user', 'late', { name: 'Late', extensions: ['999'] }), del('user', 'u0'))
  await ready
  t.equal(view.snapshot.userByExtension('999')?.id, 'late')
  t.equal(view.snapshot.userByExtension('10000'), undefined)
  t.equal(view.snapshot.userByExtension('12999')?.id, 'u2999')
})

t.test('registrations from soft state: local and a peer, health, revocation', async (t) => {
  const { store, now, softA, softB, healthA } = await peers(t, ['alice-desk', 'alice-mobile'])
  const view = new RoutingView({ store, soft: softA, nodeStates: new HealthStates(healthA), self: { name: 'a', sipAddress: '127.0.0.1:5060' }, now: () => now.t })
  t.teardown(() => view.close())
  const rows = new GeneratedRows({ view, routeUrl: () => 'http://127.0.0.1:7280/route' })
  t.teardown(() => rows.close())
  let rowChanges = 0
  rows.on('change', () => { rowChanges++ })
  await view.ready()
  const route = (): string[] => dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t }))

  // a local registration, as the realtime plugin publishes it
  const desk = pjsipContact('alice-desk', now.t + 3600_000)
  softA.publish('contact', desk.id, desk, 3600_000)
  t.same(route(), ['PJSIP/alice-desk'])
  softA.remove('contact', desk.id)
  t.same(route(), ['UNAVAILABLE:not-registered'], 'unregistered')

  // peer B registers alice-mobile before anything else is known about B: held back
  const mobile = pjsipContact('alice-mobile', now.t + 3600_000, '198.51.100.7')
  softB.publish('contact', mobile.id, mobile, 3600_000)
  t.same(route(), ['UNAVAILABLE:not-registered'], 'an unknown owner is not routed to')
  t.same(rows.trunks.trunks, [])

  // B's heartbeat: now its owner maps to its writer key, it is alive with a SIP address
  const healthB = health(t, softB, now, { name: 'b', sipAddress: '127.0.0.2:5080', writerKey: B })
  healthB.start()
  t.same(route(), ['PJSIP/100@fed-b'], 'B’s registration, through B’s inter-node trunk')
  t.same(rows.trunks.trunks.map((x) => x.endpoint), ['fed-b'])
  t.same(rows.rows('ps_aors'), [{ id: 'fed-b', contact: 'sip:127.0.0.2:5080', qualify_frequency: '0' }])
  t.equal(rowChanges, 1)
  t.equal(rows.rows('extensions').filter((r) => r.context === 'federator-inbound' && r.exten === '_d~.').length > 0, true, 'inbound dialplan generated')

  // B falls silent: suspect (still routed), then dead (not routed, trunk gone)
  softB.removeAllListeners('item') // a crash: nothing more from B, not even its removal
  healthB.stop()
  now.t += 2 * HEARTBEAT_MS
  healthA.check()
  t.same(view.nodeStates(), { alive: 1, suspect: 1, dead: 0 })
  t.same(route(), ['PJSIP/100@fed-b'], 'suspect nodes are still used')
  t.equal(rowChanges, 1, 'a suspect node keeps its trunk: no row change')
  now.t += 2 * HEARTBEAT_MS
  healthA.check()
  t.same(route(), ['UNAVAILABLE:nodes-down'], 'dead: not routed through')
  t.same(rows.rows('ps_endpoints'), [], 'the inter-node trunk disappears')
  t.equal(rowChanges, 2)

  // the phone re-registers on A
  now.t += 1000
  softA.publish('contact', desk.id, { ...desk, expiration_time: Math.floor(now.t / 1000) + 3600 }, 3600_000)
  t.same(route(), ['PJSIP/alice-desk'], 'routed locally')

  // revocation: B's record says revoked → B and its registrations are gone
  await write(store, put('node', B, { name: 'b', revoked: { length: 0, at: 'x' } }))
  t.equal(view.snapshot.node(B), undefined, 'revoked nodes are removed')
  t.equal(view.snapshot.contactsOf('alice-mobile').length, 0, 'with their registrations')
})

t.test('a node record alone maps the owner; the node is dead until heard', async (t) => {
  const { store, now, softA, softB, healthA } = await peers(t, ['alice-mobile'])
  await write(store, put('node', B, { name: 'b', swarmKey: softB.owner, sipAddress: '127.0.0.2' }))
  const view = new RoutingView({ store, soft: softA, nodeStates: new HealthStates(healthA), self: { name: 'a' }, now: () => now.t })
  t.teardown(() => view.close())
  await view.ready()
  const mobile = pjsipContact('alice-mobile', now.t + 600_000)
  softB.publish('contact', mobile.id, mobile, 600_000)
  t.equal(view.snapshot.contactsOf('alice-mobile')[0]?.node, B, 'owner → writer from the node record')
  t.equal(view.snapshot.node('b')?.state, 'dead', 'never heard from: dead')
  t.same(dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t })), ['UNAVAILABLE:nodes-down'])
  const healthB = health(t, softB, now, { name: 'b', writerKey: B })
  healthB.start()
  t.equal(view.snapshot.node('b')?.state, 'alive')
  t.same(dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t })), ['PJSIP/100@fed-b'], 'SIP address from the record')
  t.equal(view.snapshot.contactsOf('alice-mobile')[0]!.expires, mobile.expiration_time * 1000, 'expiration_time seconds → ms')
  // an expiry in the past is ignored by the decision
  softB.publish('contact', mobile.id, { ...mobile, expiration_time: Math.floor(now.t / 1000) - 1 }, 60_000)
  t.same(dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t })), ['UNAVAILABLE:not-registered'])
  // a chan_sip registration (kind sipreg) counts too
  softB.publish('sipreg', 'alice-mobile', { name: 'alice-mobile', ipaddr: '198.51.100.9', port: 5060, regseconds: Math.floor(now.t / 1000) + 600 }, 600_000)
  t.same(dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t })), ['PJSIP/100@fed-b'])
  // garbage published under the contact kind is ignored, never thrown
  softB.publish('contact', 'junk', { aor: 5 }, 60_000)
  softB.publish('contact', 'junk2', 'nonsense', 60_000)
  t.equal(view.snapshot.contactsOf('alice-mobile').length, 2)
})

t.test('a view rebuild (revocation cuts a writer’s later entries) reloads the snapshot', async (t) => {
  const a = await openStore(t)
  const b = await openStore(t)
  const replicate = (): () => void => {
    const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
    const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
    s1.pipe(s2).pipe(s1)
    return () => { s1.destroy(); s2.destroy() }
  }
  await a.addWriter(b.writerKey)
  const unlink = replicate()
  const view = new RoutingView({ store: a, self: { name: 'a' } })
  t.teardown(() => view.close())
  await view.ready()
  const first = view.snapshot
  await write(b, put('trunk', 't1', {}), put('route', 'early', { pattern: '_1X.', target: { kind: 'trunk', trunk: 't1' } }))
  await until(() => view.snapshot.matchRoutes('123', undefined).length > 0, 'early route replicated')
  const cut = b.core.length
  await write(b, put('route', 'late', { pattern: '_2X.', target: { kind: 'trunk', trunk: 't1' } }))
  await until(() => view.snapshot.matchRoutes('234', undefined).length > 0, 'late route replicated')
  unlink()
  await write(a, put('node', b.writerKey, { name: 'b', revoked: { length: cut, at: new Date().toISOString() } }))
  await until(() => view.snapshot.matchRoutes('234', undefined).length === 0, 'the cut route gone after the rebuild')
  t.not(view.snapshot, first, 'a new snapshot was swapped in')
  t.same(dials(decideRoute(view.snapshot, { exten: '123' }, { now: Date.now() })), ['PJSIP/123@t1'], 'entries before the cut stay')
  await write(a, put('user', 'after', { name: 'After', extensions: ['555'] }))
  t.equal(view.snapshot.userByExtension('555')?.id, 'after', 'changes after the rebuild still apply')
})

t.test('heartbeats: a new SIP address is routed to at once; unchanged heartbeats do not recompute the nodes', async (t) => {
  const { store, now, softA, softB, healthA } = await peers(t, ['alice-mobile'])
  // counts how often the view asks node health for the nodes (each ask is a recomputation)
  const states = new HealthStates(healthA)
  let asked = 0
  const nodes = states.nodes.bind(states)
  states.nodes = () => { asked++; return nodes() }
  const view = new RoutingView({ store, soft: softA, nodeStates: states, self: { name: 'a' }, now: () => now.t })
  t.teardown(() => view.close())
  const rows = new GeneratedRows({ view, routeUrl: () => 'http://127.0.0.1:7280/route' })
  t.teardown(() => rows.close())
  await view.ready()

  const infoB: Record<string, unknown> = { name: 'b', sipAddress: '127.0.0.2:5080', writerKey: B }
  const healthB = health(t, softB, now, infoB)
  healthB.start()
  const mobile = pjsipContact('alice-mobile', now.t + 3600_000, '198.51.100.7')
  softB.publish('contact', mobile.id, mobile, 3600_000)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t })), ['PJSIP/100@fed-b'])
  t.same(rows.rows('ps_aors'), [{ id: 'fed-b', contact: 'sip:127.0.0.2:5080', qualify_frequency: '0' }])

  const before = asked
  for (let i = 0; i < 20; i++) { now.t += 100; healthB.publishNow() }
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(asked, before, '20 unchanged heartbeats: the nodes were not recomputed')

  infoB.sipAddress = '127.0.0.3:5080'
  healthB.publishNow()
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(asked > before, 'a heartbeat with a new SIP address recomputes them')
  t.same(rows.rows('ps_aors'), [{ id: 'fed-b', contact: 'sip:127.0.0.3:5080', qualify_frequency: '0' }], 'and the inter-node trunk follows it')
  t.same(dials(decideRoute(view.snapshot, { exten: '100' }, { now: now.t })), ['PJSIP/100@fed-b'], 'still routed through B')
})
