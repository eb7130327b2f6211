import t from 'tap'
import fc from 'fast-check'
import { decideRoute, type RouteDecision, type RouteRequest, type RoutingSnapshot } from '../../src/index.js'
import { RUNS } from './arbitraries.js'
import { A, B, C, D, NOW, cluster, contact } from './fixtures.js'

const decide = (snap: RoutingSnapshot, req: RouteRequest, now = NOW): RouteDecision => decideRoute(snap, req, { now, trace: true })
const dials = (d: RouteDecision): string[] => d.status === 'OK' ? d.alternatives.map((a) => a.dial) : [d.status + ':' + d.reason]

t.test('a user rings all their devices in parallel, wherever registered', async (t) => {
  const snap = cluster()
  const d = decide(snap, { exten: '100' })
  t.same(dials(d), ['PJSIP/alice-desk&PJSIP/100@fed-b'])
  t.match(d, { status: 'OK', reason: 'user', matched: { kind: 'user', id: 'alice' }, timeout: 30, node: 'a' })
  if (d.status === 'OK') {
    t.same(d.alternatives[0]!.legs.map((l) => [l.device ?? l.user, l.via]), [['alice-desk', undefined], ['alice', 'b']])
  }
  t.ok(d.why.some((w) => /alice-mobile: registered on node b/.test(w)), 'the trace says where each device is')
  t.same(dials(decide(snap, { exten: '1100' })), ['PJSIP/alice-desk&PJSIP/1100@fed-b'], 'the hop keeps the dialled extension')
  t.same(dials(decide(snap, { exten: '1-100' })), ['PJSIP/alice-desk&PJSIP/1100@fed-b'], 'dashes are ignored')
})

t.test('chan_sip dial strings: per node setting and per request', async (t) => {
  t.same(dials(decide(cluster(), { exten: '100', tech: 'SIP' })), ['SIP/alice-desk&SIP/fed-b/100'])
  const snap = cluster((i) => { i.nodes![0] = { ...i.nodes![0]!, tech: 'SIP' } })
  t.same(dials(decide(snap, { exten: '100' })), ['SIP/alice-desk&SIP/fed-b/100'])
  t.same(dials(decide(snap, { exten: '100', tech: 'PJSIP' })), ['PJSIP/alice-desk&PJSIP/100@fed-b'])
  const settings = cluster((i) => { i.settings = { tech: 'SIP', endpointPrefix: 'peer-', ringTimeout: 45 } })
  const d = decide(settings, { exten: '100' })
  t.same(dials(d), ['SIP/alice-desk&SIP/peer-b/100'])
  t.match(d, { timeout: 45 })
})

t.test('the freshest registration wins; healthy nodes before suspect ones', async (t) => {
  t.same(dials(decide(cluster(), { exten: '200' })), ['PJSIP/200@fed-b'], 'bob-desk re-registered on b after a')
  const older = cluster((i) => { i.contacts!.push(contact('bob-desk', D, { updated: NOW })) })
  t.same(dials(decide(older, { exten: '200' })), ['PJSIP/200@fed-b'], 'a fresher registration on a suspect node loses')
  const suspect = cluster((i) => { i.nodes![1] = { ...i.nodes![1]!, state: 'suspect' } })
  t.same(dials(decide(suspect, { exten: '200' })), ['PJSIP/bob-desk'], 'b suspect: the older local registration wins')
  const tie = cluster((i) => { i.contacts = [contact('bob-desk', A, { updated: NOW - 1 }), contact('bob-desk', B, { updated: NOW - 1 })] })
  t.same(dials(decide(tie, { exten: '200' })), ['PJSIP/bob-desk'], 'equally fresh: this node')
})

t.test('one hop per node when that node would ring exactly those devices, else per device', async (t) => {
  t.same(dials(decide(cluster(), { exten: '300' })), ['PJSIP/300@fed-b'])
  const split = cluster((i) => { i.contacts!.push(contact('carol-soft', A, { updated: NOW })) })
  t.same(dials(decide(split, { exten: '300' })), ['PJSIP/carol-soft&PJSIP/d~carol-desk@fed-b'],
    'carol-soft is also registered on b: b must not ring it a second time')
  const noExt = cluster((i) => {
    i.users!.push({ id: 'ivy', name: 'Ivy', extensions: [] })
    i.devices!.push({ id: 'ivy-desk', user: 'ivy' })
    i.contacts!.push(contact('ivy-desk', B))
    i.routes!.push({ id: 'r-ivy', pattern: '_4321', target: { kind: 'user', user: 'ivy' } })
  })
  t.same(dials(decide(noExt, { exten: '4321' })), ['PJSIP/u~ivy@fed-b'], 'a user without extension is handed over by id')
})

t.test('why a user cannot be reached', async (t) => {
  const snap = cluster()
  t.same(dials(decide(snap, { exten: '400' })), ['UNAVAILABLE:no-device'])
  t.same(dials(decide(snap, { exten: '500' })), ['UNAVAILABLE:no-device'], 'only disabled devices')
  t.same(dials(decide(snap, { exten: '600' })), ['UNAVAILABLE:nodes-down'], 'registered only on a dead node')
  t.same(dials(decide(snap, { exten: '700' })), ['BUSY:all-busy'])
  t.same(dials(decide(snap, { exten: '800' })), ['UNAVAILABLE:not-registered'], 'expired registration')
  t.same(dials(decide(snap, { exten: '100' }, NOW + 60_000)), ['UNAVAILABLE:not-registered'], 'expiry is exclusive of now')
  t.same(dials(decide(snap, { exten: '100' }, NOW + 59_999)), ['PJSIP/alice-desk&PJSIP/100@fed-b'])
  const noAddr = cluster((i) => { i.nodes![1] = { id: B, name: 'b', state: 'alive' } })
  t.same(dials(decide(noAddr, { exten: '300' })), ['UNAVAILABLE:no-sip-address'], 'a live peer without SIP address cannot be reached, and the reason says so')
  const noAddrSuspect = cluster((i) => { i.nodes![1] = { id: B, name: 'b', state: 'suspect' } })
  t.ok(decide(noAddr, { exten: '300' }).why.some((w) => /without a SIP address \(started without --sip-address\)/.test(w)), 'the trace names what is missing')
  t.same(dials(decide(noAddrSuspect, { exten: '300' })), ['UNAVAILABLE:no-sip-address'], 'suspect is not down')
  const noAddrDead = cluster((i) => { i.nodes![1] = { id: B, name: 'b', state: 'dead' } })
  t.same(dials(decide(noAddrDead, { exten: '300' })), ['UNAVAILABLE:nodes-down'], 'a dead peer is down, SIP address or not')
  const badAddr = cluster((i) => { i.nodes![1] = { id: B, name: 'b', sipAddress: 'not an address!', state: 'alive' } })
  t.same(dials(decide(badAddr, { exten: '300' })), ['UNAVAILABLE:no-sip-address'], 'an unusable SIP address counts as none')
  const gone = cluster((i) => { i.nodes!.splice(1, 1) })
  t.same(dials(decide(gone, { exten: '300' })), ['UNAVAILABLE:nodes-down'], 'registrations of a node no longer in the cluster')
})

t.test('dead nodes are not used; the device registered here is', async (t) => {
  const snap = cluster((i) => { i.nodes![1] = { ...i.nodes![1]!, state: 'dead' } })
  t.same(dials(decide(snap, { exten: '100' })), ['PJSIP/alice-desk'])
  t.same(dials(decide(snap, { exten: '200' })), ['PJSIP/bob-desk'])
  t.same(dials(decide(snap, { exten: '300' })), ['UNAVAILABLE:nodes-down'])
})

t.test('deciding for another node (node=)', async (t) => {
  const snap = cluster()
  const d = decide(snap, { exten: '100', node: 'b' })
  t.same(dials(d), ['PJSIP/alice-mobile&PJSIP/100@fed-a'])
  t.match(d, { node: 'b' })
  t.same(dials(decide(snap, { exten: '100', node: B })), ['PJSIP/alice-mobile&PJSIP/100@fed-a'], 'by id')
  t.same(dials(decide(snap, { exten: '100', node: 'zz' })), ['INVALID:unknown-node'])
})

t.test('calls from another node (inbound context) use local registrations only', async (t) => {
  const snap = cluster()
  const ctx = 'federator-inbound'
  t.same(dials(decide(snap, { exten: '100', context: ctx })), ['PJSIP/alice-desk'])
  t.same(dials(decide(snap, { exten: '300', context: ctx })), ['UNAVAILABLE:not-registered'])
  t.same(dials(decide(snap, { exten: 'u~alice', context: ctx })), ['PJSIP/alice-desk'])
  t.same(dials(decide(snap, { exten: 'd~bob-desk', context: ctx })), ['PJSIP/bob-desk'], 'older local registration of a device')
  t.same(dials(decide(snap, { exten: 'd~nobody', context: ctx })), ['NOTFOUND:target-missing'])
  t.same(dials(decide(snap, { exten: 'u~nobody', context: ctx })), ['NOTFOUND:target-missing'])
  t.same(dials(decide(snap, { exten: 'd~bob-desk' })), ['INVALID:invalid-exten'], 'hop extensions only in the inbound context')
  const b = decide(snap, { exten: '300', context: ctx, node: 'b' })
  t.same(dials(b), ['PJSIP/carol-desk&PJSIP/carol-soft'], 'node b rings its own registrations')
  t.match(b, { reason: 'user' })
})

t.test('property: the chosen registration is the healthiest, then freshest, then local', async () => {
  const nodes = [A, B, C, D, 'e'.repeat(64)]
  const regArb = fc.record({ node: fc.constantFrom(...nodes), updated: fc.integer({ min: -5, max: 5 }), expires: fc.integer({ min: -3, max: 10 }) })
  fc.assert(fc.property(fc.array(regArb, { maxLength: 6 }), fc.constantFrom<'alive' | 'suspect' | 'dead'>('alive', 'suspect', 'dead'), (regs, bState) => {
    const snap = cluster((i) => {
      i.nodes![1] = { ...i.nodes![1]!, state: bState }
      i.contacts = regs.map((r, k) => contact('bob-desk', r.node, { id: 'c' + String(k), updated: NOW + r.updated * 1000, expires: NOW + r.expires * 1000 }))
    })
    const state = (n: string): string | undefined => n === A ? 'alive' : n === B ? bState : n === C ? 'dead' : n === D ? 'suspect' : undefined
    const usable = regs.filter((r) => r.expires > 0 && state(r.node) !== undefined && state(r.node) !== 'dead')
    usable.sort((x, y) => ((state(x.node) === 'alive' ? 0 : 1) - (state(y.node) === 'alive' ? 0 : 1)) || (y.updated - x.updated) ||
      ((x.node === A ? 0 : 1) - (y.node === A ? 0 : 1)) || (x.node < y.node ? -1 : x.node > y.node ? 1 : 0))
    const want = usable.length === 0 ? undefined : usable[0]!.node === A ? 'PJSIP/bob-desk' : `PJSIP/200@fed-${usable[0]!.node === B ? 'b' : 'd'}`
    const d = decide(snap, { exten: '200' })
    return want === undefined ? d.status === 'UNAVAILABLE' : d.status === 'OK' && d.alternatives[0]!.dial === want
  }), { numRuns: RUNS })
})
