import t from 'tap'
import fc from 'fast-check'
import {
  CallStateTable, DEVICE_STATES, busyDecision, channelCountValue, combineDeviceStates, decideRoute, deviceOfStateName,
  deviceStateValue, endpointOfChannel, isCallStateKey, isInUse, reservedTrunks, parseDeviceState, sumChannels, type DeviceState, type RouteDecision
} from '../../src/index.js'
import { NOW, cluster } from '../routing/fixtures.js'

const state = fc.constantFrom(...DEVICE_STATES)

t.test('device state names and values', async (t) => {
  t.equal(parseDeviceState('INUSE'), 'INUSE')
  t.equal(parseDeviceState('not_inuse'), 'NOT_INUSE')
  t.equal(parseDeviceState(' ringinuse '), 'RINGINUSE')
  t.equal(parseDeviceState('ON_FIRE'), undefined)
  t.equal(parseDeviceState(3), undefined)
  t.equal(deviceOfStateName('PJSIP/alice-desk'), 'alice-desk')
  t.equal(deviceOfStateName('SIP/bob'), 'bob')
  for (const other of ['Custom:alice', 'Queue:q1_avail', 'Stasis:x', 'PJSIP/', 'PJSIP/a&PJSIP/b', 'Local/100@x', 'PJSIP/a b', 7]) {
    t.equal(deviceOfStateName(other), undefined, `${String(other)} is not a device`)
  }
  t.equal(endpointOfChannel('PJSIP/trunk-1-0000002a'), 'trunk-1', 'the last -<8 hex> is the channel number')
  t.equal(endpointOfChannel('SIP/peer-00000001'), 'peer')
  t.equal(endpointOfChannel('Local/100@from-internal-00000001;1'), undefined)
  t.equal(endpointOfChannel('PJSIP/trunk'), undefined)
  t.ok(isCallStateKey('alice-desk'))
  for (const bad of ['a)&value=x', '', 'x'.repeat(81), 'a b', 3]) t.notOk(isCallStateKey(bad), `${String(bad).slice(0, 12)} is no key`)
  t.equal(deviceStateValue({ state: 'INUSE' }), 'INUSE')
  t.equal(deviceStateValue({ state: 'BOGUS' }), undefined)
  t.equal(deviceStateValue('INUSE'), undefined)
  t.equal(channelCountValue({ channels: 3 }), 3)
  for (const bad of [{ channels: -1 }, { channels: 1.5 }, { channels: '2' }, null, []]) t.equal(channelCountValue(bad), undefined)
})

t.test('combining one device\'s states over nodes', async (t) => {
  t.equal(combineDeviceStates([]), 'NOT_INUSE', 'nothing reported: idle')
  t.equal(combineDeviceStates(['INUSE', 'NOT_INUSE']), 'INUSE')
  t.equal(combineDeviceStates(['RINGING', 'INUSE']), 'RINGINUSE')
  t.equal(combineDeviceStates(['RINGING', 'ONHOLD']), 'RINGINUSE')
  t.equal(combineDeviceStates(['UNKNOWN', 'NOT_INUSE']), 'UNKNOWN', 'a node that cannot tell beats idle')
  t.equal(combineDeviceStates(['UNKNOWN', 'INUSE']), 'INUSE')
  t.equal(combineDeviceStates(['BUSY', 'RINGING']), 'BUSY')
  fc.assert(fc.property(fc.array(state, { maxLength: 6 }), (states) => {
    const c = combineDeviceStates(states)
    // order does not matter
    if (combineDeviceStates([...states].reverse()) !== c) return false
    // on a call on any node ⇔ on a call combined
    return states.some(isInUse) === isInUse(c)
  }))
})

t.test('sums and the busy decision', async (t) => {
  t.equal(sumChannels([1, 2, 3]), 6)
  t.equal(sumChannels([1, -4, Number.NaN, 2.5, 2]), 3, 'malformed counts are ignored')
  t.equal(busyDecision(true, [true, true]), 'ring', 'call waiting on: always ring')
  t.equal(busyDecision(false, [true, true]), 'busy')
  t.equal(busyDecision(false, [true, false]), 'ring')
  t.equal(busyDecision(false, []), 'ring', 'no device: not busy (routing says unavailable)')
})

t.test('CallStateTable: combined states and sums follow every owner, and say when they change', async (t) => {
  const table = new CallStateTable()
  t.equal(table.setDevice('b', 'alice', 'INUSE'), 'INUSE')
  t.equal(table.setDevice('b', 'alice', 'INUSE'), null, 'same again: no change')
  t.equal(table.setDevice('c', 'alice', 'RINGING'), 'RINGINUSE')
  t.equal(table.setDevice('b', 'alice', undefined), 'RINGING')
  t.equal(table.setDevice('c', 'alice', undefined), 'NOT_INUSE')
  t.equal(table.setDevice('c', 'alice', undefined), null, 'clearing nothing: no change')
  t.same([...table.devices()], [])
  t.equal(table.setChannels('b', 'prov1', 2), 2)
  t.equal(table.setChannels('c', 'prov1', 1), 3)
  t.equal(table.setChannels('c', 'prov1', 1), null)
  t.equal(table.setChannels('b', 'prov1', 0), 1, 'zero clears')
  t.equal(table.channels('prov1'), 1)
  t.equal(table.setChannels('c', 'prov1', undefined), 0)
  t.same([...table.endpoints()], [])

  // property: after any sequence of updates the table equals a recomputation from the last value per owner
  const op = fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('d1', 'd2'), fc.option(state, { nil: undefined }), fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }))
  fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
    const tab = new CallStateTable()
    const last = new Map<string, DeviceState | undefined>()
    const counts = new Map<string, number | undefined>()
    for (const [owner, key, s, n] of ops) {
      const before = tab.combined(key)
      const r = tab.setDevice(owner, key, s)
      if ((r === null) !== (tab.combined(key) === before)) return false
      last.set(owner + key, s)
      tab.setChannels(owner, key, n)
      counts.set(owner + key, n)
    }
    for (const key of ['d1', 'd2']) {
      const states = ['a', 'b', 'c'].map((o) => last.get(o + key)).filter((s): s is DeviceState => s !== undefined)
      if (tab.combined(key) !== combineDeviceStates(states)) return false
      if (tab.channels(key) !== sumChannels(['a', 'b', 'c'].map((o) => counts.get(o + key) ?? 0))) return false
    }
    return true
  }))
})

const dials = (d: RouteDecision): string[] => d.status === 'OK' ? d.alternatives.map((a) => a.dial) : [d.status + ':' + d.reason]

t.test('routing: busy users with call waiting off, devices ring with it on', async (t) => {
  // alice has alice-desk (here, node a) and alice-mobile (node b)
  const on = cluster()
  on.setBusy('alice-desk', true)
  on.setBusy('alice-mobile', true)
  t.same(dials(decideRoute(on, { exten: '100' }, { now: NOW })), ['PJSIP/alice-desk&PJSIP/100@fed-b'], 'call waiting on (default): both ring')

  const off = cluster((i) => { i.users = i.users!.map((u) => u.id === 'alice' ? { ...u, callWaiting: false } : u) })
  t.same(dials(decideRoute(off, { exten: '100' }, { now: NOW })), ['PJSIP/alice-desk&PJSIP/100@fed-b'], 'call waiting off, idle: both ring')
  off.setBusy('alice-desk', true)
  t.same(dials(decideRoute(off, { exten: '100' }, { now: NOW })), ['PJSIP/100@fed-b'], 'the device on a call is left out')
  off.setBusy('alice-mobile', true)
  const d = decideRoute(off, { exten: '100' }, { now: NOW, trace: true })
  t.match(d, { status: 'BUSY', reason: 'all-busy' })
  t.ok(d.why.some((w) => /alice-desk: on a call \(call waiting off\)/.test(w)))
  off.setBusy('alice-desk', false)
  t.same(dials(decideRoute(off, { exten: '100' }, { now: NOW })), ['PJSIP/alice-desk'], 'busy flags are live')
})

t.test('routing: a provider\'s maxChannels is over all its trunks; a full one is skipped for the next', async (t) => {
  const snap = cluster((i) => {
    i.providers = i.providers!.map((p) => p.id === 'mid' ? { ...p, maxChannels: 2 } : p)
    i.channels = {}
  })
  const first = (): string => dials(decideRoute(snap, { exten: '00447700900123' }, { now: NOW }))[0]!
  t.equal(first(), 'PJSIP/t~t-b~+447700900123@fed-b', 'mid (cheapest) below its limit')
  snap.setChannels('t-b', 1)
  t.equal(first(), 'PJSIP/t~t-b~+447700900123@fed-b', '1/2')
  snap.setChannels('t-b', 2)
  const d = decideRoute(snap, { exten: '00447700900123' }, { now: NOW, trace: true })
  t.equal(dials(d)[0], 'PJSIP/447700900123@t-full', 'mid full: the next provider (cheap)')
  t.ok(d.why.some((w) => /provider mid: at its channel limit \(2\/2\)/.test(w)))
  // everything full → CONGESTION
  const only = cluster((i) => {
    i.providers = i.providers!.map((p) => ({ ...p, maxChannels: 1 }))
    i.channels = { 't-local': 1, 't-b': 1, 't-bd': 1 }
  })
  t.match(decideRoute(only, { exten: '00447700900123' }, { now: NOW }), { status: 'CONGESTION', reason: 'trunks-unavailable' })
})

t.test('reservedTrunks: the first alternative\'s trunk legs leaving here', async (t) => {
  const snap = cluster()
  // mid (via b) first, then cheap's t-local here: only a direct first alternative reserves
  t.same(reservedTrunks(decideRoute(snap, { exten: '00447700900123' }, { now: NOW })), [], 'handed to node b: b counts it')
  const local = cluster((i) => { i.providers = i.providers!.filter((p) => p.id === 'tie') })
  t.same(reservedTrunks(decideRoute(local, { exten: '00447700900123' }, { now: NOW })), ['t-local'])
  t.same(reservedTrunks(decideRoute(snap, { exten: '100' }, { now: NOW })), [], 'a user: no trunk')
  t.same(reservedTrunks(decideRoute(snap, { exten: '999999999999' }, { now: NOW })), [], 'a failure: nothing')
})
