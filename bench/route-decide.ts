/**
 * In-process CPU cost of one `/route` decision (and its hashcompat answer), without HTTP: a
 * `MemorySnapshot` shaped like bench/route.ts (100k users and devices, 90 % registered over 5 nodes,
 * 10k routes `_00<code>X.`, 40 trunks, 20 providers with 10k prefixes plus a catch-all each) and the
 * same random user extensions and external numbers. Reports CPU µs per call (process.cpuUsage) and the
 * share of garbage collection, for `routeFromParams` alone and with `encodeHashcompat`.
 *
 * Run: npm run build && node --import=tsx bench/route-decide.ts   (loads the built core, dist/)
 * Profile: node --cpu-prof --cpu-prof-dir=/tmp/prof --import=tsx bench/route-decide.ts
 * Tunables: BENCH_CALLS (per scenario and measure, default 300000), BENCH_USERS (100000), BENCH_ROUTES (10000),
 * BENCH_ROUNDS (3; the median is reported), BENCH_ONLY (`ext` or `num`: one scenario, for profiles).
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { MemorySnapshot, encodeHashcompat, routeFromParams, type RoutingContact } from '@federator/core'

const CALLS = Number(process.env.BENCH_CALLS ?? 300_000)
const USERS = Number(process.env.BENCH_USERS ?? 100_000)
const ROUTES = Number(process.env.BENCH_ROUTES ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PROVIDERS = 20
const PREFIXES = 10_000
const NOW = Date.now()

function rng (seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n }
}
const routeCode = (k: number): string => String(1000 + k)

function build (): MemorySnapshot {
  const r = rng(42)
  const self = 'e'.repeat(64)
  const peers = Array.from({ length: 4 }, (_, i) => ({ name: `n${i + 1}`, id: (i + 1).toString(16).repeat(64), sip: `10.0.0.${i + 2}:5060` }))
  const snap = new MemorySnapshot({
    self,
    nodes: [{ id: self, name: 'n0', sipAddress: '10.0.0.1:5060', state: 'alive', tech: 'PJSIP' },
      ...peers.map((p) => ({ id: p.id, name: p.name, sipAddress: p.sip, state: 'alive' as const }))]
  })
  for (let i = 0; i < 40; i++) snap.put('trunk', `t${i}`, i % 8 === 7 ? { nodes: [peers[i % peers.length]!.name] } : i % 10 === 3 ? { maxChannels: 10 } : {})
  for (let p = 0; p < PROVIDERS; p++) {
    const prefixes = Array.from({ length: PREFIXES / PROVIDERS }, () => ({ prefix: String(10 + r(90)) + String(r(10_000)).slice(0, 1 + r(4)), cost: r(1000) / 100 }))
    const unique = [...new Map(prefixes.map((x) => [x.prefix, x])).values()]
    snap.put('provider', `p${p}`, { name: `P${p}`, trunks: [`t${(2 * p) % 40}`, `t${(2 * p + 1) % 40}`], prefixes: [...unique, { prefix: '', cost: 50 + p }], priority: p % 3 })
  }
  for (let k = 0; k < ROUTES; k++) {
    const target = k % 10 === 0 ? { kind: 'trunk', trunk: `t${k % 40}` } : k % 10 === 1 ? { kind: 'provider', provider: `p${k % PROVIDERS}` } : { kind: 'lcr' }
    snap.put('route', `r${k}`, { pattern: `_00${routeCode(k)}X.`, strip: 2, target })
  }
  const owners = [self, ...peers.map((p) => p.id)]
  for (let i = 0; i < USERS; i++) {
    snap.put('user', `u${i}`, { name: `User ${i}`, extensions: [String(100_000 + i)] })
    snap.put('device', `d${i}`, { user: `u${i}`, secret: `s${i}` })
    if (i % 10 === 0) continue
    const id = `d${i};@${(i * 2654435761 >>> 0).toString(16)}`
    const c: RoutingContact = { id, node: owners[i % owners.length]!, device: `d${i}`, uri: `sip:d${i}@192.0.2.${i % 250}:5060`, expires: NOW + 86_400_000, updated: NOW - i }
    snap.putContact(c)
  }
  return snap
}

function params (): { ext: Array<Record<string, string>>, num: Array<Record<string, string>> } {
  const r = rng(7)
  const ext = Array.from({ length: 20_000 }, () => ({ exten: String(100_000 + r(USERS)), context: 'from-internal', from: `d${r(USERS)}` }))
  const num = Array.from({ length: 20_000 }, () => ({ exten: `00${routeCode(r(ROUTES))}${String(r(1e9)).padStart(9, '0').slice(0, 6 + r(4))}`, context: 'from-internal', from: `d${r(USERS)}` }))
  return { ext, num }
}

let gcMs = 0
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration }).observe({ entryTypes: ['gc'] })

const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 20)) } // gc entries arrive asynchronously

async function measure (snap: MemorySnapshot, list: Array<Record<string, string>>, encode: boolean): Promise<{ us: number, gcUs: number, bytes: number }> {
  let bytes = 0
  await settle()
  const g0 = gcMs
  const c0 = process.cpuUsage()
  for (let i = 0; i < CALLS; i++) {
    const d = routeFromParams(snap, list[i % list.length]!, { now: NOW, trace: false })
    if (encode) bytes += encodeHashcompat(d).length
    else bytes += d.status.length
  }
  const c = process.cpuUsage(c0)
  await settle()
  return { us: (c.user + c.system) / CALLS, gcUs: (gcMs - g0) * 1000 / CALLS, bytes: bytes / CALLS }
}

const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }

global.gc?.()
const heap0 = process.memoryUsage().heapUsed
const t0 = performance.now()
const snap = build()
const buildMs = performance.now() - t0
global.gc?.()
process.stdout.write(`snapshot built in ${Math.round(buildMs)} ms, ${Math.round((process.memoryUsage().heapUsed - heap0) / 1048576)} MB of heap` +
  `${global.gc === undefined ? ' (more without --expose-gc)' : ''} (${snap.routeCount} routes, ${snap.invalid().size} unusable)\n`)
const { ext, num } = params()
process.stdout.write(`e.g. ${num[0]!.exten} → ${encodeHashcompat(routeFromParams(snap, num[0]!, { now: NOW }))}\n`)
const only = process.env.BENCH_ONLY // ext | num
for (const [name, list] of [['user extensions', ext], ['external numbers', num]] as const) {
  if (only !== undefined && !name.startsWith(only === 'ext' ? 'user' : 'external')) continue
  await measure(snap, list, true) // warm-up
  for (const encode of [false, true]) {
    const rounds: Array<{ us: number, gcUs: number, bytes: number }> = []
    for (let i = 0; i < ROUNDS; i++) rounds.push(await measure(snap, list, encode))
    const us = med(rounds.map((x) => x.us))
    const gc = med(rounds.map((x) => x.gcUs))
    process.stdout.write(`${name.padEnd(17)} ${encode ? 'decide+encode' : 'decide       '}: ${us.toFixed(2)} µs CPU/call (GC ${gc.toFixed(2)} µs)${encode ? `, ${rounds[0]!.bytes.toFixed(0)} bytes` : ''}\n`)
  }
}

/** CPU µs per call of `fn(i)` over `n` calls. */
function cpuUs (n: number, fn: (i: number) => unknown): number {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) fn(i)
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}
if (only === undefined) {
  const numbers = num.map((p) => p.exten!)
  const rewritten = numbers.map((n) => n.slice(2))
  cpuUs(100_000, (i) => snap.matchRoutes(numbers[i % numbers.length]!, 'from-internal'))
  const match = cpuUs(CALLS, (i) => snap.matchRoutes(numbers[i % numbers.length]!, 'from-internal'))
  cpuUs(100_000, (i) => snap.lcrOffers(rewritten[i % rewritten.length]!))
  const offers = cpuUs(CALLS, (i) => snap.lcrOffers(rewritten[i % rewritten.length]!))
  const update = cpuUs(20_000, (i) => { const k = (i * 7919) % ROUTES; snap.put('route', `r${k}`, { pattern: `_00${routeCode(k)}X.`, strip: 2, target: { kind: 'lcr' } }) })
  process.stdout.write(`route lookup ${match.toFixed(2)} µs, LCR offers lookup ${offers.toFixed(2)} µs, route update ${update.toFixed(1)} µs (CPU per call)\n`)
}
