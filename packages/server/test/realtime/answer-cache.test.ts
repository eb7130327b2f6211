/** AnswerCache on its own (with plain string tags: it never reads them): tag versions, changes during a computation, bounds, resets. */
import t from 'tap'
import { AnswerCache } from '../../src/realtime/index.js'
import { ANSWER_OVERHEAD_BYTES, CELL_OVERHEAD_BYTES, REF_BYTES } from '../../src/realtime/cache.js'

const limits = { maxEntries: 100, maxBytes: 100_000, maxAnswer: 1000, maxTags: 1000 }

t.test('an entry is fresh until one of its tags is bumped', async (t) => {
  const c = new AnswerCache<string>(limits)
  c.set('single', 'f', 'a', 'A\n', ['d:a', 'u:x'], c.now())
  c.set('single', 'f', 'b', 'B\n', ['d:b', 'u:x', 'T*'], c.now())
  c.set('single', 'f', 'n', 'N\n', [], c.now())
  t.equal(c.get('single', 'f', 'a'), 'A\n')
  t.equal(c.get('single', 'f', 'b'), 'B\n')
  c.bump('d:b')
  t.equal(c.get('single', 'f', 'a'), 'A\n', 'another tag: untouched')
  t.equal(c.get('single', 'f', 'b'), undefined, 'its own tag: stale')
  c.bump('u:x')
  t.equal(c.get('single', 'f', 'a'), undefined, 'a shared tag invalidates every entry that has it')
  t.equal(c.get('single', 'f', 'n'), 'N\n', 'no tags: valid until evicted or cleared')
  c.set('single', 'f', 'b', 'B2\n', ['d:b', 'u:x', 'T*'], c.now())
  t.equal(c.get('single', 'f', 'b'), 'B2\n', 'recomputed after the bump: fresh')
  c.bump('T*')
  t.equal(c.get('single', 'f', 'b'), undefined, 'a third tag counts too')
  t.same([c.hits, c.misses], [5, 3])
})

t.test('a change during a computation makes its answer stale at once', async (t) => {
  const c = new AnswerCache<string>(limits)
  const at = c.now()
  c.bump('d:a') // a change arrives while the answer is being computed from the old data
  c.set('single', 'f', 'a', 'old\n', ['d:a'], at)
  t.equal(c.get('single', 'f', 'a'), undefined)
  t.equal(c.has('single', 'f', 'a'), false)
  const at2 = c.now()
  c.bump('t:new') // a tag nobody had yet
  c.set('single', 'f', 'b', 'old\n', ['t:new'], at2)
  t.equal(c.get('single', 'f', 'b'), undefined, 'also for a tag first seen in that bump')
  const at3 = c.now()
  c.clear()
  c.set('single', 'f', 'c', 'old\n', ['x'], at3)
  t.equal(c.get('single', 'f', 'c'), undefined, 'computed before a clear: refused')
})

t.test('bounded by entries, bytes and answer length; the tag table resets the cache', async (t) => {
  const c = new AnswerCache<string>({ maxEntries: 3, maxBytes: 3 * ANSWER_OVERHEAD_BYTES + 28, maxAnswer: 10, maxTags: 5 })
  for (const k of ['a', 'b', 'c', 'd']) c.set('single', 'f', k, k + '\n', [], c.now())
  t.equal(c.size, 3)
  t.equal(c.get('single', 'f', 'a'), undefined, 'oldest first')
  t.equal(c.evictions, 1)
  c.set('single', 'f', 'long', 'x'.repeat(11), [], c.now())
  t.equal(c.get('single', 'f', 'long'), undefined, 'over maxAnswer: not kept')
  for (let i = 0; i < 5; i++) c.set('single', 'f', 'k' + String(i), '123456789', [], c.now())
  t.ok(c.bytes <= 3 * ANSWER_OVERHEAD_BYTES + 28, 'within its bytes')
  t.equal(c.size, 2, 'two answers of 9 characters with a 2-character key fit, not three')
  const tagged = new AnswerCache<string>({ ...limits, maxTags: 5 })
  tagged.set('single', 'f', 't', 'T\n', ['t1', 't2', 't3', 't4', 't5'], tagged.now())
  t.equal(tagged.get('single', 'f', 't'), 'T\n')
  tagged.bump('t6')
  t.equal(tagged.get('single', 'f', 't'), 'T\n', 'over maxTags: the cells no answer uses are pruned first')
  t.equal(tagged.tags, 5)
  tagged.set('single', 'f', 'u', 'U\n', ['u1'], tagged.now())
  tagged.bump('u2')
  t.equal(tagged.size, 0, 'still over maxTags with every cell in use: everything is dropped')
  t.equal(tagged.get('single', 'f', 't'), undefined)
})

t.test('the size counts answers, keys, tag cells and references, and the cells of bumped tags are pruned to fit', async (t) => {
  const c = new AnswerCache<string>({ maxEntries: 1000, maxBytes: 10 * CELL_OVERHEAD_BYTES, maxAnswer: 100, maxTags: 1000 })
  c.set('single', 'f', 'a', 'A\n', ['d:a'], c.now())
  t.equal(c.bytes, ANSWER_OVERHEAD_BYTES + 2 + 1 + CELL_OVERHEAD_BYTES + 3 + REF_BYTES, 'one answer, its key, one tag cell and one reference')
  c.bump('d:a')
  t.equal(c.bytes, CELL_OVERHEAD_BYTES + 3, 'the answer is gone, its tag cell (with the bump time) stays')
  for (let i = 0; i < 30; i++) c.bump('x:' + String(i)) // changes of records no answer was computed from
  t.ok(c.bytes <= 10 * CELL_OVERHEAD_BYTES + 10, 'unused cells are pruned once over the budget')
  t.ok(c.tags < 31)
  const at = c.now()
  for (let i = 30; i < 60; i++) c.bump('x:' + String(i))
  c.set('single', 'f', 'b', 'B\n', ['x:59'], at)
  t.equal(c.get('single', 'f', 'b'), undefined, 'a computation that started before a prune is not kept')
  c.set('single', 'f', 'b', 'B\n', ['x:59'], c.now())
  t.equal(c.get('single', 'f', 'b'), 'B\n', 'one that starts after is')
})

t.test('the cells of evicted answers do not crowd out answers: they are pruned before more answers are evicted', async (t) => {
  // room for about 200 answers of two tags each
  const each = ANSWER_OVERHEAD_BYTES + 16 + 2 * (CELL_OVERHEAD_BYTES + 6 + REF_BYTES)
  const c = new AnswerCache<string>({ maxEntries: 1_000_000, maxBytes: 200 * each, maxAnswer: 1000, maxTags: 1_000_000 })
  let fewest = Infinity
  for (let i = 0; i < 5000; i++) {
    c.set('single', 'f', 'id=d' + String(i), 'A' + String(i).padStart(5, '0') + '\n', ['d:' + String(i), 'u:' + String(i)], c.now())
    if (i >= 400) fewest = Math.min(fewest, c.size)
  }
  t.ok(c.bytes <= 200 * each, 'within its bytes')
  t.ok(fewest >= 100, `once full, at least half of what fits stays cached (fewest: ${fewest})`)
  t.ok(c.tags <= 4 * c.size, `the cells are at most twice those the answers use (${c.tags} cells, ${c.size} answers)`)
  t.equal(c.get('single', 'f', 'id=d4999'), 'A04999\n', 'the newest answer is there')
})
