import t from 'tap'
import { decideRoute, type RouteDecision, type RouteRequest, type RoutingSnapshot } from '../../src/index.js'
import { NOW, cluster } from './fixtures.js'

const decide = (snap: RoutingSnapshot, req: RouteRequest): RouteDecision => decideRoute(snap, req, { now: NOW, trace: true })
const dials = (d: RouteDecision): string[] => d.status === 'OK' ? d.alternatives.map((a) => a.dial) : [d.status + ':' + d.reason]

t.test('least-cost routing: longest prefix per provider, then cost, then priority; failover list', async (t) => {
  const d = decide(cluster(), { exten: '00447700900123' })
  t.same(dials(d), [
    'PJSIP/t~t-b~+447700900123@fed-b', // mid: 447 = 0.5, prepend +, trunk usable only from b
    'PJSIP/447700900123@t-local', // cheap: 44 = 1, t-full at its channel limit
    'PJSIP/07700900123@t-local', // tie: "" = 5, priority 0, strip 2 prepend 0
    'PJSIP/t~t-bd~447700900123@fed-b', // pricey: "" = 5, priority 1, via b (alive) then d (suspect)
    'PJSIP/t~t-bd~447700900123@fed-d' // pricey's t-local repeats cheap's dial string: dropped
  ])
  t.match(d, { status: 'OK', reason: 'route', matched: { kind: 'route', id: 'r-intl', pattern: '_00X.' }, timeout: 60 })
  if (d.status === 'OK') {
    t.same(d.alternatives.map((a) => [a.legs[0]!.provider, a.legs[0]!.cost, a.legs[0]!.trunk, a.route]), [
      ['mid', 0.5, 't-b', 'r-intl'], ['cheap', 1, 't-local', 'r-intl'], ['tie', 5, 't-local', 'r-intl'],
      ['pricey', 5, 't-bd', 'r-intl'], ['pricey', 5, 't-bd', 'r-intl']
    ])
  }
  t.ok(d.why.some((w) => /t-full: at its channel limit \(2\/2\)/.test(w)))
  t.ok(d.why.some((w) => /provider off: disabled/.test(w)))
})

t.test('the answer is capped at maxAlternatives', async (t) => {
  const snap = cluster((i) => { i.settings = { maxAlternatives: 2 } })
  t.same(dials(decide(snap, { exten: '00447700900123' })).length, 2)
})

t.test('channel counts: unknown means usable; below the limit is usable', async (t) => {
  const unknown = cluster((i) => { i.channels = {} })
  t.equal(dials(decide(unknown, { exten: '00447700900123' }))[1], 'PJSIP/447700900123@t-full')
  const below = cluster((i) => { i.channels = { 't-full': 1 } })
  t.equal(dials(decide(below, { exten: '00447700900123' }))[1], 'PJSIP/447700900123@t-full')
  below.setChannels('t-full', 2)
  t.equal(dials(decide(below, { exten: '00447700900123' }))[1], 'PJSIP/447700900123@t-local', 'counts are live')
})

t.test('a trunk only some nodes can use is reached through them', async (t) => {
  const snap = cluster()
  t.same(dials(decide(snap, { exten: '8123' })), ['PJSIP/t~t-b~123@fed-b'], 'route strips 1')
  t.same(dials(decide(snap, { exten: '8123', node: 'b' })), ['PJSIP/123@t-b'], 'from b itself: directly')
  t.same(dials(decide(snap, { exten: '8123', tech: 'SIP' })), ['SIP/fed-b/t~t-b~123'])
  const bDead = cluster((i) => { i.nodes![1] = { ...i.nodes![1]!, state: 'dead' } })
  t.same(dials(decide(bDead, { exten: '8123' })), ['CONGESTION:nodes-down'])
  t.same(dials(decide(snap, { exten: '55123' })), ['CONGESTION:nodes-down'], 'only a dead node can use it')
  t.same(dials(decide(snap, { exten: 't~t-b~123', context: 'federator-inbound', node: 'b' })), ['PJSIP/123@t-b'], 'b sends the handed-over number as is')
  t.same(dials(decide(snap, { exten: 't~t-b~123', context: 'federator-inbound' })), ['CONGESTION:trunks-unavailable'], 'never handed on twice')
  t.same(dials(decide(snap, { exten: 't~t-full~123', context: 'federator-inbound' })), ['CONGESTION:trunks-unavailable'], 'limits apply on arrival')
})

t.test('route targets: trunk, provider, user, device; plain and exact patterns', async (t) => {
  const snap = cluster()
  t.same(dials(decide(snap, { exten: '112' })), ['PJSIP/112@t-local'])
  t.same(dials(decide(snap, { exten: '1120' })), ['PJSIP/1120@t-local'], 'a plain route is also a prefix')
  t.same(dials(decide(snap, { exten: '7447' })), ['PJSIP/t~t-b~+7447@fed-b'], 'explicit provider: its prefixes do not restrict, its rewriting applies')
  const op = decide(snap, { exten: '0' })
  t.same(dials(op), ['PJSIP/alice-desk&PJSIP/100@fed-b'])
  t.match(op, { reason: 'route', matched: { id: 'r-op' }, timeout: 30 })
  t.same(dials(decide(snap, { exten: '9' })), ['PJSIP/d~bob-desk@fed-b'], 'a device target hands over that device only')
  t.same(dials(decide(snap, { exten: '54123' })), ['NOTFOUND:target-missing'])
  t.same(dials(decide(snap, { exten: '123' })), ['NOTFOUND:no-match'])
})

t.test('routes of equal specificity are failover alternatives in priority order', async (t) => {
  const snap = cluster()
  const d = decide(snap, { exten: '66123' })
  t.same(dials(d), ['PJSIP/66123@t-local'], 'r-fail1 (t-full) is at its limit, r-fail2 carries')
  t.match(d, { matched: { id: 'r-fail1' } })
  snap.setChannels('t-full', 0)
  t.same(dials(decide(snap, { exten: '66123' })), ['PJSIP/66123@t-full', 'PJSIP/66123@t-local'])
  snap.put('trunk', 't-local', { enabled: false })
  snap.setChannels('t-full', 5)
  t.same(dials(decide(snap, { exten: '66123' })), ['CONGESTION:trunks-unavailable'])
})

t.test('context-scoped routes', async (t) => {
  const snap = cluster()
  t.same(dials(decide(snap, { exten: '123', context: 'sales' })), [
    'PJSIP/t~t-bd~123@fed-b', 'PJSIP/t~t-bd~123@fed-d', 'PJSIP/123@t-local'
  ])
  t.same(dials(decide(snap, { exten: '00447700900123', context: 'sales' }))[0], 'PJSIP/t~t-bd~00447700900123@fed-b',
    'a route scoped to the context wins over a more specific generic one')
})

t.test('calls from another node: local trunks only', async (t) => {
  t.same(dials(decide(cluster(), { exten: '00447700900123', context: 'federator-inbound' })), [
    'PJSIP/447700900123@t-local', 'PJSIP/07700900123@t-local'
  ])
})

t.test('failures: nothing covers the number, everything busy or down', async (t) => {
  const none = cluster((i) => { i.providers = i.providers!.filter((p) => p.id === 'mid' || p.id === 'cheap') })
  t.same(dials(decide(none, { exten: '0033123' })), ['NOTFOUND:no-provider'])
  const busy = cluster((i) => {
    i.trunks = i.trunks!.map((tr) => ({ ...tr, maxChannels: 1 }))
    i.channels = Object.fromEntries(i.trunks.map((tr) => [tr.id, 1]))
  })
  t.same(dials(decide(busy, { exten: '00447700900123' })), ['CONGESTION:trunks-unavailable'])
  const missingProvider = cluster((i) => { i.routes!.push({ id: 'r-x', pattern: '_3X', target: { kind: 'provider', provider: 'ghost' } }) })
  t.same(dials(decide(missingProvider, { exten: '31' })), ['NOTFOUND:target-missing'])
  const emptied = cluster((i) => { i.routes!.push({ id: 'r-s', pattern: '_3X', strip: 5, target: { kind: 'trunk', trunk: 't-local' } }) })
  t.same(dials(decide(emptied, { exten: '31' })), ['NOTFOUND:no-provider'], 'rewriting that leaves no number')
})

t.test('incremental updates of the snapshot', async (t) => {
  const snap = cluster()
  snap.applyChange({ type: 'route', id: 'r-new', after: { pattern: '_2XXX', target: { kind: 'trunk', trunk: 't-local' } } })
  t.same(dials(decide(snap, { exten: '2001' })), ['PJSIP/2001@t-local'])
  snap.applyChange({ type: 'user', id: 'zed', after: { name: 'Zed', extensions: ['2001'] } })
  t.same(dials(decide(snap, { exten: '2001' })), ['UNAVAILABLE:no-device'], 'a user extension wins over routes')
  snap.applyChange({ type: 'user', id: 'zed' })
  snap.applyChange({ type: 'route', id: 'r-new' })
  t.same(dials(decide(snap, { exten: '2001' })), ['NOTFOUND:no-match'])
  snap.applyChange({ type: 'table', id: 'x', after: { keys: ['a'] } })
  snap.applyChange({ type: 'provider', id: 'mid', after: { name: 'Mid', trunks: ['t-local'], prefixes: [{ prefix: '4477', cost: 0.1 }] } })
  t.equal(dials(decide(snap, { exten: '00447700900123' }))[0], 'PJSIP/447700900123@t-local')
  snap.applyChange({ type: 'provider', id: 'mid' })
  snap.applyChange({ type: 'provider', id: 'cheap' })
  snap.applyChange({ type: 'provider', id: 'tie' })
  t.same(dials(decide(snap, { exten: '00447700900123' })), ['PJSIP/t~t-bd~447700900123@fed-b', 'PJSIP/t~t-bd~447700900123@fed-d', 'PJSIP/447700900123@t-local'])
  snap.removeContact(snap.contactsOf('alice-mobile')[0]!.node, snap.contactsOf('alice-mobile')[0]!.id)
  t.same(dials(decide(snap, { exten: '100' })), ['PJSIP/alice-desk'])
  snap.setNode({ id: 'b'.repeat(64), name: 'b', sipAddress: '10.0.0.2', state: 'dead' })
  t.same(dials(decide(snap, { exten: '300' })), ['UNAVAILABLE:nodes-down'])
})
