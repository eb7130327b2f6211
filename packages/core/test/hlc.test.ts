import t from 'tap'
import fc from 'fast-check'
import { HlcClock, hlcCounter, hlcWall, makeHlc, type Hlc } from '../src/index.js'

const RUNS = Number(process.env.FC_RUNS ?? 1000)

t.test('HLC stays strictly monotonic under clock skew, jumps and remote clocks', async (t) => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('tick' as const), jump: fc.integer({ min: -60_000, max: 60_000 }) }),
    fc.record({ kind: fc.constant('observe' as const), skew: fc.integer({ min: -3_600_000, max: 3_600_000 }), counter: fc.nat(1023) })
  )
  fc.assert(fc.property(fc.array(step, { maxLength: 200, size: 'large' }), (steps) => {
    let wall = 1_800_000_000_000
    const clock = new HlcClock(() => wall)
    let last = -1
    for (const s of steps) {
      if (s.kind === 'tick') {
        wall += s.jump
        const h = clock.tick()
        if (h <= last) return false
        last = h
      } else {
        const remote = makeHlc(wall + s.skew, s.counter)
        clock.observe(remote)
        if (remote > last) last = remote
        const h = clock.tick()
        if (h <= last) return false
        last = h
      }
    }
    return true
  }), { numRuns: RUNS })
  t.pass('monotonic')
})

t.test('the counter overflows into the wall clock', async (t) => {
  const clock = new HlcClock(() => 1000)
  let h: Hlc = clock.tick()
  t.equal(hlcWall(h), 1000)
  for (let i = 0; i < 1024; i++) h = clock.tick()
  t.equal(hlcWall(h), 1001, 'borrowed one millisecond')
  t.equal(hlcCounter(h), 0)
})

t.test('drift of a remote clock ahead of ours is reported', async (t) => {
  const clock = new HlcClock(() => 10_000)
  clock.observe(makeHlc(15_000))
  t.equal(clock.lastDrift, 5000)
  clock.observe(makeHlc(9_000))
  t.equal(clock.lastDrift, 0)
  t.ok(clock.tick() > makeHlc(15_000), 'later ticks follow the remote clock')
})
