/**
 * bench:callstate — live call state through two real Asterisks (docs/benchmarks.md, "Live call state").
 *
 * Two nodes B and C, each beside its own Asterisk with ARI on loopback. DEVICES phones register on
 * B; the bench drives calls to them through B's ARI (originate → the phone answers → hang up) and
 * listens to both Asterisks' own ARI event streams (its own Stasis app):
 *
 *   latency   a device-state change of PJSIP/<device> on B's Asterisk (its DeviceStateChanged)
 *             until C's Asterisk raises the same state for Custom:<device> — the whole path: B's
 *             ARI event → node B → soft state → node C → ARI write → C's Asterisk. Calls are paced
 *             (one cycle every PACE_MS); changes coalesced away (RINGING → INUSE within the
 *             coalescing window) never reach C and are counted, not timed.
 *   load      LOADS concurrent call loops as fast as Asterisk takes them: the device-state changes
 *             per second B's Asterisk produced, the Custom: changes per second C's applied, and the
 *             latency meanwhile (states/s a node sustains here: bounded by what one Asterisk makes).
 *   overshoot provider `pa` with maxChannels LIMIT; CALLS_PER_NODE calls placed at the same
 *             moment on each Asterisk through the generated dialplan (/route decides); the calls
 *             that went out on pa beyond LIMIT, per round; then the same calls placed one every
 *             <gap> ms alternating between the nodes (how long the window of a decision is).
 *   capacity  Custom: writes per second one Asterisk takes over ARI (32 in flight).
 *
 * Environment: DEVICES (default 20), CYCLES (paced calls, 150), PACE_MS (40), LOADS ("4,16"),
 * LOAD_SECONDS (8), LIMIT (2), CALLS_PER_NODE (3), ROUNDS (5).
 */
import { loadavg } from 'node:os'
import WebSocket from 'ws'
import { LocalCluster, freeTcpPort, waitFor, type ClusterNode } from '../test/helpers/cluster.js'
import { AsteriskInstance, TestPhone, freeLoopbackAddress, locateAsterisk } from '../test/asterisk/harness/index.js'
import { fmt, table } from './lib.js'

const env = (k: string, d: number): number => Number(process.env[k] ?? d)
const DEVICES = env('DEVICES', 20)
const CYCLES = env('CYCLES', 150)
const PACE_MS = env('PACE_MS', 40)
const LOADS = (process.env.LOADS ?? '4,16').split(',').map(Number)
const LOAD_SECONDS = env('LOAD_SECONDS', 8)
const LIMIT = env('LIMIT', 2)
const CALLS_PER_NODE = env('CALLS_PER_NODE', 3)
const ROUNDS = env('ROUNDS', 5)
const AUTH = 'Basic ' + Buffer.from('federator:federator').toString('base64')
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]! }

/** A bench-side ARI connection to one Asterisk: its own app, REST, and every device-state change with its arrival time. */
class Watch {
  readonly changes: Array<{ name: string, state: string, at: number }> = []
  private ws!: WebSocket
  onChange: ((name: string, state: string, at: number) => void) | null = null
  constructor (readonly port: number, readonly app: string) {}
  async open (): Promise<this> {
    this.ws = new WebSocket(`ws://127.0.0.1:${this.port}/ari/events?app=${this.app}&subscribeAll=true`, { headers: { authorization: AUTH } })
    this.ws.on('message', (data) => {
      const at = performance.now()
      const ev = JSON.parse(data.toString()) as { type: string, device_state?: { name: string, state: string } }
      if (ev.type !== 'DeviceStateChanged' || ev.device_state === undefined) return
      this.changes.push({ name: ev.device_state.name, state: ev.device_state.state, at })
      this.onChange?.(ev.device_state.name, ev.device_state.state, at)
    })
    await new Promise<void>((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject) })
    return this
  }

  async rest<T = unknown> (method: string, path: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.port}/ari/${path}`, { method, headers: { authorization: AUTH } })
    const text = await res.text()
    if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return (text === '' ? undefined : JSON.parse(text)) as T
  }

  close (): void { this.ws.close() }
}

/** Matches each state change of PJSIP/<d> on B with the first later Custom:<d> change to the same state on C. */
class Matcher {
  readonly latencies: number[] = []
  private readonly open = new Map<string, Array<{ state: string, at: number }>>()
  onB (name: string, state: string, at: number): void {
    const m = /^PJSIP\/(.+)$/.exec(name)
    if (m === null) return
    const list = this.open.get(m[1]!) ?? []
    list.push({ state, at })
    this.open.set(m[1]!, list)
  }

  onC (name: string, state: string, at: number): void {
    const m = /^Custom:(.+)$/.exec(name)
    if (m === null) return
    const list = this.open.get(m[1]!)
    if (list === undefined) return
    // the newest B change with this state answers; older ones (coalesced away) are dropped
    let i = -1
    for (let k = list.length - 1; k >= 0; k--) if (list[k]!.state === state) { i = k; break }
    if (i < 0) return
    this.latencies.push(at - list[i]!.at)
    list.splice(0, i + 1)
  }

  reset (): void { this.latencies.length = 0; this.open.clear() }
}

async function cycle (b: Watch, device: string): Promise<void> {
  const ch = await b.rest<{ id: string }>('POST', `channels?endpoint=PJSIP/${device}&app=bench&timeout=10`)
  await waitFor(`${device} answered`, async () => await b.rest<{ state: string } | undefined>('GET', `channels/${ch.id}`), (c) => c?.state === 'Up', 10_000, 5)
  await b.rest('DELETE', `channels/${ch.id}`)
}

async function main (): Promise<void> {
  const found = locateAsterisk()
  if ('missing' in found) throw new Error(found.missing)
  const addr = { b: await freeLoopbackAddress(), c: await freeLoopbackAddress() }
  const http = { b: await freeTcpPort(), c: await freeTcpPort() }
  const names = ['b', 'c'] as const
  const cluster = await LocalCluster.start({
    nodes: 2,
    logLevel: 'warn',
    spec: (i) => {
      const n = names[i]!
      return { name: n, args: ['--sip-address', `${addr[n]}:5060`, '--ari-url', `http://127.0.0.1:${http[n]}`, '--ari-user', 'federator:federator'], env: { FEDERATOR_ROUTING: JSON.stringify({ contexts: ['from-internal'] }) } }
    }
  })
  const [B, C] = cluster.nodes as [ClusterNode, ClusterNode]
  const asts: AsteriskInstance[] = []
  const phones: TestPhone[] = []
  try {
    const prov = await new TestPhone({ user: 'pa', password: 'x', registrar: '127.0.0.1:9', answer: 'ok' }).start()
    const provB = await new TestPhone({ user: 'pb', password: 'x', registrar: '127.0.0.1:9', answer: 'ok' }).start()
    phones.push(prov, provB)
    const devices = Array.from({ length: DEVICES }, (_, i) => `d${i}`)
    for (const d of devices) await B.put('devices', d, { secret: `pw-${d}` })
    await B.put('trunks', 'tr-a', { host: '127.0.0.1', port: prov.port })
    await B.put('trunks', 'tr-b', { host: '127.0.0.1', port: provB.port })
    await B.put('providers', 'pa', { name: 'A', trunks: ['tr-a'], prefixes: [{ prefix: '44', cost: 1 }], maxChannels: LIMIT })
    await B.put('providers', 'pb', { name: 'B', trunks: ['tr-b'], prefixes: [{ prefix: '44', cost: 2 }] })
    await B.put('routes', 'international', { pattern: '_00X.', strip: 2, target: { kind: 'lcr' } })
    const waitCall = '\n[bench-wait]\nexten => w,1,Wait(30)\n'
    const [astB, astC] = await Promise.all(names.map(async (n) => {
      const a = new AsteriskInstance(found, { name: `bench-${n}`, stack: 'pjsip', nodeUrl: (n === 'b' ? B : C).url, address: addr[n], httpPort: http[n], append: { 'extensions.conf': waitCall } })
      asts.push(a)
      return await a.start()
    })) as [AsteriskInstance, AsteriskInstance]
    for (const d of devices) {
      const p = await new TestPhone({ user: d, password: `pw-${d}`, registrar: astB.sipAddress, answer: 'ok' }).start()
      phones.push(p)
      const r = await p.register(600)
      if (r.status !== 200) throw new Error(`${d}: REGISTER ${r.status}`)
    }
    const wb = await new Watch(http.b, 'bench').open()
    const wc = await new Watch(http.c, 'bench').open()
    const match = new Matcher()
    wb.onChange = (n, s, at) => match.onB(n, s, at)
    wc.onChange = (n, s, at) => match.onC(n, s, at)
    await waitFor('both nodes\' ARI up', async () => await C.json<{ nodes: Array<{ ari: boolean }> }>('/api/v1/cluster/device-states'), (d) => d.nodes.length === 2 && d.nodes.every((n) => n.ari), 30_000)
    await sleep(500)

    // ---- latency, paced ----
    const bCount0 = wb.changes.filter((c) => c.name.startsWith('PJSIP/')).length
    const t0 = performance.now()
    const running: Array<Promise<void>> = []
    for (let i = 0; i < CYCLES; i++) {
      running.push(cycle(wb, devices[i % DEVICES]!).catch((e: unknown) => { console.error(String(e)) }))
      await sleep(PACE_MS)
    }
    await Promise.all(running)
    await sleep(1000)
    const paced = [...match.latencies]
    const bChanges = wb.changes.filter((c) => c.name.startsWith('PJSIP/')).length - bCount0
    const pacedS = (performance.now() - t0) / 1000
    console.log(`\nlatency: PJSIP/<device> state change on B's Asterisk → same state of Custom:<device> on C's Asterisk (${CYCLES} calls paced ${PACE_MS} ms apart, ${DEVICES} devices)`)
    console.log(table(['B changes', 'reached C', 'coalesced away', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'rate /s'], [[
      bChanges, paced.length, bChanges - paced.length, fmt(pct(paced, 50), 1), fmt(pct(paced, 90), 1), fmt(pct(paced, 99), 1), fmt(Math.max(...paced), 1), fmt(bChanges / pacedS, 0)
    ]]))

    // ---- load ----
    const rows: Array<Array<string | number>> = []
    for (const loops of LOADS) {
      match.reset()
      const b0 = wb.changes.filter((c) => c.name.startsWith('PJSIP/')).length
      const c0 = wc.changes.filter((c) => c.name.startsWith('Custom:')).length
      const start = performance.now()
      const end = start + LOAD_SECONDS * 1000
      let errors = 0
      await Promise.all(Array.from({ length: Math.min(loops, DEVICES) }, async (_, k) => {
        for (let i = k; performance.now() < end; i += loops) {
          await cycle(wb, devices[i % DEVICES]!).catch(() => { errors++ })
        }
      }))
      const s = (performance.now() - start) / 1000
      await sleep(1000)
      const bN = wb.changes.filter((c) => c.name.startsWith('PJSIP/')).length - b0
      const cN = wc.changes.filter((c) => c.name.startsWith('Custom:')).length - c0
      const l = match.latencies
      rows.push([loops, fmt(bN / s, 0), fmt(cN / s, 0), fmt(pct(l, 50), 1), fmt(pct(l, 99), 1), errors, loadavg()[0]!.toFixed(1)])
    }
    console.log(`\nload: concurrent call loops on B for ${LOAD_SECONDS} s each`)
    console.log(table(['loops', 'B changes/s', 'C Custom: changes/s', 'p50 ms', 'p99 ms', 'call errors', 'load1'], rows))

    // ---- capacity: Custom: writes C's Asterisk takes over ARI (what C spends per state from elsewhere) ----
    {
      const until = performance.now() + 3000
      let n = 0
      await Promise.all(Array.from({ length: 32 }, async (_, k) => {
        for (let i = k; performance.now() < until; i += 32) {
          await wc.rest('POST', `asterisk/variable?variable=${encodeURIComponent(`DEVICE_STATE(Custom:cap${i % 500})`)}&value=${i % 2 === 0 ? 'INUSE' : 'NOT_INUSE'}`)
          n++
        }
      }))
      console.log(`\ncapacity: Custom: writes over ARI into one Asterisk, 32 in flight: ${fmt(n / 3, 0)} /s (load1 ${loadavg()[0]!.toFixed(1)})`)
    }

    // ---- overshoot ----
    const hangupAll = async (): Promise<void> => {
      await Promise.all([wb, wc].map(async (w) => { for (const ch of await w.rest<Array<{ id: string }>>('GET', 'channels')) await w.rest('DELETE', `channels/${ch.id}`) }))
      await waitFor('no channels on tr-a', async () => await C.json<{ items: unknown[] }>('/api/v1/cluster/channels'), (x) => x.items.length === 0, 10_000)
      await sleep(300)
    }
    const onPa = async (): Promise<number> => {
      let n = 0
      for (const w of [wb, wc]) n += (await w.rest<Array<{ name: string }>>('GET', 'channels')).filter((c) => c.name.startsWith('PJSIP/tr-a-')).length
      return n
    }
    const staggered: Array<Array<string | number>> = []
    for (const gap of [0, 25, 50, 100, 200]) {
      const got: number[] = []
      for (let r = 0; r < 2; r++) {
        await hangupAll()
        for (let i = 0; i < 2 * CALLS_PER_NODE; i++) {
          const w = i % 2 === 0 ? wb : wc
          void w.rest('POST', `channels?endpoint=${encodeURIComponent(`Local/0045${gap}${r}${i}@from-internal`.replace('0045', '0044'))}&extension=w&context=bench-wait&priority=1`)
          if (gap > 0) await sleep(gap)
        }
        await sleep(1500)
        got.push(await onPa() - LIMIT)
      }
      staggered.push([gap, ...got])
    }
    console.log(`\novershoot vs spacing: ${2 * CALLS_PER_NODE} calls alternating B, C, one every <gap> ms; pa maxChannels ${LIMIT}; calls on pa beyond the limit (2 rounds)`)
    console.log(table(['gap ms', 'round 1', 'round 2'], staggered))

    const over: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      await hangupAll()
      const place = async (w: Watch, i: number): Promise<void> => {
        await w.rest('POST', `channels?endpoint=${encodeURIComponent(`Local/0044${r}${i}@from-internal`)}&extension=w&context=bench-wait&priority=1`)
      }
      await Promise.all([wb, wc].flatMap((w) => Array.from({ length: CALLS_PER_NODE }, async (_, i) => { await place(w, i) })))
      await sleep(1500)
      over.push(await onPa() - LIMIT)
    }
    console.log(`\novershoot: ${CALLS_PER_NODE} calls placed at once on each of the two Asterisks, provider pa maxChannels ${LIMIT}; calls on pa beyond the limit, per round`)
    console.log(table(['round', ...over.map((_, i) => String(i + 1)), 'max'], [['over', ...over, Math.max(...over)]]))
    console.log(`\nload average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
    wb.close()
    wc.close()
  } finally {
    for (const p of phones) p.close()
    await Promise.all(asts.map(async (a) => { await a.stop().catch(() => {}) }))
    await cluster.close()
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
