import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chunkRecords, countRecords, EtaEstimator, formatEta, LineCounter, type RecordChunk } from '../src/commands/import-progress.js'

t.test('LineCounter counts records (non-blank lines) across chunk boundaries', async (t) => {
  const c = new LineCounter()
  const text = '{"a":1}\n\n  \r\n{"b":\n2}\n{"c":3}'
  // every split point gives the same count
  for (let cut = 0; cut <= text.length; cut++) {
    const k = new LineCounter()
    k.push(Buffer.from(text.slice(0, cut)))
    k.push(Buffer.from(text.slice(cut)))
    t.equal(k.end(), 4, `split at ${cut}`)
  }
  t.equal(c.push(Buffer.from('x\ny\n')), 2, 'push returns the lines it completed')
  t.equal(c.end(), 2, 'nothing pending at the end')
  t.equal(new LineCounter().end(), 0)
})

t.test('countRecords', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'r.ndjson')
  await writeFile(file, Array.from({ length: 1000 }, (_, i) => JSON.stringify({ type: 'user', id: `u${i}` })).join('\n') + '\n\n')
  t.equal(await countRecords(file), 1000)
})

t.test('the ETA: the average rate since the first record, steady through pauses and bursts', async (t) => {
  const e = new EtaEstimator(10_000, 1000)
  t.equal(e.eta(0, 0), undefined, 'nothing sent: unknown')
  t.equal(e.eta(500, 100), undefined, 'the first burst fills buffers: no ETA yet')
  t.equal(e.eta(1000, 1000), undefined, 'still warming up')
  // 1000 records/s from the first one at t=100
  t.equal(e.eta(1000, 1100), 9, '1000 in 1 s: 9000 left, 9 s')
  t.equal(e.rate(1000, 1100), 1000)
  // the node pauses 2 s (a batch applied): the ETA moves by the pause, no more
  const before = e.eta(3000, 3100)!
  const paused = e.eta(3000, 5100)!
  t.equal(before, 7)
  t.ok(paused > before && paused <= 12, `a pause lengthens the ETA in proportion (${before} → ${paused})`)
  // then a burst: the ETA comes down gradually, it does not collapse
  const burst = e.eta(3500, 5200)!
  t.ok(burst < paused && burst >= 9, `a burst shortens it in proportion (${paused} → ${burst})`)
  t.equal(e.eta(10_000, 9000), 0, 'done: 0')
})

t.test('formatEta', async (t) => {
  t.equal(formatEta(undefined), '…')
  t.equal(formatEta(0), '0s')
  t.equal(formatEta(42), '42s')
  t.equal(formatEta(185), '3m05s')
  t.equal(formatEta(3720), '1h02m')
})

t.test('chunkRecords: whole lines, N records a chunk, the file\'s line numbers kept', async (t) => {
  const lines = ['{"n":1}', '', '{"n":2}', '{"n":3}', '  ', '{"n":4}', '{"n":5}']
  const text = lines.join('\n') // no final newline
  async function * pieces (size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size))
  }
  for (const size of [1, 3, 7, 1000]) {
    const out: RecordChunk[] = []
    for await (const c of chunkRecords(pieces(size), 2)) out.push(c)
    t.same(out.map((c) => c.records), [2, 2, 1], `${size}-byte pieces: 2 records a chunk`)
    t.same(out.map((c) => c.firstLine), [1, 4, 7], 'each chunk knows the file line it starts at')
    t.equal(Buffer.concat(out.map((c) => c.body)).toString(), text, 'nothing lost, nothing added')
    for (const c of out) {
      const first = c.body.toString().split('\n')[0]!
      t.equal(first, lines[c.firstLine - 1], `chunk at line ${c.firstLine} starts with that line`)
    }
  }
  const none: RecordChunk[] = []
  for await (const c of chunkRecords((async function * () {})(), 2)) none.push(c)
  t.same(none, [], 'empty input: no request')
})
