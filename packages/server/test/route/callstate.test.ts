/**
 * Live call state as routing reads it (route/callstate.ts): every node's device-state and channel
 * items folded into the snapshot — a device on a call on any node is busy, a trunk's channels are
 * the sum over the nodes, removals and expiries undo them, malformed values count as nothing, and a
 * fresh snapshot (after a store rebuild) gets the whole table.
 */
import t from 'tap'
import { CHANNELS_KIND, DEVSTATE_KIND, MemorySnapshot } from '@federator/core'
import { RoutingCallState } from '../../src/route/callstate.js'

t.test('device states and channel counts of every node reach the snapshot', async (t) => {
  const snap = new MemorySnapshot({ self: 'a' })
  const calls = new RoutingCallState()
  const dev = (owner: string, key: string, value: unknown): void => calls.apply(snap, { kind: DEVSTATE_KIND, key, owner, value })
  const ch = (owner: string, key: string, value: unknown): void => calls.apply(snap, { kind: CHANNELS_KIND, key, owner, value })

  dev('b', 'alice', { state: 'RINGING' })
  t.equal(snap.deviceBusy('alice'), false, 'ringing is not on a call')
  dev('c', 'alice', { state: 'INUSE' })
  t.equal(snap.deviceBusy('alice'), true, 'in use on another node: busy')
  dev('c', 'alice', undefined)
  t.equal(snap.deviceBusy('alice'), false, 'removed (or expired): not busy')
  dev('b', 'bob', { state: 'UNKNOWN' })
  t.equal(snap.deviceBusy('bob'), false, 'unknown (ARI down) is not busy')
  dev('b', 'carol', { state: 'NONSENSE' })
  t.equal(snap.deviceBusy('carol'), false, 'a malformed value counts as nothing')

  ch('b', 'tr1', { channels: 2 })
  ch('c', 'tr1', { channels: 1 })
  t.equal(snap.channelsInUse('tr1'), 3, 'summed over the nodes')
  ch('b', 'tr1', undefined)
  t.equal(snap.channelsInUse('tr1'), 1)
  ch('c', 'tr1', { channels: 'many' })
  t.equal(snap.channelsInUse('tr1'), 0, 'a malformed count clears that node\'s')

  dev('b', 'dave', { state: 'ONHOLD' })
  ch('b', 'tr2', { channels: 4 })
  const fresh = new MemorySnapshot({ self: 'a' })
  calls.writeAll(fresh)
  t.same([fresh.deviceBusy('dave'), fresh.channelsInUse('tr2'), fresh.deviceBusy('alice')], [true, 4, false], 'a fresh snapshot gets the whole table')
})
