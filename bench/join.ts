/**
 * Join benchmark: what a new node pays to join a loaded cluster, by snapshot
 * join and by full replay, for a cluster whose records were written once and
 * one whose records were rewritten REWRITES times — with raw hypercore
 * (a plain corestore reading the same blocks) as the baseline in the same run.
 *
 * 1. A store is loaded with RECORDS users (bulk replace, as the import does;
 *    the rewrites are replaces of live records: patches) and closed.
 * 2. A serving node process opens it (bench/join-node.ts); a fresh node
 *    process joins with the serving node as static peer, with snapshot join
 *    on, then with it off (full replay); each reports when its view hash
 *    equals the server's and every log is applied: time from its spawn, its
 *    CPU, and the blocks and bytes of the logs it holds.
 * 3. Raw: one raw peer appends the same blocks to its own core, a new raw
 *    peer spawns and reads them all (bench/raw-peer.ts).
 *
 * Run: npm run bench:join   (env BENCH_JOIN_RECORDS, BENCH_JOIN_REWRITES, BENCH_JOIN_FULL=all|once|none)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import readline from 'node:readline'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { Store } from '@federator/store'
import { formatJoinString, newClusterSecret } from '@federator/net'
import { cpuMs, fmt, table, tempDir } from './lib.js'
import { startBootstrap } from '../test/helpers/cluster.js'

const RECORDS = Number(process.env.BENCH_JOIN_RECORDS ?? 100_000)
const REWRITES = Number(process.env.BENCH_JOIN_REWRITES ?? 10)
/** full replays measured too: 'all', 'once' (only the written-once cluster; default), 'none' */
const FULL = process.env.BENCH_JOIN_FULL ?? 'once'
const NODE = fileURLToPath(new URL('./join-node.ts', import.meta.url))
const RAW_PEER = fileURLToPath(new URL('./raw-peer.ts', import.meta.url))
const now = (): number => performance.timeOrigin + performance.now()
const log = (s: string): void => { process.stderr.write(s + '\n') }

/** A child speaking JSON lines: `next()` resolves with the next message that has `key`. */
class Child {
  readonly spawnedAt = now()
  private readonly lines: Array<Record<string, unknown>> = []
  private waiter: (() => void) | null = null
  private seq = 0
  constructor (readonly proc: ChildProcess) {
    process.on('exit', () => proc.kill('SIGKILL'))
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => { this.lines.push(JSON.parse(line)); this.waiter?.() })
  }

  static spawn (script: string, arg: unknown): Child {
    return new Child(spawn(process.execPath, ['--import=tsx', '--conditions=fed-source', script, JSON.stringify(arg)], { stdio: ['pipe', 'pipe', 'inherit'] }))
  }

  async next (key: string, id?: number): Promise<Record<string, unknown>> {
    for (;;) {
      const i = this.lines.findIndex((m) => m[key] !== undefined && (id === undefined || m.id === id))
      if (i >= 0) return this.lines.splice(i, 1)[0]!
      await new Promise<void>((resolve) => { this.waiter = resolve })
    }
  }

  async ask (cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = ++this.seq
    this.proc.stdin!.write(JSON.stringify({ id, ...cmd }) + '\n')
    const m = await this.next('id', id)
    if (m.error !== undefined) throw new Error(String(m.error))
    return m
  }

  async stop (): Promise<void> {
    if (this.proc.exitCode !== null) return
    const exited = new Promise((resolve) => this.proc.once('exit', resolve))
    this.proc.kill('SIGTERM')
    await exited
  }
}

function user (i: number, round: number): Record<string, unknown> {
  return { name: `User ${i} v${round}`, email: `user${i}@example.com`, extensions: [String(100000 + i)] }
}

/** Loads a store with RECORDS users written `versions` times; returns its dir and writer key. */
async function load (versions: number): Promise<{ dir: string, writer: string, blocks: number, ms: number }> {
  const dir = tempDir('join-src')
  const store = new Store({ dir, logger: pino({ level: 'silent' }) })
  await store.ready()
  const t0 = now()
  for (let round = 0; round < versions; round++) {
    for (let i = 0; i < RECORDS; i += 2000) {
      const ops = Array.from({ length: Math.min(2000, RECORDS - i) }, (_, k) => ({ op: 'replace' as const, type: 'user' as const, id: 'u' + String(i + k), fields: user(i + k, round) }))
      await store.writeMany(ops)
    }
  }
  const ms = now() - t0
  const writer = store.writerKey
  const blocks = store.core.length
  await store.close()
  return { dir, writer, blocks, ms }
}

interface JoinRun {
  /** spawn → caught up */
  ms: number
  /** connected (fed: first peer admitted; raw: process up and following) → caught up */
  fromUp: number
  cpu: number
  blocks: number
  mb: number
  joinMs?: number
}

async function fedJoin (src: string, snapshot: boolean): Promise<JoinRun> {
  const cluster = formatJoinString(newClusterSecret())
  const server = Child.spawn(NODE, { role: 'serve', dir: src, join: cluster })
  const ready = await server.next('ready')
  try {
    const joiner = Child.spawn(NODE, { role: 'join', dir: tempDir('joiner'), join: cluster, peer: ready.address, snapshot, hash: ready.hash, lengths: ready.lengths })
    const done = await joiner.next('done')
    await joiner.stop()
    const joined = done.joined as { ms?: number, ok?: boolean, reason?: string } | null
    const ph = done.phases as Record<string, number>
    const at = (x: number): string => x > 0 ? s(x - joiner.spawnedAt) : '-'
    log(`  (joiner: store open ${at(ph.store!)}, network up ${at(ph.net!)}, peer admitted ${at(ph.admitted!)}, snapshot joined ${at(ph.joined!)}, caught up ${at(done.t as number)})`)
    if (snapshot && joined?.ok !== true) log(`  snapshot join did not happen: ${JSON.stringify(joined)}`)
    return { ms: (done.t as number) - joiner.spawnedAt, fromUp: (done.t as number) - ph.admitted!, cpu: done.cpuMs as number, blocks: done.blocks as number, mb: (done.bytes as number) / 1e6, joinMs: joined?.ms }
  } finally {
    await server.stop()
  }
}

async function rawJoin (src: string, writer: string): Promise<JoinRun> {
  const bootstrap = await startBootstrap()
  const topic = randomBytes(32).toString('hex')
  const w = Child.spawn(RAW_PEER, { dir: tempDir('raw-w'), bootstrap: bootstrap.address, topic })
  const peers = [w]
  try {
    await w.next('ready')
    const key = (await w.ask({ cmd: 'create' })).key as string
    const all = await w.ask({ cmd: 'appendAll', dir: join(src, 'cores'), key: writer, batch: 16 })
    const r = Child.spawn(RAW_PEER, { dir: tempDir('raw-r'), bootstrap: bootstrap.address, topic })
    peers.push(r)
    await r.next('ready')
    const up = now()
    await r.ask({ cmd: 'follow', key })
    const t = (await r.ask({ cmd: 'waitFor', length: all.blocks as number })).t as number
    return { ms: t - r.spawnedAt, fromUp: t - up, cpu: cpuMs(r.proc.pid!), blocks: all.blocks as number, mb: (all.bytes as number) / 1e6 }
  } finally {
    for (const p of peers) await p.stop()
    await bootstrap.close()
  }
}

const s = (ms: number): string => `${fmt(ms / 1000, 2)} s`
const x = (a: number, b: number): string => `${fmt(a / b, 2)}×`

log(`join benchmark: ${fmt(RECORDS)} records, written once and ${REWRITES} times; load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`)
const results: Array<{ name: string, blocks: number, snap: JoinRun, full?: JoinRun, raw: JoinRun }> = []
for (const versions of [1, REWRITES]) {
  const src = await load(versions)
  log(`loaded ${fmt(RECORDS)} records × ${versions} in ${s(src.ms)}: ${fmt(src.blocks)} blocks`)
  const snap = await fedJoin(src.dir, true)
  log(`  snapshot join: ${s(snap.ms)} (fetch + apply + verify ${s(snap.joinMs ?? NaN)}), ${fmt(snap.blocks)} blocks, ${fmt(snap.mb, 1)} MB held`)
  const full = FULL === 'all' || (FULL === 'once' && versions === 1) ? await fedJoin(src.dir, false) : undefined
  if (full !== undefined) log(`  full replay: ${s(full.ms)}, ${fmt(full.blocks)} blocks, ${fmt(full.mb, 1)} MB held`)
  const raw = await rawJoin(src.dir, src.writer)
  log(`  raw hypercore (every block): ${s(raw.ms)}, ${fmt(raw.blocks)} blocks, ${fmt(raw.mb, 1)} MB`)
  results.push({ name: versions === 1 ? 'written once' : `rewritten ${versions}×`, blocks: src.blocks, snap, full, raw })
}

const rows: Array<Array<string | number>> = []
for (const r of results) {
  rows.push([`${r.name}: snapshot join`, s(r.snap.ms), s(r.snap.fromUp), fmt(r.snap.cpu / 1000, 2) + ' s', `${fmt(r.snap.blocks)} / ${fmt(r.blocks)}`, fmt(r.snap.mb, 1), x(r.snap.ms, r.raw.ms)])
  if (r.full !== undefined) rows.push([`${r.name}: full replay`, s(r.full.ms), s(r.full.fromUp), fmt(r.full.cpu / 1000, 2) + ' s', `${fmt(r.full.blocks)} / ${fmt(r.blocks)}`, fmt(r.full.mb, 1), x(r.full.ms, r.raw.ms)])
  rows.push([`${r.name}: raw hypercore, every block`, s(r.raw.ms), s(r.raw.fromUp), fmt(r.raw.cpu / 1000, 2) + ' s', `${fmt(r.raw.blocks)} / ${fmt(r.blocks)}`, fmt(r.raw.mb, 1), ''])
}
process.stdout.write('\n' + table(['new node joins', 'spawn → caught up', 'connected → caught up', 'CPU', 'blocks held', 'MB held', 'vs raw'], rows) + '\n')
if (results.length === 2) {
  const [one, many] = results as [typeof results[0], typeof results[0]]
  process.stdout.write(`\nrewritten ${REWRITES}× vs written once, snapshot join: time ${x(many.snap.ms, one.snap.ms)} (connected → caught up ${x(many.snap.fromUp, one.snap.fromUp)}), log bytes held ${x(many.snap.mb, one.snap.mb)} (target ≤ 1.2× both)\n`)
}
process.stdout.write(`load average now ${loadavg().map((v) => v.toFixed(1)).join(' ')}\n`)
process.exit(0)
