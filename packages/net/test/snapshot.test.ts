/**
 * Snapshot join over the network (real hyperswarm on loopback, real stores): a fresh node asks an admitted
 * peer for a manifest on the "federator/snapshot/1" channel, fetches only the live blocks over hypercore
 * replication and follows the logs on from there; a peer that serves a manifest with a block left out is
 * caught and the joiner replays the logs in full; fresh nodes of a new cluster do not wait for a snapshot
 * nobody has.
 */
import t from 'tap'
import { Store, encodeManifest, type JoinResult, type SnapshotManifest } from '@federator/store'
import { Network, formatJoinString, newClusterSecret, type ReplicatedLogs } from '../src/index.js'
import { converged, FAST, log, tmpdir, waitFor, write, type T, type TestNode } from './helpers.js'

async function node (t: T, join: string, opts: { snapshotJoin?: boolean, holdMs?: number, peers?: string[], logs?: (s: Store) => ReplicatedLogs } = {}): Promise<TestNode & { joined: JoinResult[] }> {
  const dir = await tmpdir(t)
  const store = new Store({ dir, logger: log, snapshot: { snapshotJoin: opts.snapshotJoin, holdMs: opts.holdMs } })
  t.teardown(() => store.close())
  await store.ready()
  const joined: JoinResult[] = []
  store.on('snapshot-joined', (r) => joined.push(r))
  const net = new Network({ logs: opts.logs?.(store) ?? store, log, join, host: '127.0.0.1', port: 0, bootstrap: [], closeGraceMs: 200, peers: opts.peers, tunables: FAST, health: () => ({ viewHash: store.viewHash() }) })
  t.teardown(() => net.close())
  await net.ready()
  return { net, store, dir, joined }
}

const addr = (n: TestNode): string => `${n.net.swarmKey}@127.0.0.1:${n.net.address!.port}`

async function localBlocks (s: Store): Promise<number> {
  let n = 0
  for (const w of s.writers()) {
    const core = s.getCore(w.key)!
    for (let i = 0; i < core.length; i++) if (await core.has(i)) n++
  }
  return n
}

/** 30 users rewritten 4 times (one block per write) and 5 of them deleted */
async function load (n: TestNode): Promise<void> {
  for (let round = 0; round < 4; round++) for (let i = 0; i < 30; i++) await write(n, 'u' + i, `round ${round}`)
  for (let i = 0; i < 5; i++) await n.store.write({ op: 'delete', type: 'user', id: 'u' + i })
}

t.test('a fresh node joins from an admitted peer\'s snapshot and follows on', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const a = await node(t, join)
  await load(a)
  const b = await node(t, join, { peers: [addr(a)] })
  await write(b, 'from-b')
  await waitFor('a and b converge', () => converged([a, b]))
  const j = await node(t, join, { snapshotJoin: true, holdMs: 60_000, peers: [addr(a)] })
  await waitFor('the snapshot join', () => j.joined.length > 0)
  t.match(j.joined[0], { ok: true })
  const total = a.store.core.length + b.store.core.length
  t.ok(await localBlocks(j.store) < total / 2, `the joiner holds ${await localBlocks(j.store)} of ${total} blocks`)
  await waitFor('the joiner converges', () => converged([a, b, j]))
  t.equal(j.store.getSync('user', 'u0'), undefined, 'deleted records stay deleted')
  t.same(j.store.getSync('user', 'u9'), { extensions: [], name: 'round 3' })
  await write(a, 'after')
  await write(j, 'from-j')
  await waitFor('new writes everywhere', () => converged([a, b, j]))
  await waitFor('the join confirmed by another node\'s view hash', () => j.net.snapshotCheck === 'confirmed')
})

t.test('a peer that serves a manifest with a live block left out is caught: the joiner replays in full', async (t) => {
  const join = formatJoinString(newClusterSecret())
  // the liar is a real node whose store leaves out a live block of its manifests
  const liar = await node(t, join, {
    logs: (s) => new Proxy(s, {
      get (target, p) {
        if (p === 'encodedSnapshot') {
          return async () => {
            const m = (await target.snapshotManifest()) as SnapshotManifest
            m.writers[0]!.live.splice(-10, 1) // the last rewrite of u25
            const { encodeManifest } = await import('@federator/store')
            return encodeManifest(m)
          }
        }
        const v = Reflect.get(target, p, target) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      }
    })
  })
  await load(liar)
  const j = await node(t, join, { snapshotJoin: true, holdMs: 60_000, peers: [addr(liar)] })
  await waitFor('the snapshot join', () => j.joined.length > 0)
  t.match(j.joined[0], { ok: false, reason: 'hash-mismatch' })
  await waitFor('full replay converges', () => converged([liar, j]))
  t.equal(await localBlocks(j.store), liar.store.core.length, 'the joiner replayed the whole log')
})

t.test('fresh nodes of a new cluster stop waiting when no peer has a snapshot', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const a = await node(t, join, { snapshotJoin: true, holdMs: 60_000 })
  const b = await node(t, join, { snapshotJoin: true, holdMs: 60_000, peers: [addr(a)] })
  await waitFor('both stop waiting', () => !a.store.awaitingSnapshot && !b.store.awaitingSnapshot)
  await write(a, 'x')
  await write(b, 'y')
  await waitFor('they converge', () => converged([a, b]))
  t.comment(JSON.stringify([a.joined, b.joined]))
  t.ok([...a.joined, ...b.joined].every((r) => r.ok), 'a snapshot taken from the other fresh node is a valid one')
})

t.test('a peer that lies consistently (block left out, hash of what is left) is caught by the cluster\'s hashes', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const a = await node(t, join)
  await load(a)
  const b = await node(t, join, { peers: [addr(a)] })
  await waitFor('a and b converge', () => converged([a, b]))
  // the lie: the last rewrite of u25 left out, and the hash a joiner computes from the rest (found by a dry run)
  const honest = (await a.store.snapshotManifest())!
  const lie: SnapshotManifest = { ...honest, writers: honest.writers.map((w) => ({ ...w, live: w.live.filter((_, i) => i !== w.live.length - 10) })) }
  const dry = new Store({ dir: await tmpdir(t), logger: log, snapshot: { snapshotJoin: true } })
  await dry.ready()
  const s1 = a.store.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = dry.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  const r = await dry.joinSnapshot(lie)
  await dry.close() // linked still: its followers, released after the failed join, read on until closed
  s1.destroy(); s2.destroy()
  lie.hash = /view hash ([0-9a-f]{64})/.exec(r.ok ? '' : r.detail ?? '')![1]!
  const liar = await node(t, join, {
    peers: [addr(a)],
    logs: (s) => new Proxy(s, {
      get (target, p) {
        if (p === 'encodedSnapshot') return async () => encodeManifest(lie)
        const v = Reflect.get(target, p, target) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      }
    })
  })
  await waitFor('the liar has the logs', () => converged([a, liar]))
  const j = await node(t, join, { snapshotJoin: true, holdMs: 60_000, peers: [addr(liar)] })
  await waitFor('the snapshot join', () => j.joined.length > 0)
  t.match(j.joined[0], { ok: true }, 'the lie passes the check against the liar\'s own hash')
  t.not(j.store.viewHash(), a.store.viewHash())
  j.net.addPeer(addr(b))
  await waitFor('the cluster\'s hashes contradict the join', () => j.net.snapshotCheck === 'mismatch')
  await waitFor('full replay converges', () => converged([a, b, j]))
  t.same(j.store.getSync('user', 'u25'), { extensions: [], name: 'round 3' })
})

t.test('the store keeps waiting while a peer prepares its manifest (longer than the hold time)', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const slow = await node(t, join, {
    logs: (s) => new Proxy(s, {
      get (target, p) {
        if (p === 'encodedSnapshot') return async () => { await new Promise((resolve) => setTimeout(resolve, 5000)); return await target.encodedSnapshot() }
        const v = Reflect.get(target, p, target) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      }
    })
  })
  await load(slow)
  const j = await node(t, join, { snapshotJoin: true, holdMs: 1500, peers: [addr(slow)] })
  await waitFor('the snapshot join', () => j.joined.length > 0)
  t.match(j.joined[0], { ok: true }, 'joined from the snapshot, not by full replay after the hold time')
  await waitFor('converged', () => converged([slow, j]))
})
