/**
 * Snapshot join on real hypercores and LevelDB: a fresh store fetches only the live blocks a peer names,
 * reaches the peer's view hash (deleted records stay deleted, conflicts stay), follows the logs on from
 * there, survives a restart and a rebuild on its sparse logs; a manifest that leaves out a live block is
 * caught by the hash check and the store replays the logs in full.
 */
import t, { type Test } from 'tap'
import { Store, type SnapshotManifest, type JoinResult } from '../src/index.js'
import { tmpDir as tmp, until } from '../../../test/helpers/index.js'

async function open (t: Test, dir: string, opts: Partial<ConstructorParameters<typeof Store>[0]> = {}): Promise<Store> {
  const s = new Store({ dir, ...opts })
  t.teardown(() => s.close())
  await s.ready()
  return s
}

function link (a: Store, b: Store): () => void {
  const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  return () => { s1.destroy(); s2.destroy() }
}

/** blocks of all logs present locally */
async function localBlocks (s: Store): Promise<number> {
  let n = 0
  for (const w of s.writers()) {
    const core = s.getCore(w.key)!
    for (let i = 0; i < core.length; i++) if (await core.has(i)) n++
  }
  return n
}

/**
 * Two writers: 20 devices rewritten 5 times on A (one write per block), 3 of them deleted, one of them
 * re-created; a conflict on `name` between A and B made while they were apart.
 */
async function history (t: Test): Promise<{ a: Store, b: Store }> {
  const a = await open(t, tmp(t))
  const b = await open(t, tmp(t))
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 20; i++) await a.write({ op: 'replace', type: 'user', id: 'u' + i, fields: { name: `U${i} r${round}`, extensions: [String(1000 + i)] } })
  }
  for (const i of [3, 4, 5]) await a.write({ op: 'delete', type: 'user', id: 'u' + i })
  await a.write({ op: 'create', type: 'user', id: 'u5', fields: { name: 'U5 again', extensions: [] } })
  await a.addWriter(b.writerKey)
  await b.addWriter(a.writerKey)
  let unlink = link(a, b)
  await until(() => a.viewHash() === b.viewHash(), 'a and b converge')
  unlink()
  await a.write({ op: 'patch', type: 'user', id: 'u7', set: { name: 'from A' } })
  await b.write({ op: 'patch', type: 'user', id: 'u7', set: { name: 'from B' } })
  unlink = link(a, b)
  await until(() => a.viewHash() === b.viewHash(), 'a and b converge after the partition')
  unlink()
  t.equal((await a.conflicts({ limit: 10 })).length, 1, 'the history has one conflict')
  return { a, b }
}

t.test('a fresh store joins from a snapshot: live blocks only, same view, conflicts and deletes kept', async (t) => {
  const { a } = await history(t)
  const manifest = (await a.snapshotManifest())!
  const total = manifest.writers.reduce((n, w) => n + w.length, 0)
  const live = manifest.writers.reduce((n, w) => n + w.live.length, 0)
  // per live device: its first put (the record's lifecycle: a replace of a live record is a patch) and its
  // last replace; u3, u4: last replace and delete; u5: only its re-creation; the two conflicting patches
  t.equal(live, 17 * 2 + 2 * 2 + 1 + 2, `the manifest names ${live} of ${total} blocks`)

  const dir = tmp(t)
  const j = await open(t, dir, { snapshot: { snapshotJoin: true } })
  t.equal(j.awaitingSnapshot, true, 'a fresh store waits for a snapshot')
  t.teardown(link(a, j))
  const result = await j.joinSnapshot(manifest)
  t.match(result, { ok: true, blocks: live, skipped: total - live })
  t.equal(j.viewHash(), a.viewHash(), 'same view hash as the peer')
  t.equal(j.awaitingSnapshot, false)
  t.equal(await j.get('user', 'u3'), undefined, 'a deleted record stays deleted')
  t.equal(await j.get('user', 'u4'), undefined)
  t.same(await j.get('user', 'u5'), { extensions: [], name: 'U5 again' }, 'a re-created record has only its new fields')
  t.same(await j.get('user', 'u0'), { extensions: ['1000'], name: 'U0 r4' })
  t.same(await j.conflicts({ limit: 10 }), await a.conflicts({ limit: 10 }), 'the conflict is kept')
  t.same(await j.lookup('ext', '1003'), [], 'no index entry of a deleted record')
  t.equal(j.count('user'), a.count('user'))
  t.ok(await localBlocks(j) <= live, 'only the live blocks were downloaded')

  // the logs go on: the joined store follows them from the manifest's lengths
  await a.write({ op: 'patch', type: 'user', id: 'u0', set: { name: 'after the join' } })
  await a.write({ op: 'delete', type: 'user', id: 'u1' })
  await until(() => j.viewHash() === a.viewHash(), 'the joined store follows new writes')
  t.same(await j.get('user', 'u0'), { extensions: ['1000'], name: 'after the join' })
  t.ok(await localBlocks(j) <= live + 2, 'and downloads only what is new')

  // its own writes work, and a restart and a full rebuild work on the sparse logs
  await a.addWriter(j.writerKey)
  await j.write({ op: 'create', type: 'user', id: 'joiner', fields: { name: 'J', extensions: [] } })
  await until(() => j.viewHash() === a.viewHash(), 'a applies the joiner\'s write')
  const hash = j.viewHash()
  await j.close()
  const j2 = await open(t, dir, { snapshot: { snapshotJoin: true } })
  t.equal(j2.awaitingSnapshot, false, 'a store with data never waits for a snapshot')
  t.equal(j2.viewHash(), hash, 'same view after a restart')
  t.equal(await j2.rebuild(), hash, 'a rebuild from the sparse logs gives the same view')
  t.same(j2.writers().map((w) => w.quarantined), j2.writers().map(() => 0), 'the skipped blocks are not quarantined as missing')
})

t.test('a manifest that leaves out a live block is caught, and the store replays the logs in full', async (t) => {
  const { a } = await history(t)
  const honest = (await a.snapshotManifest())!
  // leave out the block with the last rewrite of u0 (the joiner would show u0's round-0 version)
  const omit = honest.writers.find((w) => w.key === a.writerKey)!.live.find((s) => s >= 80)!
  const lying: SnapshotManifest = { ...honest, writers: honest.writers.map((w) => w.key === a.writerKey ? { ...w, live: w.live.filter((s) => s !== omit) } : w) }
  const j = await open(t, tmp(t), { snapshot: { snapshotJoin: true } })
  t.teardown(link(a, j))
  const events: JoinResult[] = []
  j.on('snapshot-joined', (r) => events.push(r))
  const result = await j.joinSnapshot(lying)
  t.match(result, { ok: false, reason: 'hash-mismatch' })
  t.same(events, [result])
  t.equal(j.awaitingSnapshot, false, 'no second snapshot is taken')
  await until(() => j.viewHash() === a.viewHash() && j.writers().every((w) => w.applied === w.length) && j.count('user') > 0, 'full replay converges')
  t.same(await j.conflicts({ limit: 10 }), await a.conflicts({ limit: 10 }))
  t.equal((await j.joinSnapshot(honest)).ok, false, 'a store that stopped waiting takes no snapshot')
})

t.test('bad manifests are refused with a reason; a store with data or lengths beyond the logs falls back', async (t) => {
  const { a } = await history(t)
  const j = await open(t, tmp(t), { snapshot: { snapshotJoin: true, fetchTimeoutMs: 500 } })
  t.match(await j.joinSnapshot({ v: 1, h: 'zz', w: [] }), { ok: false, reason: 'malformed', detail: 'bad view hash' })
  t.match(await j.joinSnapshot({ v: 1, h: '0'.repeat(64), w: [[a.writerKey, 3, [2, 5]]] }), { ok: false, reason: 'malformed', detail: 'bad block list' })
  t.equal(j.awaitingSnapshot, true, 'a malformed manifest does not end the wait')
  // not linked to anyone: the blocks cannot be fetched
  const m = (await a.encodedSnapshot())!
  t.match(await j.joinSnapshot(m), { ok: false, reason: 'fetch-failed' })
  t.equal(j.count('user'), 0, 'nothing of the failed join stays in the view')
  t.equal(j.awaitingSnapshot, false)
  t.match(await a.joinSnapshot(m), { ok: false, reason: 'not-waiting' }, 'a store with data never joins from a snapshot')
})

t.test('without a snapshot in time, a waiting store replays the logs in full', async (t) => {
  const { a, b } = await history(t)
  const j = await open(t, tmp(t), { snapshot: { snapshotJoin: true, holdMs: 200 } })
  await j.addWriter(a.writerKey)
  await j.addWriter(b.writerKey)
  t.teardown(link(a, j))
  await until(() => j.viewHash() === a.viewHash(), 'full replay after the hold')
  t.equal(j.awaitingSnapshot, false)
})

t.test('clearDead frees the dead blocks: same view, restarts, rebuilds and serves snapshots', async (t) => {
  const { a } = await history(t)
  const hash = a.viewHash()
  const before = await localBlocks(a)
  const { cleared, live } = await a.clearDead()
  t.equal(await localBlocks(a), live, `only the ${live} live blocks are left on disk`)
  t.equal(before - cleared, live)
  t.equal(a.viewHash(), hash)
  t.equal(await a.rebuild(), hash, 'a rebuild from the cleared logs gives the same view')
  await a.write({ op: 'patch', type: 'user', id: 'u0', set: { name: 'after clearing' } })
  const j = await open(t, tmp(t), { snapshot: { snapshotJoin: true } })
  t.teardown(link(a, j))
  t.match(await j.joinSnapshot(await a.snapshotManifest()), { ok: true })
  t.equal(j.viewHash(), a.viewHash(), 'a node that cleared still serves snapshot joins')
  t.same(await j.get('user', 'u0'), { extensions: ['1000'], name: 'after clearing' })
})
