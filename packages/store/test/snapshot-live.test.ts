/**
 * The live-block rule (snapshot.ts) against the merge, as a property: for any history of several writers
 * (partitions, deletes, re-creations, concurrent edits, skewed clocks — core's simulator), the live
 * entries of every log prefix plus everything written after it give the same view as the whole history.
 * "After it" is what makes this about the merge *state*, not only the view at the snapshot: knowledge and
 * lost writes kept in the state decide how later entries merge.
 */
import t from 'tap'
import fc from 'fast-check'
import { applyEntry, viewHashOf, type Entry, type Hlc, type RecordState, type WriterTag } from '@federator/core'
import { LiveScan } from '../src/snapshot.js'
import { runSim, commandsArb } from '../../core/test/sim.js'

function states (entries: Entry[]): RecordState[] {
  const m = new Map<string, RecordState>()
  for (const e of entries) m.set(e.type + '/' + e.id, applyEntry(m.get(e.type + '/' + e.id), e))
  return [...m.values()]
}

/** the live entries of one log (each entry its own block: the finest grouping) */
function live (log: Entry[]): Entry[] {
  const scan = new LiveScan()
  const out: Entry[] = []
  for (let i = log.length - 1; i >= 0; i--) if (scan.feed([log[i]!])) out.push(log[i]!)
  return out.reverse()
}

t.test('live entries of a prefix + the rest of the logs = the whole history', async (t) => {
  let dropped = 0
  let total = 0
  fc.assert(fc.property(commandsArb, fc.nat(80), (commands, cut) => {
    const at = Math.min(cut, commands.length)
    const before = runSim(commands.slice(0, at)).nodes.map((n) => n.log.length)
    const { nodes } = runSim(commands)
    const all = nodes.flatMap((n) => n.log)
    const sparse = nodes.flatMap((n, i) => [...live(n.log.slice(0, before[i])), ...n.log.slice(before[i])])
    total += all.length
    dropped += all.length - sparse.length
    // any order: the joiner applies writer by writer
    return viewHashOf(states(sparse)) === viewHashOf(states(all)) && viewHashOf(states([...sparse].reverse())) === viewHashOf(states(all))
  }), { numRuns: 400 })
  t.ok(dropped > 0, `the rule drops superseded entries (${dropped} of ${total})`)
})

t.test('one writer rewriting records keeps only the newest version of each', async (t) => {
  const log: Entry[] = []
  let hlc = 1
  for (let round = 0; round < 10; round++) {
    for (let r = 0; r < 20; r++) log.push({ op: 'put', type: 'device', id: 'd' + r, hlc: hlc++ as Hlc, writer: 'w' as WriterTag, set: { a: round } })
  }
  log.push({ op: 'del', type: 'device', id: 'd3', hlc: hlc++ as Hlc, writer: 'w' as WriterTag })
  const kept = live(log)
  // 20 newest puts, the delete, and nothing else: the put of d3 is kept because it wrote field a last
  t.equal(kept.length, 21)
  t.ok(kept.every((e) => e.op === 'del' || e.set?.a === 9))
  t.equal(viewHashOf(states(kept)), viewHashOf(states(log)))
})
