/**
 * npm run bench:route — `/route` over HTTP against bare Fastify, in the same run.
 *
 * Three processes: the servers (a routing node: real Store with 100k users and devices, 10k routes,
 * 20 providers with 10k prefixes in all, 40 trunks, 90 % of devices registered over 5 nodes through
 * real soft state, the RoutingView built from the store; and a bare Fastify answering a fixed line),
 * each pinned to core 0 with taskset when available, and the load generator (autocannon, in its own
 * process, pinned to core 1). Rounds alternate between the scenarios; medians over rounds are
 * reported, with the ratio to bare Fastify measured in the same round and the servers' CPU per request.
 *
 * Scenarios: random user extensions; random external numbers (route + LCR over the provider prefixes,
 * up to maxAlternatives alternatives); a 50/50 mix. Targets: ratio ≥ 0.5, p99 ≤ 10 ms.
 *
 * Tunables: BENCH_SECONDS (per run, default 10), BENCH_WARMUP (s, default 2), BENCH_ROUNDS (default 3),
 * BENCH_CONNECTIONS (default 50), BENCH_USERS (default 100000), BENCH_ROUTES (default 10000),
 * BENCH_MAX_ALTERNATIVES (default: the routing default, 8), BENCH_NODE_FLAGS (node flags of the routing node, e.g.
 * `--max-semi-space-size=32`).
 * Run: npm run bench:route (builds first: the servers load the packages' dist/, like `federator start`).
 * Roles inside: `bench/route.ts server <bare|route>` and `bench/route.ts load <url> <file> <seconds>`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PerformanceObserver } from 'node:perf_hooks'
import { cpuMs, fmt, median, rssMb, startBenchServer, table, tempDir, type BenchServer } from './lib.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const USERS = Number(process.env.BENCH_USERS ?? 100_000)
const ROUTES = Number(process.env.BENCH_ROUTES ?? 10_000)
const PROVIDERS = 20
const PREFIXES = 10_000
const NODES = 5
const SELF = fileURLToPath(import.meta.url)

/** A small deterministic generator (the load and the data agree on numbers). */
function rng (seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n }
}
const routeCode = (k: number): string => String(1000 + k) // 1000… : 4–5 digit codes after 00

// ---- role: server ----------------------------------------------------------------------------

/** Garbage collection time of this process so far (ms), read by the orchestrator between runs. */
let gcMs = 0

async function serveBare (): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  const line = 'status=OK&dial=PJSIP%2F100000%40fed-n1&timeout=30&count=1&reason=user'
  app.get('/route', async (_req, reply) => { reply.header('content-type', 'text/plain; charset=utf-8'); return line })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  process.stdout.write(`READY ${url} {}\n`)
}

async function serveRoute (): Promise<void> {
  new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration }).observe({ entryTypes: ['gc'] })
  const { Store } = await import('@federator/store')
  const { SoftState } = await import('@federator/net')
  const { buildApp, RoutingService } = await import('@federator/server')
  const hcrypto = await import('hypercore-crypto')
  const store = new Store({ dir: tempDir('route') })
  await store.ready()
  const r = rng(42)
  type Op = Parameters<typeof store.writeMany>[0][number]
  const ops: Op[] = []
  const flush = async (force = false): Promise<void> => {
    if (ops.length < 2000 && !(force && ops.length > 0)) return
    const res = await store.writeMany(ops.splice(0))
    const bad = res.find((x) => x instanceof Error)
    if (bad !== undefined) throw bad
  }
  const peers = Array.from({ length: NODES - 1 }, (_, i) => ({ name: `n${i + 1}`, writer: (i + 1).toString(16).repeat(64), sip: `10.0.0.${i + 2}:5060` }))
  for (let i = 0; i < 40; i++) {
    ops.push({ op: 'replace', type: 'trunk', id: `t${i}`, fields: i % 8 === 7 ? { nodes: [peers[i % peers.length]!.name] } : i % 10 === 3 ? { maxChannels: 10 } : {} })
  }
  for (let p = 0; p < PROVIDERS; p++) {
    const prefixes = Array.from({ length: PREFIXES / PROVIDERS }, () => ({ prefix: String(10 + r(90)) + String(r(10_000)).slice(0, 1 + r(4)), cost: r(1000) / 100 }))
    const unique = [...new Map(prefixes.map((x) => [x.prefix, x])).values()]
    ops.push({ op: 'replace', type: 'provider', id: `p${p}`, fields: { name: `P${p}`, trunks: [`t${(2 * p) % 40}`, `t${(2 * p + 1) % 40}`], prefixes: [...unique, { prefix: '', cost: 50 + p }], priority: p % 3 } })
  }
  for (let k = 0; k < ROUTES; k++) {
    const target = k % 10 === 0 ? { kind: 'trunk', trunk: `t${k % 40}` } : k % 10 === 1 ? { kind: 'provider', provider: `p${k % PROVIDERS}` } : { kind: 'lcr' }
    ops.push({ op: 'replace', type: 'route', id: `r${k}`, fields: { pattern: `_00${routeCode(k)}X.`, strip: 2, target } })
    await flush()
  }
  for (let i = 0; i < USERS; i++) {
    ops.push({ op: 'replace', type: 'user', id: `u${i}`, fields: { name: `User ${i}`, extensions: [String(100_000 + i)] } })
    ops.push({ op: 'replace', type: 'device', id: `d${i}`, fields: { user: `u${i}`, secret: `s${i}` } })
    await flush()
  }
  await flush(true)

  // registrations: 90 % of the devices, spread over this node and 4 peers, through real soft state
  const opts = { maxItems: 500_000, maxItemBytes: 8192, maxTtlMs: 7 * 86_400_000 }
  const soft = new SoftState({ keyPair: hcrypto.keyPair(), ...opts })
  const peerSoft = peers.map(() => new SoftState({ keyPair: hcrypto.keyPair(), ...opts }))
  for (const p of peerSoft) p.on('item', (it: { body: Uint8Array, signature: Uint8Array }) => { soft.offer([it.body, it.signature, 0], null) })
  const tables = [soft, ...peerSoft]
  const exp = Math.floor(Date.now() / 1000) + 86_400
  for (let i = 0; i < USERS; i++) {
    if (i % 10 === 0) continue
    const id = `d${i};@${(i * 2654435761 >>> 0).toString(16)}`
    tables[i % NODES]!.publish('contact', id, { id, aor: `d${i}`, uri: `sip:d${i}@192.0.2.${i % 250}:5060`, expiration_time: exp }, 86_400_000)
  }
  const nodeStates = {
    nodes: () => peers.map((p, i) => ({ swarmKey: peerSoft[i]!.owner, state: 'alive' as const, self: false, info: { name: p.name, sipAddress: p.sip, writerKey: p.writer } })),
    on: () => nodeStates,
    off: () => nodeStates
  }
  const maxAlternatives = process.env.BENCH_MAX_ALTERNATIVES
  const routing = new RoutingService({ store, soft, nodeStates, name: 'n0', sipAddress: '10.0.0.1:5060', config: maxAlternatives !== undefined ? { maxAlternatives: Number(maxAlternatives) } : {} })
  global.gc?.()
  const heap0 = process.memoryUsage().heapUsed
  const t0 = performance.now()
  await routing.ready()
  const buildMs = performance.now() - t0
  global.gc?.()
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1048576
  const app = await buildApp({ store, adminToken: 'bench-token', plugins: [{ name: 'route', plugin: routing.plugin }] })
  app.get('/bench-gc', async () => gcMs)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const stats = { buildMs, heapMb, rssMb: rssMb(process.pid), routes: routing.view.snapshot.routeCount, unusable: routing.view.snapshot.invalid().size, contacts: soft.size }
  process.stdout.write(`READY ${url} ${JSON.stringify(stats)}\n`)
}

// ---- role: load ------------------------------------------------------------------------------

async function load (url: string, file: string, seconds: number): Promise<void> {
  const { default: autocannon } = await import('autocannon')
  const paths = JSON.parse(readFileSync(file, 'utf8')) as string[]
  let i = 0
  const res = await autocannon({
    url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[i++ % paths.length] }) }]
  })
  process.stdout.write(JSON.stringify({ rps: res['2xx'] / seconds, non2xx: res.non2xx, errors: res.errors, p50: res.latency.p50, p99: res.latency.p99, total: res['2xx'] }) + '\n')
}

// ---- role: orchestrator ----------------------------------------------------------------------

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0
const pinned = (core: number, args: string[]): [string, string[]] =>
  hasTaskset ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args]
// the servers run the built packages (dist/, as `federator start` does): tsx-transformed sources carry
// esbuild's keepNames helpers, a per-call cost the product does not have
const serverArgs = ['--expose-gc', '--max-old-space-size=2048', '--import=tsx', SELF]
const loadArgs = ['--import=tsx', SELF]

async function startServer (mode: 'bare' | 'route'): Promise<BenchServer> {
  const flags = mode === 'route' ? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '') : []
  const [cmd, args] = pinned(0, [...flags, ...serverArgs, 'server', mode])
  return await startBenchServer(cmd, args, mode)
}


async function runLoad (url: string, file: string, seconds: number): Promise<{ rps: number, p50: number, p99: number, total: number, non2xx: number, errors: number }> {
  const [cmd, args] = pinned(1, [...loadArgs, 'load', url, file, String(seconds)])
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  p.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise((resolve) => p.on('exit', resolve))
  return JSON.parse(out.trim().split('\n').pop()!) as { rps: number, p50: number, p99: number, total: number, non2xx: number, errors: number }
}

const gcOf = async (url: string): Promise<number> => Number(await (await fetch(url + '/bench-gc')).text())

async function orchestrate (): Promise<void> {
  const dir = tempDir('route-paths')
  const r = rng(7)
  const ext = Array.from({ length: 20_000 }, () => `/route?exten=${100_000 + r(USERS)}&context=from-internal&from=d${r(USERS)}`)
  const num = Array.from({ length: 20_000 }, () => `/route?exten=00${routeCode(r(ROUTES))}${String(r(1e9)).padStart(9, '0').slice(0, 6 + r(4))}&context=from-internal&from=d${r(USERS)}`)
  const mix = ext.map((e, i) => i % 2 === 0 ? e : num[i]!)
  const files = { ext: join(dir, 'ext.json'), num: join(dir, 'num.json'), mix: join(dir, 'mix.json'), bare: join(dir, 'bare.json') }
  writeFileSync(files.ext, JSON.stringify(ext))
  writeFileSync(files.num, JSON.stringify(num))
  writeFileSync(files.mix, JSON.stringify(mix))
  writeFileSync(files.bare, JSON.stringify(ext))

  process.stdout.write(`route benchmark: ${fmt(USERS)} users/devices, ${fmt(ROUTES)} routes, ${PROVIDERS} providers / ${fmt(PREFIXES)} prefixes; ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections; taskset ${hasTaskset ? 'server core 0, load core 1' : 'not available'}\n`)
  const bare = await startServer('bare')
  const t0 = performance.now()
  const route = await startServer('route')
  process.stdout.write(`routing node ready in ${fmt((performance.now() - t0) / 1000, 1)} s (data written, then the view built in ${fmt(route.stats.buildMs!)} ms, +${fmt(route.stats.heapMb!)} MB heap; RSS ${fmt(route.stats.rssMb!)} MB; ${fmt(route.stats.contacts!)} soft items, ${route.stats.unusable} unusable records)\n`)

  const sample = async (path: string): Promise<string> => await (await fetch(route.url + path)).text()
  process.stdout.write(`  e.g. ${ext[0]}\n    → ${await sample(ext[0]!)}\n  e.g. ${num[0]}\n    → ${await sample(num[0]!)}\n`)

  const scenarios = [
    { name: 'bare Fastify (fixed line)', server: bare, file: files.bare },
    { name: '/route user extensions', server: route, file: files.ext },
    { name: '/route external numbers (LCR)', server: route, file: files.num },
    { name: '/route 50/50 mix', server: route, file: files.mix }
  ]
  const res = scenarios.map(() => ({ rps: [] as number[], p50: [] as number[], p99: [] as number[], us: [] as number[], ratio: [] as number[], gc: [] as number[] }))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, s] of scenarios.entries()) {
      if (WARMUP > 0) await runLoad(s.server.url, s.file, WARMUP)
      const g0 = s.server === route ? await gcOf(route.url) : 0
      const c0 = cpuMs(s.server.proc.pid!)
      const x = await runLoad(s.server.url, s.file, SECONDS)
      const c1 = cpuMs(s.server.proc.pid!)
      const gc = s.server === route ? ((await gcOf(route.url)) - g0) * 1000 / x.total : NaN
      if (x.non2xx > 0 || x.errors > 0) throw new Error(`${s.name}: ${x.non2xx} non-2xx, ${x.errors} errors`)
      const o = res[i]!
      o.rps.push(x.rps); o.p50.push(x.p50); o.p99.push(x.p99); o.us.push((c1 - c0) * 1000 / x.total); o.gc.push(gc)
      o.ratio.push(x.rps / res[0]!.rps[round]!)
      process.stdout.write(`  round ${round + 1} ${s.name}: ${fmt(x.rps)} req/s, p50 ${x.p50} ms, p99 ${x.p99} ms, ${fmt((c1 - c0) * 1000 / x.total, 1)} µs CPU/req${Number.isNaN(gc) ? '' : `, of which GC ${fmt(gc, 1)} µs`}\n`)
    }
  }
  process.stdout.write('\n' + table(['scenario (medians)', 'req/s', 'ratio to bare', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'CPU ratio', 'GC µs/req'], scenarios.map((s, i) => {
    const o = res[i]!
    return [s.name, fmt(median(o.rps)), fmt(median(o.ratio), 2), fmt(median(o.p50), 1), fmt(median(o.p99), 1), fmt(median(o.us), 1), fmt(median(res[0]!.us) / median(o.us), 2), i === 0 ? '' : fmt(median(o.gc), 1)]
  })) + '\n')
  process.stdout.write(`routing node RSS after the run: ${fmt(rssMb(route.proc.pid!))} MB\n`)
  const worst = Math.min(...res.slice(1).map((o) => median(o.ratio)))
  const p99 = Math.max(...res.slice(1).map((o) => median(o.p99)))
  process.stdout.write(`targets: ratio ≥ 0.5 → ${fmt(worst, 2)} ${worst >= 0.5 ? 'ok' : 'MISSED'}; p99 ≤ 10 ms → ${fmt(p99, 1)} ms ${p99 <= 10 ? 'ok' : 'MISSED'}\n`)
  bare.proc.kill('SIGKILL')
  route.proc.kill('SIGKILL')
}

const [role, a1, a2, a3] = process.argv.slice(2)
if (role === 'server') await (a1 === 'bare' ? serveBare() : serveRoute())
else if (role === 'load') await load(a1!, a2!, Number(a3))
else await orchestrate()
