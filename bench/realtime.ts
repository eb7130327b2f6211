/**
 * npm run bench:realtime — res_config_curl lookups over HTTP against bare Fastify, in the same run.
 *
 * Three processes: the realtime node (a real Store with 100k users and devices and 1,000 trunks, a real
 * SoftState with 20k of this node's PJSIP contacts, the realtime plugin), a bare Fastify answering
 * fixed bodies of the same sizes (same raw-body parsing: the difference is the lookup), each pinned to
 * core 0 with taskset when available, and the load generator (autocannon in its own process, pinned to
 * core 1). Each realtime scenario runs right after a bare run with bodies of the same size; rounds
 * repeat the sequence; medians over rounds are reported with the ratio to the bare run next to it (req/s)
 * and the ratio of the servers' CPU per request (less sensitive to other tenants of the machine).
 *
 * Scenarios (POST bodies exactly as Asterisk sends them, random keys):
 *   ps_endpoints/single id=<random device>         ps_auths/single id=<random device>
 *   ps_contacts/multi id LIKE <random registered AOR>;@%
 *   ps_endpoint_id_ips/multi id LIKE %  (1,000 trunks: every PJSIP request identifies by IP)
 * Targets (single lookups): ratio ≥ 0.75 and p99 ≤ 5 ms.
 *
 * Tunables: BENCH_SECONDS (per run, default 10), BENCH_WARMUP (s, default 2), BENCH_ROUNDS (default 3),
 * BENCH_CONNECTIONS (default 50), BENCH_DEVICES (default 100000), BENCH_TRUNKS (default 1000),
 * BENCH_CONTACTS (default 20000).
 * Run: npm run bench:realtime   (roles inside: `bench/realtime.ts server <mode> [sizes]` and `bench/realtime.ts load <url> <file> <s>`)
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuMs, fmt, median, rssMb, startBenchServer, table, tempDir, type BenchServer } from './lib.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000)
const TRUNKS = Number(process.env.BENCH_TRUNKS ?? 1000)
const CONTACTS = Math.min(Number(process.env.BENCH_CONTACTS ?? 20_000), DEVICES)
const SELF = fileURLToPath(import.meta.url)
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** A small deterministic generator (the load and the data agree on ids). */
function rng (seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n }
}
/** 0 … n-1 in random order (Fisher–Yates). */
function shuffled (n: number, r: (n: number) => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) { const j = r(i + 1); [a[i], a[j]] = [a[j]!, a[i]!] }
  return a
}

/** Every 5th device is registered (a contact of this node). */
const registered = (k: number): number => (k * 5) % DEVICES

interface Req { path: string, body: string }

// ---- role: server ----------------------------------------------------------------------------

/** Bare Fastify: the same raw-body parser and routes, answering fixed bodies of the given sizes. */
async function serveBare (sizes: Record<string, number>): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  const fixed = (n: number): string => ('id=d12345&k=' + 'x'.repeat(Math.max(0, n))).slice(0, Math.max(1, n - 1)) + '\n'
  const bodies = new Map(Object.entries(sizes).map(([k, n]) => [k, fixed(n)]))
  app.post('/realtime/:family/:op', (req) => bodies.get((req.params as { family: string }).family) ?? fixed(256))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  process.stdout.write(`READY ${url} {}\n`)
}

async function serveRealtime (): Promise<void> {
  const { Store } = await import('@federator/store')
  const { SoftState } = await import('@federator/net')
  const { buildApp, RealtimeService, realtimePlugin, REALTIME_PREFIX } = await import('@federator/server')
  const hcrypto = await import('hypercore-crypto')
  const store = new Store({ dir: tempDir('realtime') })
  await store.ready()
  type Op = Parameters<typeof store.writeMany>[0][number]
  const ops: Op[] = []
  const flush = async (force = false): Promise<void> => {
    if (ops.length < 2000 && !(force && ops.length > 0)) return
    const bad = (await store.writeMany(ops.splice(0))).find((x) => x instanceof Error)
    if (bad !== undefined) throw bad
  }
  const t0 = performance.now()
  for (let i = 0; i < DEVICES; i++) {
    ops.push({ op: 'replace', type: 'user', id: `u${i}`, fields: { name: `User ${i}`, extensions: [String(100_000 + i)], voicemail: { pin: String(1000 + (i % 9000)) } } })
    ops.push({ op: 'replace', type: 'device', id: `d${i}`, fields: { user: `u${i}`, secret: `S3cr3t-${i}`, codecs: ['ulaw', 'alaw', 'g722'], nat: true } })
    await flush()
  }
  for (let i = 0; i < TRUNKS; i++) {
    ops.push({ op: 'replace', type: 'trunk', id: `t${i}`, fields: { host: `198.51.${i >> 8}.${i & 255}`, ips: [`198.51.${i >> 8}.${i & 255}`], secret: `pw${i}`, username: `acct${i}`, register: i % 4 === 0 } })
    await flush()
  }
  await flush(true)
  const writeMs = performance.now() - t0

  const soft = new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 500_000, maxItemBytes: 8192, maxTtlMs: 7 * 86_400_000 })
  const exp = Math.floor(Date.now() / 1000) + 86_400
  for (let k = 0; k < CONTACTS; k++) {
    const aor = `d${registered(k)}`
    const id = `${aor};@${(k * 2654435761 >>> 0).toString(16).padStart(8, '0')}0123456789abcdef01234567`
    soft.publish('contact', id, {
      id, aor, uri: `sip:${aor}@192.0.2.${k % 250}:5060;transport=udp;rinstance=${k.toString(36)}`, expiration_time: exp, qualify_frequency: '60',
      qualify_timeout: '3.000000', authenticate_qualify: 'no', outbound_proxy: '', path: '', user_agent: 'Bench Phone 1.0', reg_server: 'bench',
      via_addr: `192.0.2.${k % 250}`, via_port: '5060', call_id: `${k}@192.0.2.1`, endpoint: aor, prune_on_boot: 'no', qualify_2xx_only: 'false'
    }, 86_400_000)
  }
  global.gc?.()
  const heap0 = process.memoryUsage().heapUsed
  const t1 = performance.now()
  const realtime = new RealtimeService({ store, registrations: soft })
  const app = await buildApp({ store, adminToken: 'bench-token', plugins: [{ name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(realtime) }] })
  app.get('/bench-stats', async () => ({ hits: realtime.cache.hits, misses: realtime.cache.misses, entries: realtime.cache.size, rssMb: rssMb(process.pid) }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const readyMs = performance.now() - t1
  global.gc?.()
  const stats = { writeMs, readyMs, heapMb: (process.memoryUsage().heapUsed - heap0) / 1048576, rssMb: rssMb(process.pid), contacts: realtime.book.contactCount }
  process.stdout.write(`READY ${url} ${JSON.stringify(stats)}\n`)
}

// ---- role: load ------------------------------------------------------------------------------

/** `seconds` > 0: run that long; < 0: send each request of the file once. */
async function load (url: string, file: string, seconds: number): Promise<void> {
  const { default: autocannon } = await import('autocannon')
  const reqs = JSON.parse(readFileSync(file, 'utf8')) as Req[]
  let i = 0
  const t0 = performance.now()
  const res = await autocannon({
    url,
    connections: CONNECTIONS,
    pipelining: 1,
    ...(seconds > 0 ? { duration: seconds } : { amount: reqs.length }),
    requests: [{ method: 'POST', headers: FORM, setupRequest: (req: Record<string, unknown>) => { const r = reqs[i++ % reqs.length]!; return { ...req, path: r.path, body: r.body } } }]
  })
  const elapsed = seconds > 0 ? seconds : (performance.now() - t0) / 1000
  process.stdout.write(JSON.stringify({ rps: res['2xx'] / elapsed, non2xx: res.non2xx, errors: res.errors, p50: res.latency.p50, p99: res.latency.p99, total: res['2xx'], bytes: res.throughput.average }) + '\n')
}

// ---- role: orchestrator ----------------------------------------------------------------------

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0
const pinned = (core: number, args: string[]): [string, string[]] =>
  hasTaskset ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args]
const nodeArgs = ['--expose-gc', '--max-old-space-size=2048', '--import=tsx', '--conditions=fed-source', SELF]

async function startServer (mode: 'bare' | 'realtime', extra: string[] = []): Promise<BenchServer> {
  const [cmd, args] = pinned(0, [...nodeArgs, 'server', mode, ...extra])
  return await startBenchServer(cmd, args, mode)
}


/** Wait until a server is idle (its start-up work — LevelDB compaction after the bulk load — done): < 5 % CPU over 1 s, at most 60 s. */
async function settle (pid: number): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < 60; i++) {
    const c0 = cpuMs(pid)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    if (cpuMs(pid) - c0 < 50) break
  }
  return (performance.now() - t0) / 1000
}

interface LoadResult { rps: number, p50: number, p99: number, total: number, non2xx: number, errors: number }

async function runLoad (url: string, file: string, seconds: number): Promise<LoadResult> {
  const [cmd, args] = pinned(1, [...nodeArgs, 'load', url, file, String(seconds)])
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  p.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise((resolve) => p.on('exit', resolve))
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult
}

async function post (url: string, r: Req): Promise<string> {
  return await (await fetch(url + r.path, { method: 'POST', headers: FORM, body: r.body })).text()
}

async function orchestrate (): Promise<void> {
  const dir = tempDir('realtime-reqs')
  const r = rng(7)
  const reqs = {
    endpoints: Array.from({ length: DEVICES }, () => ({ path: '/realtime/ps_endpoints/single', body: `id=d${r(DEVICES)}` })),
    auths: Array.from({ length: DEVICES }, () => ({ path: '/realtime/ps_auths/single', body: `id=d${r(DEVICES)}` })),
    contacts: Array.from({ length: CONTACTS }, () => ({ path: '/realtime/ps_contacts/multi', body: `id%20LIKE=d${registered(r(CONTACTS))}%3B%40%25` })),
    identify: [{ path: '/realtime/ps_endpoint_id_ips/multi', body: 'id%20LIKE=%25' }],
    // every device once, in random order: the cold lookups that fill the answer cache
    fill: shuffled(DEVICES, r).map((i) => ({ path: '/realtime/ps_endpoints/single', body: `id=d${i}` }))
  }
  const files = Object.fromEntries(Object.entries(reqs).map(([k, v]) => { const f = join(dir, k + '.json'); writeFileSync(f, JSON.stringify(v)); return [k, f] })) as Record<keyof typeof reqs, string>

  process.stdout.write(`realtime benchmark: ${fmt(DEVICES)} users/devices, ${fmt(TRUNKS)} trunks, ${fmt(CONTACTS)} contacts; ${ROUNDS} rounds × ${SECONDS} s (+${WARMUP} s warm-up), ${CONNECTIONS} connections; taskset ${hasTaskset ? 'servers core 0, load core 1' : 'not available'}\n`)
  const t0 = performance.now()
  const rt = await startServer('realtime')
  process.stdout.write(`realtime node ready in ${fmt((performance.now() - t0) / 1000, 1)} s (records written in ${fmt(rt.stats.writeMs! / 1000, 1)} s, plugin ready in ${fmt(rt.stats.readyMs!)} ms, +${fmt(rt.stats.heapMb!)} MB heap, RSS ${fmt(rt.stats.rssMb!)} MB, ${fmt(rt.stats.contacts!)} contacts)\n`)
  const samples = { endpoints: await post(rt.url, reqs.endpoints[0]!), auths: await post(rt.url, reqs.auths[0]!), contacts: await post(rt.url, reqs.contacts[0]!), identify: await post(rt.url, reqs.identify[0]!) }
  for (const [k, v] of Object.entries(samples)) {
    const req = reqs[k as keyof typeof reqs][0]!
    process.stdout.write(`  e.g. ${req.path} ${req.body}\n    → ${v.length > 160 ? v.slice(0, 160) + `… (${fmt(v.length)} bytes, ${v.split('\n').length - 1} lines)` : v.trimEnd()}\n`)
    if (v.length === 0) throw new Error(`${req.path}: empty answer`)
  }
  const bare = await startServer('bare', [JSON.stringify({ ps_endpoints: samples.endpoints.length, ps_auths: samples.auths.length, ps_contacts: samples.contacts.length, ps_endpoint_id_ips: samples.identify.length })])
  process.stdout.write(`servers idle after ${fmt(await settle(rt.proc.pid!) + await settle(bare.proc.pid!), 1)} s\n`)

  // each realtime scenario right after a bare run with bodies of the same size: the ratio compares neighbours in time
  const pairs = [
    { name: 'ps_endpoints/single id=<random>', bareName: 'endpoint-sized line', file: files.endpoints },
    { name: 'ps_auths/single id=<random>', bareName: 'endpoint-sized line', file: files.auths },
    { name: 'ps_contacts/multi id LIKE <aor>;@%', bareName: 'contacts-sized line', file: files.contacts },
    { name: `ps_endpoint_id_ips/multi id LIKE % (${fmt(TRUNKS)} trunks)`, bareName: `${fmt(samples.identify.length)} B body`, file: files.identify }
  ]
  interface Series { rps: number[], p50: number[], p99: number[], us: number[], ratio: number[], cpuRatio: number[] }
  const series = (): Series => ({ rps: [], p50: [], p99: [], us: [], ratio: [], cpuRatio: [] })
  const res = pairs.map(() => ({ bare: series(), rt: series() }))
  const measure = async (server: BenchServer, file: string, label: string, o: Series, round: number): Promise<{ rps: number, us: number }> => {
    if (WARMUP > 0) await runLoad(server.url, file, WARMUP)
    const c0 = cpuMs(server.proc.pid!)
    const x = await runLoad(server.url, file, SECONDS)
    const c1 = cpuMs(server.proc.pid!)
    if (x.non2xx > 0 || x.errors > 0) throw new Error(`${label}: ${x.non2xx} non-2xx, ${x.errors} errors`)
    const us = (c1 - c0) * 1000 / x.total
    o.rps.push(x.rps); o.p50.push(x.p50); o.p99.push(x.p99); o.us.push(us)
    process.stdout.write(`  round ${round + 1} ${label}: ${fmt(x.rps)} req/s, p50 ${x.p50} ms, p99 ${x.p99} ms, ${fmt(us, 1)} µs CPU/req\n`)
    return { rps: x.rps, us }
  }
  // cold: every device looked up once (its endpoint, auth and AOR answers computed and cached)
  const f0 = cpuMs(rt.proc.pid!)
  const fill = await runLoad(rt.url, files.fill, -1)
  const fillUs = (cpuMs(rt.proc.pid!) - f0) * 1000 / fill.total
  if (fill.non2xx > 0 || fill.errors > 0) throw new Error(`cache fill: ${fill.non2xx} non-2xx, ${fill.errors} errors`)
  process.stdout.write(`  cold lookups (every device once, ps_endpoints/single): ${fmt(fill.rps)} req/s, p50 ${fill.p50} ms, p99 ${fill.p99} ms, ${fmt(fillUs, 1)} µs CPU/req\n`)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, p] of pairs.entries()) {
      const b = await measure(bare, p.file, `bare Fastify, ${p.bareName}`, res[i]!.bare, round)
      const r = await measure(rt, p.file, p.name, res[i]!.rt, round)
      res[i]!.rt.ratio.push(r.rps / b.rps)
      res[i]!.rt.cpuRatio.push(b.us / r.us)
    }
  }
  const stats = await (await fetch(rt.url + '/bench-stats')).json() as { hits: number, misses: number, entries: number, rssMb: number }
  const rows: Array<Array<string | number>> = []
  for (const [i, p] of pairs.entries()) {
    const { bare: b, rt: r } = res[i]!
    rows.push([`bare Fastify, ${p.bareName}`, fmt(median(b.rps)), '', '', fmt(median(b.p50), 1), fmt(median(b.p99), 1), fmt(median(b.us), 1)])
    rows.push([p.name, fmt(median(r.rps)), fmt(median(r.ratio), 2), fmt(median(r.cpuRatio), 2), fmt(median(r.p50), 1), fmt(median(r.p99), 1), fmt(median(r.us), 1)])
  }
  process.stdout.write('\n' + table(['scenario (medians)', 'req/s', 'ratio to bare', 'CPU ratio', 'p50 ms', 'p99 ms', 'server µs/req'], rows) + '\n')
  process.stdout.write('ratio to bare: req/s over the bare run just before; CPU ratio: bare server CPU per request over the realtime node\'s\n')
  process.stdout.write(`cold lookups (cache fill, every device once): ${fmt(fill.rps)} req/s, p99 ${fill.p99} ms, ${fmt(fillUs, 1)} µs CPU/req\n`)
  process.stdout.write(`answer cache: ${fmt(stats.hits)} hits, ${fmt(stats.misses)} misses (${fmt(100 * stats.hits / (stats.hits + stats.misses), 1)} % hits), ${fmt(stats.entries)} entries; realtime node RSS ${fmt(stats.rssMb)} MB\n`)
  const singles = [0, 1].map((i) => res[i]!.rt)
  const worst = Math.min(...singles.map((o) => median(o.ratio)))
  const p99 = Math.max(...singles.map((o) => median(o.p99)))
  process.stdout.write(`targets (single lookups): ratio ≥ 0.75 → ${fmt(worst, 2)} ${worst >= 0.75 ? 'ok' : 'MISSED'}; p99 ≤ 5 ms → ${fmt(p99, 1)} ms ${p99 <= 5 ? 'ok' : 'MISSED'}\n`)
  bare.proc.kill('SIGKILL')
  rt.proc.kill('SIGKILL')
}

const [role, a1, a2, a3] = process.argv.slice(2)
if (role === 'server') await (a1 === 'bare' ? serveBare(JSON.parse(a2 ?? '{}') as Record<string, number>) : serveRealtime())
else if (role === 'load') await load(a1!, a2!, Number(a3))
else await orchestrate()
