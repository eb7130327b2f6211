/**
 * A tiny in-memory cluster for property tests: writers with skewed clocks that
 * write entries the way the store does (context from their own view, HLC from
 * their own clock) and sync logs with each other in log order.
 */
import fc from 'fast-check'
import {
  HlcClock, applyEntry, contextFor, isAlive, type Entry, type Hlc, type RecordState, type WriterTag, type Fields
} from '../src/index.js'

export const TAGS = ['00000000000000aa', '00000000000000bb', '00000000000000cc', '00000000000000dd'] as WriterTag[]

export type Command =
  | { kind: 'write', w: number, rec: number, choice: number, field: number, value: number }
  | { kind: 'sync', from: number, to: number }
  | { kind: 'time', w: number, ms: number }

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), w: fc.nat(3), rec: fc.nat(2), choice: fc.nat(9), field: fc.nat(2), value: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sync' as const), from: fc.nat(3), to: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), w: fc.nat(3), ms: fc.integer({ min: -5000, max: 5000 }) }) }
)

interface Writer {
  tag: WriterTag
  clock: HlcClock
  wall: number
  log: Entry[]
  /** how much of each writer's log this writer has applied */
  pos: number[]
  states: Map<string, RecordState>
}

const FIELDS = ['a', 'b', 'c']

export function runSim (commands: Command[], writers = 4): { entries: Entry[], nodes: Writer[] } {
  const nodes: Writer[] = []
  for (let i = 0; i < writers; i++) {
    const n: Writer = { tag: TAGS[i]!, wall: 1_700_000_000_000 + i * 37, log: [], pos: new Array(writers).fill(0), states: new Map(), clock: undefined as unknown as HlcClock }
    n.clock = new HlcClock(() => n.wall)
    nodes.push(n)
  }
  const apply = (n: Writer, e: Entry): void => {
    const key = e.type + '/' + e.id
    n.states.set(key, applyEntry(n.states.get(key), e))
  }
  const pull = (to: Writer, from: Writer): void => {
    // logs spread transitively: take every log as far as `from` has it, in log order
    for (let w = 0; w < writers; w++) {
      const upto = w === nodes.indexOf(from) ? from.log.length : from.pos[w]!
      const src = nodes[w]!
      const start = w === nodes.indexOf(to) ? to.log.length : to.pos[w]!
      for (let i = start; i < upto; i++) { to.clock.observe(src.log[i]!.hlc); apply(to, src.log[i]!) }
      if (w !== nodes.indexOf(to) && upto > to.pos[w]!) to.pos[w] = upto
    }
  }
  for (const c of commands) {
    if (c.kind === 'time') {
      const n = nodes[c.w % writers]!
      n.wall += c.ms
      continue
    }
    if (c.kind === 'sync') {
      if (c.from % writers !== c.to % writers) pull(nodes[c.to % writers]!, nodes[c.from % writers]!)
      continue
    }
    const n = nodes[c.w % writers]!
    n.wall += 1
    const id = 'r' + c.rec
    const s = n.states.get('device/' + id)
    const field = FIELDS[c.field % FIELDS.length]!
    const value = `v${c.value}`
    let e: Entry
    const base = { type: 'device', id, hlc: 0 as Hlc, writer: n.tag, ctx: contextFor(s, n.tag) }
    if (!isAlive(s)) {
      const set: Fields = { [field]: value }
      if (c.choice % 2 === 0) set.a = 'created'
      e = { ...base, op: 'put', set }
    } else if (c.choice < 2) {
      e = { ...base, op: 'del' }
    } else if (c.choice < 3) {
      e = { ...base, op: 'patch', unset: [field] }
    } else {
      e = { ...base, op: 'patch', set: { [field]: value } }
    }
    e.hlc = n.clock.tick()
    if (e.ctx === undefined) delete e.ctx
    n.log.push(e)
    apply(n, e)
  }
  return { entries: nodes.flatMap((n) => n.log), nodes }
}

/** Scenarios long enough to contain partitions, deletes and re-creations. */
export const commandsArb = fc.array(commandArb, { minLength: 1, maxLength: 80, size: 'large' })
