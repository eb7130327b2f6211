/**
 * npm run bench:replication — replication across 5 Federator node processes on loopback (private DHT
 * bootstrap node in this process), each figure against raw hypercore replication of the same payload
 * measured in the same run (bench/raw-peer.ts: plain corestores over hyperswarm on the same kind of DHT,
 * one process each, fed the very blocks node 1 wrote).
 *
 * 1. Single-field change on node 1 → readable (GET) on all 4 others: p50/p99 over BENCH_CHANGES changes.
 *    Raw: the same blocks appended one at a time → read on all 4 readers.
 *    Then the acknowledgement alone: BENCH_ACKS changes BENCH_ACK_GAP_MS apart, no pollers (each PATCH meets an
 *    otherwise idle cluster, the previous change replicated), and the CPU each node spends per change (less its
 *    idle background). Raw: the CPU per append of phase 1, the same way.
 * 2. Bytes on the wire per single-field change per peer: all bytes sent on every link (sum of the peers'
 *    bytesWritten in /api/v1/cluster), minus the idle background (heartbeats) over the same time, per change,
 *    per receiving peer; back to back (phase 1) and isolated (BENCH_ISOLATED changes spaced apart).
 * 3. BENCH_RECORDS devices imported on node 1 (POST /api/v1/import) until all 5 nodes applied them.
 *    Raw: the same blocks appended (16 per append) until all 4 readers read them.
 * 4. A new node joins the loaded cluster until it has applied everything (same view hash). Raw: a new reader
 *    process until it has read the whole core.
 *
 * Tunables (env): BENCH_CHANGES (200), BENCH_ACKS (100), BENCH_ACK_GAP_MS (100), BENCH_ISOLATED (30), BENCH_RECORDS (100000), BENCH_POLL_MS (2: the
 * pause between two GETs of one poller in 1.; the figure includes up to that much plus a GET), BENCH_NET (JSON
 * network tunables for the nodes, for experiments), BENCH_CLI (another build's packages/federator/dist/cli.js for the
 * nodes: to compare builds under the same load, alternate runs).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import readline from 'node:readline'
import Corestore from 'corestore'
import { ClusterNode, LocalCluster, startBootstrap, waitConverged } from '../test/helpers/cluster.js'
import { fmt, median, rssMb, table, tempDir } from './lib.js'

const CHANGES = Number(process.env.BENCH_CHANGES ?? 200)
const ISOLATED = Number(process.env.BENCH_ISOLATED ?? 30)
const ACKS = Number(process.env.BENCH_ACKS ?? 100)
const ACK_GAP_MS = Number(process.env.BENCH_ACK_GAP_MS ?? 100)
const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000)
const NODES = 5
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 2)
/** extra network tunables for the Federator nodes, JSON (experiments, e.g. '{"lengthAnnounceMs":3600000}') */
const NET = JSON.parse(process.env.BENCH_NET ?? '{}') as Record<string, unknown>
/** the CLI the Federator nodes run (default: this build's) */
const CLI = process.env.BENCH_CLI
const make = (name: string, dataDir: string, args: string[], env: NodeJS.ProcessEnv, token: string): ClusterNode => {
  const n = new ClusterNode(name, dataDir, args, env, token)
  if (CLI !== undefined) n.cli = CLI
  return n
}
const LENGTH_ANNOUNCE_MS = 500 // the product default; isolated changes are spaced wider than it
const now = (): number => performance.timeOrigin + performance.now()
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const log = (s: string): void => { process.stderr.write(s + '\n') }
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)]! }

/** CPU time (user + system) of a process so far, ms (/proc, 10 ms resolution). */
function cpuMs (pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

const device = (i: number): Record<string, unknown> => ({
  type: 'device', id: `dev${i}`, user: `user${i % 5000}`, secret: 'S3cr3t-' + String(i).padStart(8, '0'), codecs: ['ulaw', 'alaw', 'g722'], context: 'from-internal', maxContacts: 2
})

// ---------- Federator ----------

async function clusterBytes (nodes: ClusterNode[]): Promise<number> {
  const views = await Promise.all(nodes.map(async (n) => await n.status()))
  return views.reduce((sum, v) => sum + v.peers.reduce((s, p) => s + p.bytesWritten, 0), 0)
}

/**
 * Polls GET on `n` until the record's name is `value`; resolves with the time it was first seen. Polls
 * are POLL_MS apart: four pollers in tight loops would keep both cores busy and slow what they measure.
 */
async function seen (n: ClusterNode, id: string, value: string): Promise<number> {
  for (;;) {
    const r = await n.get('users', id)
    if (r?.name === value) return now()
    await sleep(POLL_MS)
  }
}

async function appliedEverywhere (nodes: ClusterNode[], writer: string, length: number): Promise<boolean> {
  const views = await Promise.all(nodes.map(async (n) => await n.status()))
  return views.every((v) => (v.writers.find((w) => w.key === writer)?.applied ?? 0) >= length)
}

interface FedResult {
  latency: number[]
  perPeer: number[]
  ack: number[]
  /** PATCH acknowledged with the cluster otherwise idle, and CPU ms per change of each node (node 1 first) */
  ackIdle: number[]
  changeCpu: number[]
  bytesBackToBack: number
  bytesIsolated: number
  blocksA: [number, number]
  blocksIso: [number, number]
  importMs: number
  bulkMs: number
  blocksB: [number, number]
  joinListenMs: number
  joinReadyMs: number
  /** CPU ms of each node during the bulk phase (node 1 first), and of the joining node until caught up */
  bulkCpu: number[]
  joinCpu: number
  writer: string
  dir: string
  rss: number[]
}

async function federator (dir: string): Promise<FedResult> {
  const cluster = await LocalCluster.start({
    nodes: NODES,
    dir,
    fastNet: false,
    net: { refreshBackoffMs: [200, 400, 800, 1600, 3200], ...NET },
    logLevel: 'warn',
    spec: (i) => ({ name: `n${i + 1}`, make })
  })
  try {
    const nodes = cluster.nodes
    const [n1, ...others] = nodes as [ClusterNode, ...ClusterNode[]]
    await waitConverged(nodes, 60_000)
    await n1.put('users', 'bench-user', { name: 'start', extensions: ['100'] })
    await waitConverged(nodes)
    const writer = (await n1.status()).node.writer
    const lengthOf = async (): Promise<number> => (await n1.status()).writers.find((w) => w.local)!.length
    await sleep(1000)

    // background traffic (heartbeats, length announcements) and CPU while idle
    const idle0 = await clusterBytes(nodes)
    const idleCpu0 = nodes.map((n) => cpuMs(n.pid!))
    const ti0 = now()
    await sleep(10_000)
    const idleRate = (await clusterBytes(nodes) - idle0) / (now() - ti0)
    const idleCpuRate = nodes.map((n, i) => (cpuMs(n.pid!) - idleCpu0[i]!) / (now() - ti0))
    log(`federator: idle background ${fmt(idleRate * 1000)} B/s cluster-wide, CPU ${idleCpuRate.map((x) => fmt(x * 1000)).join(' / ')} ms/s per node`)

    // the acknowledgement alone: spaced changes, no pollers
    const ackIdle: number[] = []
    const cpuK0 = nodes.map((n) => cpuMs(n.pid!))
    const tK0 = now()
    for (let i = 0; i < ACKS; i++) {
      const t = now()
      await n1.patch('users', 'bench-user', { name: `k${i}` })
      ackIdle.push(now() - t)
      await sleep(ACK_GAP_MS)
    }
    await waitConverged(nodes)
    const spanK = now() - tK0
    const changeCpu = nodes.map((n, i) => (cpuMs(n.pid!) - cpuK0[i]! - idleCpuRate[i]! * spanK) / ACKS)
    log(`federator: ${ACKS} changes ${ACK_GAP_MS} ms apart: acknowledged p50 ${median(ackIdle).toFixed(1)} ms, p99 ${pct(ackIdle, 99).toFixed(1)} ms; CPU per change ${changeCpu.map((x) => fmt(x, 2)).join(' / ')} ms`)

    // 1. back-to-back single-field changes
    const a0 = await lengthOf()
    const bytesA0 = await clusterBytes(nodes)
    const tA0 = now()
    const latency: number[] = []
    const perPeer: number[] = []
    const ack: number[] = []
    for (let i = 0; i < CHANGES; i++) {
      const value = `v${i}`
      const t = now()
      const arrivals = others.map(async (n) => await seen(n, 'bench-user', value))
      await n1.patch('users', 'bench-user', { name: value })
      ack.push(now() - t)
      const ts = await Promise.all(arrivals)
      latency.push(Math.max(...ts) - t)
      for (const x of ts) perPeer.push(x - t)
    }
    const spanA = now() - tA0
    const bytesA = await clusterBytes(nodes) - bytesA0
    const a1 = await lengthOf()
    const bytesBackToBack = (bytesA - idleRate * spanA) / CHANGES / (NODES - 1)
    log(`federator: ${CHANGES} changes (${a1 - a0} blocks): p50 ${median(latency).toFixed(1)} ms, p99 ${pct(latency, 99).toFixed(1)} ms; ${fmt(bytesBackToBack)} B per change per peer`)

    // 2. isolated changes (each pays its own length announcement)
    await sleep(LENGTH_ANNOUNCE_MS * 2)
    const bytesI0 = await clusterBytes(nodes)
    const tI0 = now()
    for (let i = 0; i < ISOLATED; i++) {
      await n1.patch('users', 'bench-user', { name: `iso${i}` })
      await sleep(LENGTH_ANNOUNCE_MS + 300)
    }
    await waitConverged(nodes)
    const spanI = now() - tI0
    const bytesIsolated = (await clusterBytes(nodes) - bytesI0 - idleRate * spanI) / ISOLATED / (NODES - 1)
    const a2 = await lengthOf()
    log(`federator: ${ISOLATED} isolated changes: ${fmt(bytesIsolated)} B per change per peer`)

    // 3. bulk import on node 1 until applied on all 5
    const body = Array.from({ length: RECORDS }, (_, i) => JSON.stringify(device(i))).join('\n') + '\n'
    const cpu0 = nodes.map((n) => cpuMs(n.pid!))
    const tB0 = now()
    const res = await n1.importNdjson(body)
    const importMs = now() - tB0
    if (res.imported !== RECORDS) throw new Error('import failed: ' + JSON.stringify(res))
    const b1 = await lengthOf()
    while (!(await appliedEverywhere(nodes, writer, b1))) await sleep(20)
    const bulkMs = now() - tB0
    const bulkCpu = nodes.map((n, i) => cpuMs(n.pid!) - cpu0[i]!)
    log(`federator: ${fmt(RECORDS)} records in ${b1 - a2} blocks: imported in ${fmt(importMs / 1000, 2)} s, applied on all ${NODES} after ${fmt(bulkMs / 1000, 2)} s`)
    await waitConverged(nodes, 120_000)
    const rss = nodes.map((n) => rssMb(n.pid!))

    // 4. a new node joins the loaded cluster
    const tC0 = now()
    const n6 = cluster.createNode({ name: 'n6', make })
    await n6.start()
    const joinListenMs = now() - tC0
    await waitConverged([...nodes, n6], 300_000, 50)
    const joinReadyMs = now() - tC0
    const joinCpu = cpuMs(n6.pid!)
    log(`federator: new node listening after ${fmt(joinListenMs)} ms, caught up after ${fmt(joinReadyMs / 1000, 2)} s`)

    return { latency, perPeer, ack, ackIdle, changeCpu, bulkCpu, joinCpu, bytesBackToBack, bytesIsolated, blocksA: [a0, a1], blocksIso: [a1, a2], importMs, bulkMs, blocksB: [a2, b1], joinListenMs, joinReadyMs, writer, dir: join(dir, 'n1', 'cores'), rss }
  } finally {
    await cluster.close({ graceful: true }) // node 1's corestore must be closed cleanly: the raw run reads it
  }
}

// ---------- raw hypercore ----------

const RAW_PEER = fileURLToPath(new URL('./raw-peer.ts', import.meta.url))

class RawPeer {
  private seq = 0
  private readonly pending = new Map<number, (m: Record<string, unknown>) => void>()
  readonly ready: Promise<Record<string, unknown>>
  readonly spawnedAt = now()
  constructor (readonly proc: ChildProcess) {
    let onReady: (m: Record<string, unknown>) => void = () => {}
    this.ready = new Promise((resolve) => { onReady = resolve })
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>
      if (m.ready === true) { onReady(m); return }
      const r = this.pending.get(m.id as number)
      this.pending.delete(m.id as number)
      r?.(m)
    })
  }

  static start (dir: string, bootstrap: { host: string, port: number }, topic: string): RawPeer {
    const proc = spawn(process.execPath, ['--import=tsx', '--conditions=fed-source', RAW_PEER, JSON.stringify({ dir, bootstrap, topic })], { stdio: ['pipe', 'pipe', 'inherit'] })
    process.on('exit', () => proc.kill('SIGKILL'))
    return new RawPeer(proc)
  }

  async ask (cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = ++this.seq
    const p = new Promise<Record<string, unknown>>((resolve) => this.pending.set(id, resolve))
    this.proc.stdin!.write(JSON.stringify({ id, ...cmd }) + '\n')
    const m = await p
    if (m.error !== undefined) throw new Error(`raw peer: ${String(m.error)}`)
    return m
  }

  async stop (): Promise<void> {
    if (this.proc.exitCode !== null) return
    const exited = new Promise((resolve) => this.proc.once('exit', resolve))
    this.proc.kill('SIGTERM')
    await exited
  }
}

interface RawResult { latency: number[], changeCpu: number[], bytesBackToBack: number, bytesIsolated: number, bulkMs: number, joinReadyMs: number, joinFromReadyMs: number, bulkCpu: number[], joinCpu: number }

async function readBlocks (dir: string, key: string, from: number, to: number): Promise<Buffer[]> {
  const store = new Corestore(dir)
  const core = store.get({ key: Buffer.from(key, 'hex') })
  await core.ready()
  const out: Buffer[] = []
  for (let i = from; i < to; i++) out.push((await core.get(i))!)
  await store.close()
  return out
}

async function raw (fed: FedResult): Promise<RawResult> {
  const blocksA = await readBlocks(fed.dir, fed.writer, ...fed.blocksA)
  const blocksIso = await readBlocks(fed.dir, fed.writer, ...fed.blocksIso)
  log(`raw: block sizes: single change ${median(blocksA.map((b) => b.length))} B (median)`)
  const bootstrap = await startBootstrap()
  const topic = randomBytes(32).toString('hex')
  const peers = Array.from({ length: NODES }, (_, i) => RawPeer.start(tempDir('raw' + i), bootstrap.address, topic))
  try {
    await Promise.all(peers.map(async (p) => await p.ready))
    const [w, ...readers] = peers as [RawPeer, ...RawPeer[]]
    const key = (await w.ask({ cmd: 'create' })).key as string
    await Promise.all(readers.map(async (r) => await r.ask({ cmd: 'follow', key })))
    for (;;) {
      const n = await Promise.all(peers.map(async (p) => (await p.ask({ cmd: 'peers' })).peers as number))
      if (n.every((x) => x === NODES - 1)) break
      await sleep(50)
    }
    // one block first, so every reader has the core open and replicating
    let length = (await w.ask({ cmd: 'append', blocks: [randomBytes(100).toString('base64')] })).length as number
    await Promise.all(readers.map(async (r) => await r.ask({ cmd: 'waitFor', length })))
    const bytes = async (): Promise<number> => (await Promise.all(peers.map(async (p) => (await p.ask({ cmd: 'bytes' })).written as number))).reduce((a, b) => a + b, 0)
    await sleep(1000)
    const idle0 = await bytes()
    const idleCpu0 = peers.map((p) => cpuMs(p.proc.pid!))
    const ti0 = now()
    await sleep(10_000)
    const idleRate = (await bytes() - idle0) / (now() - ti0)
    const idleCpuRate = peers.map((p, i) => (cpuMs(p.proc.pid!) - idleCpu0[i]!) / (now() - ti0))

    const latency: number[] = []
    const bytesA0 = await bytes()
    const cpuA0 = peers.map((p) => cpuMs(p.proc.pid!))
    const tA0 = now()
    for (const b of blocksA) {
      const r = await w.ask({ cmd: 'append', blocks: [b.toString('base64')] })
      length = r.length as number
      const ts = await Promise.all(readers.map(async (x) => (await x.ask({ cmd: 'waitFor', length })).t as number))
      latency.push(Math.max(...ts) - (r.t as number))
    }
    const spanA = now() - tA0
    const changeCpu = peers.map((p, i) => (cpuMs(p.proc.pid!) - cpuA0[i]! - idleCpuRate[i]! * spanA) / blocksA.length)
    const bytesBackToBack = (await bytes() - bytesA0 - idleRate * spanA) / blocksA.length / (NODES - 1)
    log(`raw: ${blocksA.length} appends: p50 ${median(latency).toFixed(1)} ms, p99 ${pct(latency, 99).toFixed(1)} ms; ${fmt(bytesBackToBack)} B per change per peer`)

    await sleep(LENGTH_ANNOUNCE_MS * 2)
    const bytesI0 = await bytes()
    const tI0 = now()
    for (const b of blocksIso) {
      length = (await w.ask({ cmd: 'append', blocks: [b.toString('base64')] })).length as number
      await sleep(LENGTH_ANNOUNCE_MS + 300)
    }
    await Promise.all(readers.map(async (x) => await x.ask({ cmd: 'waitFor', length })))
    const bytesIsolated = (await bytes() - bytesI0 - idleRate * (now() - tI0)) / blocksIso.length / (NODES - 1)

    const rcpu0 = peers.map((p) => cpuMs(p.proc.pid!))
    const bulk = await w.ask({ cmd: 'appendAll', dir: fed.dir, key: fed.writer, from: fed.blocksB[0], to: fed.blocksB[1], batch: 16 })
    length += bulk.blocks as number
    const tb = await Promise.all(readers.map(async (x) => (await x.ask({ cmd: 'waitFor', length })).t as number))
    const bulkMs = Math.max(...tb) - (bulk.t0 as number)
    const bulkCpu = peers.map((p, i) => cpuMs(p.proc.pid!) - rcpu0[i]!) // the writer's includes reading the source blocks
    log(`raw: ${String(bulk.blocks)} blocks (${fmt((bulk.bytes as number) / 1e6, 1)} MB) read on all 4 readers ${fmt(bulkMs)} ms after the first append (appends took ${fmt((bulk.t1 as number) - (bulk.t0 as number))} ms)`)

    const joiner = RawPeer.start(tempDir('raw-join'), bootstrap.address, topic)
    peers.push(joiner)
    const readyAt = ((await joiner.ready) && now())
    await joiner.ask({ cmd: 'follow', key })
    const tj = (await joiner.ask({ cmd: 'waitFor', length })).t as number
    log(`raw: new reader read ${length} blocks ${fmt((tj - joiner.spawnedAt) / 1000, 2)} s after its spawn (${fmt((tj - readyAt) / 1000, 2)} s after it was up)`)
    return { latency, changeCpu, bytesBackToBack, bytesIsolated, bulkMs, joinReadyMs: tj - joiner.spawnedAt, joinFromReadyMs: tj - readyAt, bulkCpu, joinCpu: cpuMs(joiner.proc.pid!) }
  } finally {
    await Promise.all(peers.map(async (p) => await p.stop()))
    await bootstrap.close()
  }
}

async function main (): Promise<void> {
  process.setMaxListeners(100) // one exit handler per temp dir and child process
  log(`replication benchmark${CLI !== undefined ? ' (nodes: ' + CLI + ')' : ''}: ${NODES} nodes on loopback, ${CHANGES} changes, ${ISOLATED} isolated, ${fmt(RECORDS)} records; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  const fed = await federator(tempDir('replication'))
  const r = await raw(fed)
  const ratio = (a: number, b: number): string => (a / b).toFixed(2) + '×'
  const recs = (ms: number): string => fmt(RECORDS / (ms / 1000))
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
  const mean = (xs: number[]): number => sum(xs) / xs.length
  const usPer = (cpu: number): string => fmt(cpu * 1000 / RECORDS)
  process.stdout.write('\n' + table(['measure', 'Federator', 'raw hypercore', 'ratio', 'target'], [
    ['single change → all 4 peers, p50', `${fed.latency.length ? median(fed.latency).toFixed(1) : '-'} ms`, `${median(r.latency).toFixed(1)} ms`, ratio(median(fed.latency), median(r.latency)), ''],
    ['single change → all 4 peers, p99', `${pct(fed.latency, 99).toFixed(1)} ms`, `${pct(r.latency, 99).toFixed(1)} ms`, ratio(pct(fed.latency, 99), pct(r.latency, 99)), '≤ 50 ms'],
    ['single change → one peer, p50 / p99', `${median(fed.perPeer).toFixed(1)} / ${pct(fed.perPeer, 99).toFixed(1)} ms`, '', '', ''],
    ['  of which the PATCH on node 1 (acknowledged), p50 / p99', `${median(fed.ack).toFixed(1)} / ${pct(fed.ack, 99).toFixed(1)} ms`, '', '', ''],
    [`PATCH acknowledged, changes ${ACK_GAP_MS} ms apart, no pollers, p50 / p99`, `${median(fed.ackIdle).toFixed(1)} / ${pct(fed.ackIdle, 99).toFixed(1)} ms`, '', '', 'p50 ≤ 3 ms'],
    ['CPU per single change: writer / each reader (mean)', `${fmt(fed.changeCpu[0]!, 2)} / ${fmt(mean(fed.changeCpu.slice(1)), 2)} ms`, `${fmt(r.changeCpu[0]!, 2)} / ${fmt(mean(r.changeCpu.slice(1)), 2)} ms`, ratio(mean(fed.changeCpu.slice(1)), mean(r.changeCpu.slice(1))), ''],
    [`${fmt(RECORDS)} records on node 1 → applied on all ${NODES}`, `${fmt(fed.bulkMs / 1000, 2)} s (${recs(fed.bulkMs)} rec/s)`, `${fmt(r.bulkMs / 1000, 2)} s (${recs(r.bulkMs)} rec/s)`, ratio(fed.bulkMs, r.bulkMs), '≥ 20,000 rec/s; ≤ 1.5×'],
    ['  of which the import on node 1 (acknowledged)', `${fmt(fed.importMs / 1000, 2)} s (${recs(fed.importMs)} rec/s)`, '', '', ''],
    ['  CPU per record: writer / each reader (mean)', `${usPer(fed.bulkCpu[0]!)} / ${usPer(mean(fed.bulkCpu.slice(1)))} µs`, `${usPer(r.bulkCpu[0]!)} / ${usPer(mean(r.bulkCpu.slice(1)))} µs`, ratio(mean(fed.bulkCpu.slice(1)), mean(r.bulkCpu.slice(1))), ''],
    ['  CPU of all nodes per record', `${usPer(sum(fed.bulkCpu))} µs`, `${usPer(sum(r.bulkCpu))} µs`, ratio(sum(fed.bulkCpu), sum(r.bulkCpu)), ''],
    [`new node joins the ${fmt(RECORDS)}-record cluster → caught up`, `${fmt(fed.joinReadyMs / 1000, 2)} s`, `${fmt(r.joinReadyMs / 1000, 2)} s`, ratio(fed.joinReadyMs, r.joinReadyMs), '≤ 10 s; ≤ 1.5×'],
    ['  CPU of the new node until caught up', `${fmt(fed.joinCpu / 1000, 2)} s`, `${fmt(r.joinCpu / 1000, 2)} s`, ratio(fed.joinCpu, r.joinCpu), ''],
    ['  of which process start → listening / up', `${fmt(fed.joinListenMs / 1000, 2)} s`, `${fmt((r.joinReadyMs - r.joinFromReadyMs) / 1000, 2)} s`, '', ''],
    ['bytes per single-field change per peer, back to back', `${fmt(fed.bytesBackToBack)} B`, `${fmt(r.bytesBackToBack)} B`, ratio(fed.bytesBackToBack, r.bytesBackToBack), '≤ 600 B'],
    ['bytes per single-field change per peer, isolated', `${fmt(fed.bytesIsolated)} B`, `${fmt(r.bytesIsolated)} B`, ratio(fed.bytesIsolated, r.bytesIsolated), '≤ 600 B']
  ]) + '\n')
  process.stdout.write(`\nnode RSS after the import: ${fed.rss.map((x) => fmt(x)).join(', ')} MB; load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`)
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
