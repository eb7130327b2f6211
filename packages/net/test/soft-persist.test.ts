/**
 * This node's soft state kept on disk (soft-persist.ts) with a real LocalDb:
 * what is written comes back at load with its expiry (expired items dropped,
 * tombstones kept so a removal stays removed), seqs keep growing across runs,
 * own items echoed back by peers are adopted for kept kinds, and a process
 * killed with SIGKILL loses nothing whose write resolved.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import * as hcrypto from 'hypercore-crypto'
import { LocalDb } from '@federator/store'
import { SoftPersistence, SoftState, signItem, type SoftChange, type WireItem } from '../src/index.js'

const keeps = (kind: string): boolean => kind !== 'node'

function table (kp: ReturnType<typeof hcrypto.keyPair>, now: { t: number }): SoftState {
  return new SoftState({ keyPair: kp, now: () => now.t, maxItems: 1000, maxItemBytes: 4096, maxTtlMs: 3600_000, keepsKind: keeps })
}

async function open (t: Test, dir: string, soft: SoftState, now: { t: number }): Promise<{ db: LocalDb, keeper: SoftPersistence }> {
  const db = await LocalDb.open(dir)
  t.teardown(async () => await db.close().catch(() => {}))
  const keeper = new SoftPersistence(soft, { db, flushMs: 60_000, keepsKind: keeps, now: () => now.t })
  return { db, keeper }
}

function wire (kp: ReturnType<typeof hcrypto.keyPair>, kind: string, key: string, seq: number, value: unknown, ttlMs = 10_000, removed = false): WireItem {
  const { body, signature } = signItem(kp, { kind, key, seq, ttlMs, value, removed })
  return [body, signature, 0]
}

t.test('kept items come back with their expiry; expired ones are dropped; a removal stays removed', async (t) => {
  const dir = t.testdir()
  const kp = hcrypto.keyPair()
  const now = { t: 1_000_000_000 }
  const a = table(kp, now)
  const run1 = await open(t, dir, a, now)
  t.same(await run1.keeper.load(), { restored: 0, expired: 0, dropped: 0 }, 'nothing kept yet')
  a.publish('contact', 'short', { id: 'short' }, 10_000)
  a.publish('contact', 'long', { id: 'long', v: 1 }, 100_000)
  a.publish('contact', 'long', { id: 'long', v: 2 }, 100_000) // the newer version is what is kept
  a.publish('contact', 'gone', { id: 'gone' }, 100_000)
  t.ok(a.remove('contact', 'gone'))
  a.publish('sipreg', 'bob', { name: 'bob' }, 100_000)
  a.publish('node', 'health', { name: 'a' }, 10_000) // not a kept kind
  const held = new Map([...a.all()].map((it) => [it.kind + '/' + it.key, it]))
  await run1.keeper.close()
  t.equal(run1.keeper.counters.failures, 0)
  await run1.db.close()

  // the second run starts 20 s later: 'short' (10 s) has expired
  now.t += 20_000
  const b = table(kp, now)
  const run2 = await open(t, dir, b, now)
  t.same(await run2.keeper.load(), { restored: 3, expired: 1, dropped: 0 }, 'long, gone (a tombstone) and bob restored; short expired')
  t.same(b.get('contact').map((c) => c.value), [{ id: 'long', v: 2 }])
  t.same(b.get('sipreg').map((c) => c.value), [{ name: 'bob' }])
  t.same(b.get('node'), [], 'health is not kept')
  const long = [...b.all()].find((it) => it.key === 'long')!
  t.equal(long.seq, held.get('contact/long')!.seq, 'the same version: peers holding it see a duplicate')
  t.equal(long.expiresAt, held.get('contact/long')!.expiresAt, 'its expiry is kept')
  t.ok(long.local)
  t.same(Buffer.from(long.body), Buffer.from(held.get('contact/long')!.body), 'body and signature as published')
  t.ok(b.seq >= Math.max(...[...held.values()].map((it) => it.seq)), 'the seq counter resumes above the previous run')

  // a peer still holding the contact from before its removal cannot bring it back
  const before = held.get('contact/gone')!
  const stale = wire(kp, 'contact', 'gone', before.seq - 1, { id: 'gone' })
  t.equal(b.offer(stale, null), 'stale')
  t.same(b.get('contact').map((c) => c.key), ['long'], 'still removed')

  // a new publication gets a higher seq than anything the previous run used
  const fresh = b.publish('contact', 'long', { id: 'long', v: 3 }, 100_000)
  t.ok(fresh.seq > long.seq)
  await run2.keeper.close()
  await run2.db.close()

  // and a third run, past every TTL, keeps nothing
  now.t += 200_000
  const c = table(kp, now)
  const run3 = await open(t, dir, c, now)
  t.same(await run3.keeper.load(), { restored: 0, expired: 3, dropped: 0 })
  t.equal(c.size, 0)
  await run3.keeper.close()
  await run3.db.close()
  const run4 = await open(t, dir, table(kp, now), now)
  t.same(await run4.keeper.load(), { restored: 0, expired: 0, dropped: 0 }, 'expired items were deleted from disk at load')
})

t.test('expired items leave the disk as flushes pass them; items of another key are not restored', async (t) => {
  const dir = t.testdir()
  const kp = hcrypto.keyPair()
  const now = { t: 5_000_000 }
  const a = table(kp, now)
  const run1 = await open(t, dir, a, now)
  await run1.keeper.load()
  a.publish('contact', 'x', { id: 'x' }, 1000)
  await run1.keeper.flush()
  now.t += 2000
  a.publish('contact', 'y', { id: 'y' }, 100_000)
  await run1.keeper.flush()
  t.equal(run1.keeper.counters.deleted, 1, 'x (expired) deleted with the next batch')
  await run1.keeper.close()
  await run1.db.close()

  const other = table(hcrypto.keyPair(), now)
  const run2 = await open(t, dir, other, now)
  t.same(await run2.keeper.load(), { restored: 0, expired: 0, dropped: 1 }, 'y belongs to another key: dropped')
})

t.test('write-behind: an item reaches the disk by itself, without a flush or a close', async (t) => {
  const dir = t.testdir()
  const kp = hcrypto.keyPair()
  const now = { t: Date.now() }
  const a = table(kp, now)
  const db = await LocalDb.open(dir)
  t.teardown(async () => await db.close().catch(() => {}))
  const keeper = new SoftPersistence(a, { db, flushMs: 5, keepsKind: keeps })
  await keeper.load()
  a.publish('contact', 'x', { id: 'x' }, 100_000)
  for (let i = 0; i < 400 && keeper.counters.flushes === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(keeper.counters.flushes, 1, 'one batch written by the timer')
  const keys: string[] = []
  for await (const [k] of db.entries('i!')) keys.push(k)
  t.same(keys, ['i!contact\u0000x'])
  await keeper.close()
})

t.test('our own item coming back newer from a peer: a kept kind adopts it, health is superseded', async (t) => {
  const kp = hcrypto.keyPair()
  const now = { t: 2_000_000 }
  const s = table(kp, now)
  const changes: SoftChange[] = []
  s.on('change', (c: SoftChange) => changes.push(c))
  // the previous run published this and was killed before writing it to disk
  t.equal(s.offer(wire(kp, 'contact', 'alice', 1_999_000, { id: 'alice', aor: 'alice' }, 60_000), null), 'new')
  t.same(s.get('contact').map((c) => [c.key, c.value, c.local]), [['alice', { id: 'alice', aor: 'alice' }, true]], 'adopted as our own')
  t.match(changes, [{ kind: 'contact', key: 'alice', reason: 'update', local: true }])
  t.ok(s.publish('contact', 'bob', 1, 1000).seq > 1_999_000, 'our seq moved past it')
  // a removal the previous run made and lost is adopted too: the contact stays removed
  t.equal(s.offer(wire(kp, 'contact', 'alice', s.seq + 5, undefined, 60_000, true), null), 'new')
  t.same(s.get('contact').map((c) => c.key), ['bob'])
  // health from an earlier run is superseded by a fresh version (not adopted)
  const out: Array<{ kind: string, removed: boolean }> = []
  s.on('item', (it) => out.push({ kind: it.kind, removed: it.removed }))
  t.equal(s.offer(wire(kp, 'node', 'health', s.seq + 10, { old: true }), null), 'stale')
  t.same(out, [{ kind: 'node', removed: true }], 'superseded by a removal')
})

t.test('SIGKILL at any moment: everything whose write resolved is there, and the database opens', async (t) => {
  const dir = t.testdir()
  const seed = randomBytes(32)
  const child = fileURLToPath(new URL('./fixtures/soft-writer.ts', import.meta.url))
  const proc = spawn(process.execPath, ['--import=tsx', '--conditions=fed-source', child, dir, seed.toString('hex')], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL') })
  let kept = -1
  const target = 400 + Math.floor(Math.random() * 400)
  await new Promise<void>((resolve, reject) => {
    let buf = ''
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      for (const line of buf.split('\n').slice(0, -1)) {
        const m = /^kept (\d+)/.exec(line)
        if (m !== null) kept = Number(m[1])
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1)
      if (kept >= target && proc.exitCode === null) { proc.kill('SIGKILL'); resolve() }
    })
    proc.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code}`)) })
  })
  await new Promise((resolve) => proc.once('exit', resolve))
  t.ok(kept >= target, `killed after ${kept + 1} items were acknowledged on disk`)

  const now = { t: Date.now() }
  const s = table(hcrypto.keyPair(seed), now)
  const run = await open(t, dir, s, now)
  const loaded = await run.keeper.load()
  t.equal(loaded.dropped, 0, 'no damaged record')
  const live = new Set(s.get('contact').map((c) => c.key))
  const removed = new Set([...s.all()].filter((it) => it.removed).map((it) => it.key))
  const missing: string[] = []
  const resurrected: string[] = []
  for (let i = 0; i <= kept; i++) {
    if (i % 10 === 9) { if (live.has('c' + i)) resurrected.push('c' + i); else if (!removed.has('c' + i)) missing.push('tombstone c' + i) } else if (!live.has('c' + i)) missing.push('c' + i)
  }
  t.same(missing, [], 'every acknowledged item and tombstone is there')
  t.same(resurrected, [], 'no removed item came back')
  t.equal(s.get('node').length, 0, 'health was never kept')
  await run.keeper.close()
})
