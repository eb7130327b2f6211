import t from 'tap'
import fc from 'fast-check'
import * as hcrypto from 'hypercore-crypto'
import { NodeHealth, nodeState, SoftState, type StateTransition } from '../src/index.js'
import { toWire } from '../src/soft-state.js'

const RUNS = Number(process.env.FC_RUNS ?? 1000)
const ORDER = { alive: 0, suspect: 1, dead: 2 }

t.test('the failure detector rule: alive → suspect → dead, monotonic in silence', async (t) => {
  t.equal(nodeState(0, 1000, 2, 5), 'alive')
  t.equal(nodeState(1999, 1000, 2, 5), 'alive')
  t.equal(nodeState(2000, 1000, 2, 5), 'suspect')
  t.equal(nodeState(4999, 1000, 2, 5), 'suspect')
  t.equal(nodeState(5000, 1000, 2, 5), 'dead')
  t.equal(nodeState(-50, 1000, 2, 5), 'alive', 'clock steps back: alive')
  fc.assert(fc.property(
    fc.nat(10_000_000), fc.nat(10_000_000), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 }),
    (a, b, interval, suspect, extra) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a]
      return ORDER[nodeState(lo, interval, suspect, suspect + extra)] <= ORDER[nodeState(hi, interval, suspect, suspect + extra)]
    }), { numRuns: RUNS })
  t.pass('monotonic')
})

t.test('heartbeats drive the states; a clean leave is dead at once', async (t) => {
  const now = { t: 1_000_000 }
  const mk = (): SoftState => new SoftState({ keyPair: hcrypto.keyPair(), now: () => now.t, maxItems: 100, maxItemBytes: 4096, maxTtlMs: 60_000 })
  const a = mk()
  const b = mk()
  // b hears everything a publishes, by hand (no network here)
  a.on('item', (it) => b.offer(toWire(it, now.t), null))
  const opts = { heartbeatMs: 1000, suspectAfterMissed: 2, deadAfterMissed: 4, forgetDeadAfterMs: 10_000, now: () => now.t }
  const ha = new NodeHealth(a, { ...opts, info: () => ({ name: 'a', sipAddress: '10.0.0.1:5060' }) })
  const hb = new NodeHealth(b, { ...opts, info: () => ({ name: 'b' }) })
  const seen: StateTransition[] = []
  hb.on('state', (s: StateTransition) => seen.push(s))
  hb.start()
  t.teardown(() => { hb.stop(); ha.stop() })
  ha.start() // publishes one heartbeat now
  const aKey = a.owner
  t.equal(hb.stateOf(aKey), 'alive')
  t.match(hb.nodes().find(n => n.swarmKey === aKey)?.info, { name: 'a', sipAddress: '10.0.0.1:5060', interval: 1000 })
  t.equal(hb.nodes().find(n => n.self)?.swarmKey, b.owner)
  ha.stop() // removes a's item
  t.equal(hb.stateOf(aKey), 'dead', 'clean leave')
  t.same(seen.map(s => s.to), ['alive', 'dead'])

  const c = mk()
  c.on('item', (it) => b.offer(toWire(it, now.t), null))
  const hc = new NodeHealth(c, { ...opts, info: () => ({ name: 'c' }) })
  hc.start()
  c.removeAllListeners('item') // a crash: nothing more from c, not even a removal
  t.teardown(() => hc.stop())
  now.t += 1999; hb.check()
  t.equal(hb.stateOf(c.owner), 'alive')
  now.t += 1; hb.check()
  t.equal(hb.stateOf(c.owner), 'suspect')
  now.t += 2000; hb.check()
  t.equal(hb.stateOf(c.owner), 'dead')
  now.t += 10_001; hb.check()
  t.equal(hb.stateOf(c.owner), undefined, 'forgotten')
})

t.test('a clean stop with a restart grace: suspect (restarting) until it is back, dead when the grace runs out', async (t) => {
  const now = { t: 2_000_000 }
  const mk = (): SoftState => new SoftState({ keyPair: hcrypto.keyPair(), now: () => now.t, maxItems: 100, maxItemBytes: 4096, maxTtlMs: 60_000 })
  const a = mk()
  const b = mk()
  a.on('item', (it) => b.offer(toWire(it, now.t), null))
  const opts = { heartbeatMs: 1000, suspectAfterMissed: 2, deadAfterMissed: 4, forgetDeadAfterMs: 60_000, now: () => now.t }
  const hb = new NodeHealth(b, { ...opts, info: () => ({ name: 'b' }) })
  const seen: StateTransition[] = []
  hb.on('state', (s: StateTransition) => seen.push(s))
  hb.start()
  t.teardown(() => hb.stop())

  const ha = new NodeHealth(a, { ...opts, restartGraceMs: 10_000, info: () => ({ name: 'a', sipAddress: '10.0.0.1:5060' }) })
  ha.start()
  t.equal(hb.stateOf(a.owner), 'alive')
  ha.stop() // announces a restart
  t.equal(hb.stateOf(a.owner), 'suspect', 'restarting: suspect at once, not dead')
  t.match(hb.nodes().find((n) => n.swarmKey === a.owner), { restarting: true, left: false, info: { name: 'a', sipAddress: '10.0.0.1:5060', restarting: 10_000 } })
  now.t += 9_999; hb.check()
  t.equal(hb.stateOf(a.owner), 'suspect', 'held suspect through the grace, heartbeats or not')
  // the restarted node heartbeats again
  const ha2 = new NodeHealth(a, { ...opts, restartGraceMs: 10_000, info: () => ({ name: 'a' }) })
  ha2.start()
  t.equal(hb.stateOf(a.owner), 'alive', 'back: alive')
  t.equal(hb.nodes().find((n) => n.swarmKey === a.owner)?.restarting, false)
  now.t += 2000; hb.check()
  t.equal(hb.stateOf(a.owner), 'suspect', 'the normal failure detector again (2 missed)')
  ha2.stop()
  now.t += 10_000; hb.check()
  t.equal(hb.stateOf(a.owner), 'dead', 'not back within the grace: dead')
  t.equal(hb.nodes().find((n) => n.swarmKey === a.owner)?.restarting, false)
  t.same(seen.filter((s) => s.swarmKey === a.owner).map((s) => s.to), ['alive', 'suspect', 'alive', 'suspect', 'dead'])
})
