/**
 * npm run bench:scale — an idle cluster of N Federator node processes on loopback (a private DHT bootstrap
 * node in this process, product network tunables), for N = 5, 10, 20, 40, one cluster after the other.
 * Per N it reports:
 *
 * 1. mesh: seconds from the first spawn (nodes are spawned BENCH_SPAWN_BATCH at a time, each batch once the
 *    previous one listens) until every node lists all N nodes alive with N−1 admitted connections, and the
 *    admissions that failed meanwhile (timeouts of slow members vs wrong proofs).
 * 2. idle cost per node over BENCH_IDLE_S seconds: CPU (user+system from /proc/<pid>/stat), bytes sent
 *    per second (the peers' `bytesWritten` in /api/v1/cluster, on connections open at both ends of the
 *    window), admitted connections, RSS.
 * 3. a single change (PATCH on node i mod N) until readable (GET) on all other nodes: p50/p99 over
 *    BENCH_CHANGES changes; each GET poller pauses BENCH_POLL_MS between GETs, so figures include up to that.
 * 4. soft state: a PJSIP registration (`ps_contacts/store` on node i mod N) until listed by
 *    /api/v1/cluster/registrations on all other nodes: p50/p99 over BENCH_CHANGES registrations.
 * 5. partition heal: the last ⌊N/2⌋ nodes are frozen with SIGSTOP for BENCH_HOLD_S seconds (their
 *    connections go silent; the others see them dead after the failure detector's 5 missed heartbeats) while
 *    the running half writes; then SIGCONT, and the time until all N have applied every log and agree on one
 *    view hash. Loopback offers no way to cut packets without root; a frozen process is the closest
 *    partition that needs nothing (test/cluster/partition.test.ts cuts a real link in network namespaces).
 *
 * Env: BENCH_SCALE_NODES ("5,10,20,40"), BENCH_QUICK=1 (5,10,20; shorter windows: a few minutes),
 * BENCH_IDLE_S (60; quick 20), BENCH_CHANGES (20; quick 10), BENCH_HOLD_S (25; quick 20), BENCH_POLL_MS (20),
 * BENCH_SPAWN_BATCH (5), BENCH_NET (JSON network tunables for the nodes, for experiments), BENCH_LABEL (the
 * run's name in the results), BENCH_OUT (JSON results file for scripts/plot-scale.ts, the run appended;
 * default bench/results/scale.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LocalCluster, waitConverged, type ClusterNode, type ClusterView } from '../test/helpers/cluster.js'
import { registerBody } from '../test/helpers/asterisk-requests.js'
import { cpuMs, fmt, median, rssMb, table } from './lib.js'

const QUICK = process.env.BENCH_QUICK === '1'
const SIZES = (process.env.BENCH_SCALE_NODES ?? (QUICK ? '5,10,20' : '5,10,20,40')).split(',').map(Number)
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? (QUICK ? 20 : 60))
const CHANGES = Number(process.env.BENCH_CHANGES ?? (QUICK ? 10 : 20))
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? (QUICK ? 20 : 25))
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 20)
const NET = JSON.parse(process.env.BENCH_NET ?? '{}') as Record<string, unknown>
const OUT = process.env.BENCH_OUT ?? fileURLToPath(new URL('./results/scale.json', import.meta.url))
/** nodes spawned at once, a batch after the other (at load average 20, 20 at once did not all start within a minute) */
const SPAWN_BATCH = Number(process.env.BENCH_SPAWN_BATCH ?? 5)
/** how long a node may take to start (the test helper gives up after a minute) */
const START_MS = 240_000

const now = (): number => performance.timeOrigin + performance.now()
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const log = (s: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`) }
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)] ?? NaN }
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

export interface ScaleResult {
  nodes: number
  meshS: number
  admission: { timeouts: number, badProof: number, other: number }
  idleCpuMsPerMin: number[]
  idleBytesPerS: number[]
  connections: number[]
  rssMb: number[]
  changeMs: { p50: number, p99: number }
  softMs: { p50: number, p99: number }
  healS: number
  /** admission failures counted from the start to the heal */
  healAdmission?: { timeouts: number, badProof: number, other: number }
  load: number[]
}

async function settled (nodes: ClusterNode[]): Promise<ClusterView[]> {
  return await Promise.all(nodes.map(async (n) => await n.status()))
}

/** Every node lists all N alive and has N−1 admitted connections (one per peer). */
function meshed (views: ClusterView[], n: number): boolean {
  return views.every((v) => v.nodes.filter((x) => x.state === 'alive').length === n &&
    new Set(v.peers.filter((p) => p.state === 'admitted').map((p) => p.swarmKey)).size === n - 1)
}

function admissionFailures (views: ClusterView[]): ScaleResult['admission'] {
  const out = { timeouts: 0, badProof: 0, other: 0 }
  for (const v of views) {
    if (!v.network.enabled) continue
    const c = v.network.counters as { rejected: Record<string, number>, admissionTimeouts?: number }
    out.timeouts += c.admissionTimeouts ?? 0
    for (const [reason, k] of Object.entries(c.rejected)) {
      if (reason === 'timeout') out.timeouts += k
      else if (reason === 'bad-proof') out.badProof += k
      else out.other += k
    }
  }
  return out
}

/** Bytes written per peer connection (by swarm key), admitted ones only. */
function written (v: ClusterView): Map<string, number> {
  const m = new Map<string, number>()
  for (const p of v.peers) if (p.state === 'admitted') m.set(p.swarmKey, (m.get(p.swarmKey) ?? 0) + p.bytesWritten)
  return m
}

async function seenEverywhere (others: ClusterNode[], probe: (n: ClusterNode) => Promise<boolean>, t0: number): Promise<number> {
  const ts = await Promise.all(others.map(async (n) => {
    for (;;) {
      if (await probe(n)) return now()
      if (now() - t0 > 60_000) throw new Error(`not seen on ${n.name} within 60 s`)
      await sleep(POLL_MS)
    }
  }))
  return Math.max(...ts) - t0
}

/**
 * addNode, but a node still starting after the helper's minute (it happens at load average 25 with 35
 * nodes up) gets START_MS before it counts as failed (the process keeps running, we wait for its line),
 * and a node that failed to start is started again, up to 3 times.
 */
async function startPatiently (cluster: LocalCluster, name: string): Promise<void> {
  const node = cluster.createNode({ name })
  cluster.nodes.push(node)
  for (let attempt = 1; ; attempt++) {
    try {
      await node.start()
      return
    } catch (err) {
      const end = now() + START_MS
      for (;;) {
        const m = /listening on (http:\/\/[^\s]+)/.exec(node.stdout)
        if (m !== null && node.running) { node.url = m[1]!; node.token = node.adminToken; log(`${name} started late`); return }
        if (now() > end || !node.running) break
        await sleep(500)
      }
      // a start starved of CPU can fail (e.g. Fastify's 10 s plugin timeout): once more, same data dir
      log(`${name} did not start (attempt ${attempt}): ${String((err as Error).message).split('\n').slice(0, 2).join(' ')}`)
      if (node.running) await node.kill('SIGKILL')
      if (attempt >= 3) throw err
    }
  }
}

async function run (n: number): Promise<ScaleResult> {
  log(`N=${n}: starting ${n} nodes`)
  const cluster = await LocalCluster.start({ nodes: 0, fastNet: false, net: { refreshBackoffMs: [1000, 2000, 4000, 8000], ...NET }, logLevel: 'warn' })
  try {
    const t0 = now()
    for (let i = 0; i < n; i += SPAWN_BATCH) {
      await Promise.all(Array.from({ length: Math.min(SPAWN_BATCH, n - i) }, async (_, j) => await startPatiently(cluster, `n${i + j + 1}`)))
    }
    const nodes = cluster.nodes
    log(`N=${n}: all listening after ${fmt((now() - t0) / 1000, 1)} s`)
    let views: ClusterView[] = []
    const deadline = now() + 300_000
    for (;;) {
      views = await settled(nodes)
      if (meshed(views, n)) break
      if (now() > deadline) {
        const short = views.map((v, i) => `${nodes[i]!.name}: ${v.nodes.filter((x) => x.state === 'alive').length} alive, ${v.peers.filter((p) => p.state === 'admitted').length} admitted`).filter((_, i) => !meshed([views[i]!], n))
        throw new Error(`N=${n}: no full mesh 300 s after all listened (${short.length} nodes short: ${short.slice(0, 8).join('; ')})`)
      }
      await sleep(1000)
    }
    const meshS = (now() - t0) / 1000
    const admission = admissionFailures(views)
    log(`N=${n}: full mesh after ${fmt(meshS, 1)} s; admissions failed: ${JSON.stringify(admission)}`)
    await waitConverged(nodes, 120_000, 500)
    await sleep(5000)

    // idle window
    const before = await settled(nodes)
    const cpu0 = nodes.map((x) => cpuMs(x.pid!))
    const w0 = now()
    await sleep(IDLE_S * 1000)
    const cpu1 = nodes.map((x) => cpuMs(x.pid!))
    const after = await settled(nodes)
    const span = (now() - w0) / 1000
    const load = loadavg()
    const idleCpuMsPerMin = cpu1.map((c, i) => (c - cpu0[i]!) / span * 60)
    const idleBytesPerS = after.map((v, i) => {
      const a = written(v)
      const b = written(before[i]!)
      let sum = 0
      for (const [k, x] of a) { const y = b.get(k); if (y !== undefined) sum += x - y }
      return sum / span
    })
    const connections = after.map((v) => v.peers.filter((p) => p.state === 'admitted').length)
    const rss = nodes.map((x) => rssMb(x.pid!))
    log(`N=${n}: idle CPU ${fmt(median(idleCpuMsPerMin))} ms/min per node, ${fmt(median(idleBytesPerS))} B/s sent per node, ${median(connections)} connections, RSS ${fmt(median(rss))} MB; load ${load.map((x) => x.toFixed(2)).join(' ')}`)

    // a single change until readable everywhere
    await nodes[0]!.put('users', 'scale-user', { name: 'start', extensions: ['100'] })
    await nodes[0]!.put('devices', 'scale-dev', { user: 'scale-user', secret: 'Scale-secret-1' })
    await waitConverged(nodes, 60_000, 200)
    const change: number[] = []
    for (let i = 0; i < CHANGES; i++) {
      const w = nodes[i % n]!
      const others = nodes.filter((x) => x !== w)
      const value = `v${i}`
      const t = now()
      await w.patch('users', 'scale-user', { name: value })
      change.push(await seenEverywhere(others, async (x) => (await x.get('users', 'scale-user'))?.name === value, t))
    }
    log(`N=${n}: change on all: p50 ${fmt(median(change))} ms, p99 ${fmt(pct(change, 99))} ms`)

    // a registration (soft state) until listed everywhere
    const soft: number[] = []
    for (let i = 0; i < CHANGES; i++) {
      const w = nodes[i % n]!
      const others = nodes.filter((x) => x !== w)
      const hash = `scale${i}`.padEnd(32, '0')
      const t = now()
      const res = await fetch(`${w.url}/realtime/ps_contacts/store`, { method: 'POST', headers: FORM, body: registerBody('scale-dev', { hash, port: 20000 + i }) })
      if (await res.text() !== '1\n') throw new Error('registration not stored on ' + w.name)
      soft.push(await seenEverywhere(others, async (x) => {
        const page = await x.json<{ items: Array<{ id: string }> }>('/api/v1/cluster/registrations?device=scale-dev')
        return page.items.some((it) => decodeURIComponent(it.id).includes(hash))
      }, t))
    }
    log(`N=${n}: registration on all: p50 ${fmt(median(soft))} ms, p99 ${fmt(pct(soft, 99))} ms`)

    // partition: freeze the second half, write on the first, thaw, time to one view
    const frozen = nodes.slice(n - Math.floor(n / 2))
    const running = nodes.slice(0, n - frozen.length)
    for (const x of frozen) x.proc!.kill('SIGSTOP')
    log(`N=${n}: froze ${frozen.length} nodes for ${HOLD_S} s`)
    const h0 = now()
    let k = 0
    while (now() - h0 < HOLD_S * 1000) {
      await running[k % running.length]!.patch('users', 'scale-user', { name: `split${k}` })
      k++
      await sleep(1000)
    }
    for (const x of frozen) x.proc!.kill('SIGCONT')
    const th = now()
    await waitConverged(nodes, 240_000, 250)
    const healS = (now() - th) / 1000
    const healAdmission = admissionFailures(await settled(nodes))
    log(`N=${n}: one view hash on all ${n} after ${fmt(healS, 1)} s (${k} writes during the split); admissions failed since the start: ${JSON.stringify(healAdmission)}`)

    return { nodes: n, meshS, admission, idleCpuMsPerMin, idleBytesPerS, connections, rssMb: rss, changeMs: { p50: median(change), p99: pct(change, 99) }, softMs: { p50: median(soft), p99: pct(soft, 99) }, healS, healAdmission, load }
  } finally {
    for (const x of cluster.nodes) if (x.running) x.proc!.kill('SIGCONT')
    await cluster.close()
  }
}

/** Appends this run to OUT (rewritten after each N: a later failure keeps the points measured). */
function save (results: ScaleResult[], prior: unknown[], at: string): void {
  mkdirSync(dirname(OUT), { recursive: true })
  const label = process.env.BENCH_LABEL ?? 'run'
  writeFileSync(OUT, JSON.stringify([...prior, { label, at, idleS: IDLE_S, changes: CHANGES, holdS: HOLD_S, pollMs: POLL_MS, results }], null, 1) + '\n')
}

async function main (): Promise<void> {
  let prior: unknown[] = []
  try { const p = JSON.parse(readFileSync(OUT, 'utf8')) as unknown; if (Array.isArray(p)) prior = p } catch {}
  const at = new Date().toISOString()
  const results: ScaleResult[] = []
  for (const n of SIZES) {
    results.push(await run(n))
    save(results, prior, at)
  }
  const head = ['nodes', 'mesh s', 'adm. timeouts / bad', 'idle CPU ms/min/node (max)', 'B/s sent/node (per link)', 'conns/node', 'RSS MB/node', 'change p50/p99 ms', 'registration p50/p99 ms', 'heal s', 'load 1m']
  const rows = results.map((r) => {
    const bytes = median(r.idleBytesPerS)
    return [r.nodes, fmt(r.meshS, 1), `${r.admission.timeouts} / ${r.admission.badProof}`,
      `${fmt(median(r.idleCpuMsPerMin))} (${fmt(Math.max(...r.idleCpuMsPerMin))})`,
      `${fmt(bytes)} (${fmt(bytes / Math.max(1, median(r.connections)))})`, median(r.connections), fmt(median(r.rssMb)),
      `${fmt(r.changeMs.p50)} / ${fmt(r.changeMs.p99)}`, `${fmt(r.softMs.p50)} / ${fmt(r.softMs.p99)}`, fmt(r.healS, 1), r.load[0]!.toFixed(2)]
  })
  process.stdout.write(table(head, rows) + '\n')
  log(`results appended to ${OUT} (label ${process.env.BENCH_LABEL ?? 'run'})`)
}

main().then(() => process.exit(0), (err: unknown) => { process.stderr.write(String((err as Error).stack ?? err) + '\n'); process.exit(1) })
