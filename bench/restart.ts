/**
 * npm run bench:restart — how soon a restarted node answers Asterisk, by data size.
 *
 * For each size: one node is started on a fresh data directory, filled with N records through the bulk
 * import API (N/2 users, each with one device, `POST /api/v1/import`) and stopped (SIGTERM). Then the same
 * data directory is started again BENCH_RESTARTS times (`federator start`, the built CLI, a fresh process
 * each time, a fixed loopback port) and, from the moment of spawn:
 *
 *   listen     the process prints that it listens (stdout);
 *   first      the first non-empty realtime answer (`POST /realtime/ps_endpoints/single id=d<k>`, polled
 *              every BENCH_POLL_MS; refused connections and empty answers are retried);
 *   cpu@first  CPU time (user+system) the node process had used at that moment — less sensitive than
 *              wall time to other tenants of the machine;
 *   readyz     the first `GET /readyz` 200 (polled likewise after the first answer): everything loaded
 *              (routing snapshot, realtime indexes).
 *
 * Medians over the restarts are reported, with the load average before and after each size. A baseline
 * size of 2 records shows the fixed cost of a start (loading the code, opening the store, the HTTP app):
 * the part that grows with the data is the difference to it.
 *
 * Tunables: BENCH_SIZES (default 10000,100000,200000), BENCH_RESTARTS (default 5), BENCH_POLL_MS (default
 * 10), BENCH_CLI (the CLI to start, default packages/federator/dist/cli.js: point it at another build to
 * compare), BENCH_DATA (a directory: the data directories are kept there as <dir>/<records> and reused by
 * the next run instead of importing again — e.g. to compare two builds on the same data).
 * Run: npm run bench:restart (the 200k import takes a minute or two; each size is imported once).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { cpuMs, fmt, median, table, tempDir } from './lib.js'

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,200000').split(',').map(Number).filter((n) => n >= 2)
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5)
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10)
const DATA = process.env.BENCH_DATA
const CLI = process.env.BENCH_CLI ?? fileURLToPath(new URL('../packages/federator/dist/cli.js', import.meta.url))
const TOKEN = 'bench-token'
const TIMEOUT_MS = 300_000

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ')

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

interface Running { proc: ChildProcess, url: string, listened: Promise<number> }

/** Node processes still running, killed if the benchmark exits early. */
const running = new Set<ChildProcess>()
process.on('exit', () => { for (const p of running) p.kill('SIGKILL') })

/** Spawn `federator start` on `dir`; `listened` resolves with the ms from spawn to the "listening on" line. */
function startNode (dir: string, port: number, t0: number): Running {
  const proc = spawn(process.execPath, [CLI, 'start', '--data', dir, '--http', `127.0.0.1:${port}`, '--log-level', 'warn'], {
    env: { ...process.env, FEDERATOR_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(proc)
  proc.on('exit', () => running.delete(proc))
  let out = ''
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  const listened = new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (/listening on /.test(out)) resolve(performance.now() - t0)
    })
    proc.on('exit', (code) => { reject(new Error(`node exited with ${code}:\n${err.slice(-2000)}`)) })
  })
  listened.catch(() => {})
  return { proc, url: `http://127.0.0.1:${port}`, listened }
}

async function stop (proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  proc.kill('SIGTERM')
  await exited
}

function * records (n: number): Generator<string> {
  for (let i = 0; i < n / 2; i++) {
    yield JSON.stringify({ type: 'user', id: `u${i}`, name: `User ${i}`, extensions: [String(100000 + i)] }) + '\n' +
      JSON.stringify({ type: 'device', id: `d${i}`, user: `u${i}`, secret: 'S3cr3t-' + String(i).padStart(8, '0'), codecs: ['ulaw', 'alaw', 'g722'], context: 'from-internal' }) + '\n'
  }
}

/** A fresh data directory holding `n` records, written by a node through the import API; the node is stopped. */
async function prepare (n: number): Promise<{ dir: string, importMs: number }> {
  const kept = DATA === undefined ? undefined : join(DATA, String(n))
  if (kept !== undefined && existsSync(kept + '.done')) return { dir: kept, importMs: NaN }
  const dir = kept ?? tempDir(`restart-${n}`)
  if (kept !== undefined) mkdirSync(kept, { recursive: true })
  const port = await freePort()
  const node = startNode(dir, port, performance.now())
  await node.listened
  const t0 = performance.now()
  const res = await fetch(node.url + '/api/v1/import', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(Readable.from(records(n))) as unknown as ReadableStream,
    duplex: 'half'
  } as RequestInit)
  const r = await res.json() as { imported?: number }
  if (r.imported !== 2 * Math.floor(n / 2)) throw new Error('import: ' + JSON.stringify(r).slice(0, 300))
  const importMs = performance.now() - t0
  await stop(node.proc)
  if (kept !== undefined) mkdirSync(kept + '.done')
  return { dir, importMs }
}

/** POST a realtime lookup; the body, or undefined when the node does not answer (yet). */
async function lookup (url: string, id: string): Promise<string | undefined> {
  try {
    const res = await fetch(url + '/realtime/ps_endpoints/single', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=' + id, signal: AbortSignal.timeout(5000) })
    return await res.text()
  } catch {
    return undefined
  }
}

async function readyz (url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url + '/readyz', { signal: AbortSignal.timeout(5000) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return undefined
  }
}

interface Sample { listen: number, first: number, cpu: number, ready: number }

async function restart (dir: string, n: number, k: number): Promise<Sample> {
  const port = await freePort()
  const id = `d${(k * 7919) % Math.max(1, Math.floor(n / 2))}`
  const t0 = performance.now()
  const node = startNode(dir, port, t0)
  const deadline = t0 + TIMEOUT_MS
  try {
    let first = NaN
    let cpu = NaN
    while (performance.now() < deadline) {
      const body = await lookup(node.url, id)
      if (body !== undefined && body.startsWith('id=')) {
        first = performance.now() - t0
        cpu = cpuMs(node.proc.pid!)
        break
      }
      await sleep(POLL_MS)
    }
    let ready = NaN
    while (performance.now() < deadline) {
      if (await readyz(node.url) === 200) { ready = performance.now() - t0; break }
      await sleep(POLL_MS)
    }
    const listen = await node.listened
    if (Number.isNaN(first) || Number.isNaN(ready)) throw new Error(`restart with ${n} records: no answer within ${TIMEOUT_MS} ms`)
    return { listen, first, cpu, ready }
  } finally {
    await stop(node.proc)
  }
}

const rows: Array<Array<string | number>> = []
process.stdout.write(`restart benchmark: sizes ${[2, ...SIZES].map((n) => fmt(n)).join(', ')} records (users+devices), ${RESTARTS} restarts each, poll every ${POLL_MS} ms; CLI ${CLI}; load average ${load()}\n`)
for (const n of [2, ...SIZES]) {
  const before = load()
  const { dir, importMs } = await prepare(n)
  const samples: Sample[] = []
  for (let k = 0; k < RESTARTS; k++) samples.push(await restart(dir, n, k))
  const m = (f: (s: Sample) => number): number => median(samples.map(f))
  const line = [fmt(n), Number.isNaN(importMs) ? 'kept' : fmt(importMs / 1000, 1), fmt(m((s) => s.listen)), fmt(m((s) => s.first)), fmt(m((s) => s.cpu)), fmt(m((s) => s.ready)), `${before} → ${load()}`]
  rows.push(line)
  process.stdout.write(`  ${fmt(n)} records: listen ${samples.map((s) => fmt(s.listen)).join('/')} ms, first answer ${samples.map((s) => fmt(s.first)).join('/')} ms (cpu ${samples.map((s) => fmt(s.cpu)).join('/')}), readyz ${samples.map((s) => fmt(s.ready)).join('/')} ms\n`)
}
process.stdout.write('\n' + table(['records', 'import s', 'listen ms', 'first answer ms', 'CPU at first answer ms', '/readyz 200 ms', 'load average (1/5/15 min) before → after'], rows) + '\n')
process.stdout.write(`\nmedians of ${RESTARTS} restarts, ms from spawn; load average at the end ${load()}\n`)
