/**
 * npm run bench:dns — the cluster DNS server: queries answered per second next to a bare dns-packet
 * responder in the same run, and the time from a node's death to its removal from the answers.
 *
 * 1. Throughput. A 3-node cluster of real node processes on loopback (each with --dns and a SIP
 *    address; the per-source rate limit raised out of the way: the load comes from one address). The
 *    load generator is a separate process (one UDP socket, BENCH_INFLIGHT queries in flight, lost ones
 *    resent after 200 ms) asking `SRV _sip._udp.<zone>` of n0. Two bare responders, each a process
 *    that decodes each query with dns-packet and answers a fixed answer of the same content (3 SRV +
 *    3 A): one encodes it for every query, the other copies an answer encoded once (with the query's
 *    id) — the node caches its encoded answers, so the second is the fair floor. n0 and the bare
 *    responders are pinned to core 0, the load to core 1 (taskset, when available). Each round runs
 *    both bare responders, then the node; medians over rounds, the ratio of answered queries/s
 *    and of server CPU per query (from /proc: less sensitive to other tenants, and to the load generator
 *    being the bottleneck). Target: ratio ≥ 0.7.
 * 2. Death to removal. With the product's failure-detection defaults (heartbeat 2 s, suspect after 2
 *    missed), n2 is SIGKILLed at a random phase of its heartbeat; n0 is queried every 20 ms until n2 is
 *    no longer a target; n2 is started again and the time from the spawn until it is a target again is
 *    measured too. BENCH_KILLS times; medians.
 *
 * Tunables: BENCH_SECONDS (per run, default 10), BENCH_WARMUP (s, 2), BENCH_ROUNDS (3),
 * BENCH_INFLIGHT (64), BENCH_KILLS (3).
 * Run: npm run bench:dns   (roles inside: `bench/dns.ts bare` and `bench/dns.ts load <port> <seconds> <warmup> <inflight>`)
 */
import { spawn, spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import { fileURLToPath } from 'node:url'
import dnsPacket, { type Answer } from 'dns-packet'
import { cpuMs, fmt, median, startBenchServer, table } from './lib.js'
import { freeUdpPort, LocalCluster, waitFor, type ClusterNode } from '../test/helpers/cluster.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 64)
const KILLS = Number(process.env.BENCH_KILLS ?? 3)
const SELF = fileURLToPath(import.meta.url)
const ZONE = 'pbx.bench'
const SRV_NAME = `_sip._udp.${ZONE}`
const DETECTION = { heartbeatMs: 2000, suspectAfterMissed: 2, deadAfterMissed: 5 } // the product defaults (net tunables)
const hasTaskset = spawnSync('taskset', ['-V']).status === 0
const pin = (core: number): string[] => hasTaskset ? ['taskset', '-c', String(core)] : []

// ---- role: bare responder ---------------------------------------------------------------------

/** `encode`: decode each query, encode the fixed answer for it; `pre`: decode, copy an answer encoded once with the query's id. */
function serveBare (mode: 'encode' | 'pre'): void {
  const answers: Answer[] = [0, 1, 2].map((i) => ({ name: SRV_NAME, type: 'SRV', ttl: 10, class: 'IN', data: { priority: 10, weight: 10 * (i + 1), port: 5060, target: `n${i}.${ZONE}` } }))
  const additionals: Answer[] = [0, 1, 2].map((i) => ({ name: `n${i}.${ZONE}`, type: 'A', ttl: 10, class: 'IN', data: `127.0.0.${i + 1}` }))
  const sock = dgram.createSocket('udp4')
  const encoded = dnsPacket.encode({ id: 0, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: [{ name: SRV_NAME, type: 'SRV', class: 'IN' }], answers, additionals })
  sock.on('message', (msg, rinfo) => {
    let q
    try { q = dnsPacket.decode(msg) } catch { return }
    if (mode === 'pre') {
      const out = Buffer.from(encoded)
      out.writeUInt16BE(q.id ?? 0, 0)
      sock.send(out, rinfo.port, rinfo.address)
      return
    }
    sock.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions, answers, additionals }), rinfo.port, rinfo.address)
  })
  sock.bind(0, '127.0.0.1', () => { process.stdout.write(`READY udp://127.0.0.1:${sock.address().port} {}\n`) })
}

// ---- role: load generator ---------------------------------------------------------------------

function load (port: number, seconds: number, warmup: number, inflight: number): void {
  const query = dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: SRV_NAME, type: 'SRV', class: 'IN' }] })
  const sock = dgram.createSocket('udp4')
  const sentAt = new Map<number, number>()
  let nextId = 0
  let answered = 0
  let lost = 0
  let bad = 0
  let counting = false
  const send = (): void => {
    nextId = (nextId + 1) & 0xffff
    while (sentAt.has(nextId)) nextId = (nextId + 1) & 0xffff
    query.writeUInt16BE(nextId, 0)
    sentAt.set(nextId, Date.now())
    sock.send(query, port, '127.0.0.1')
  }
  sock.on('message', (msg) => {
    const id = msg.readUInt16BE(0)
    if (!sentAt.delete(id)) return
    if (counting) {
      answered++
      // rcode NOERROR and 3 answers: a real answer, checked without decoding it all
      if ((msg[3]! & 0x0f) !== 0 || msg.readUInt16BE(6) !== 3) bad++
    }
    send()
  })
  sock.bind(0, '127.0.0.1', () => {
    for (let i = 0; i < inflight; i++) send()
    const sweeper = setInterval(() => {
      const old = Date.now() - 200
      for (const [id, at] of sentAt) if (at < old) { sentAt.delete(id); if (counting) lost++; send() }
    }, 50)
    setTimeout(() => {
      counting = true
      const t0 = performance.now()
      setTimeout(() => {
        const s = (performance.now() - t0) / 1000
        clearInterval(sweeper)
        process.stdout.write(JSON.stringify({ answered, qps: answered / s, lost, bad }) + '\n')
        sock.close()
      }, seconds * 1000)
    }, warmup * 1000)
  })
}

async function runLoad (port: number, serverPid: number): Promise<{ qps: number, lost: number, bad: number, cpuUsPerQuery: number }> {
  const cmd = [...pin(1), process.execPath, '--import=tsx', '--conditions=fed-source', SELF, 'load', String(port), String(SECONDS), String(WARMUP), String(INFLIGHT)]
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  // the server's CPU over the measured part only (after the warm-up)
  await new Promise((resolve) => setTimeout(resolve, WARMUP * 1000 + 300))
  const cpu0 = cpuMs(serverPid)
  await new Promise<void>((resolve, reject) => proc.on('exit', (code) => code === 0 ? resolve() : reject(new Error(`load exited with ${code}`))))
  const cpu = cpuMs(serverPid) - cpu0
  const r = JSON.parse(out) as { answered: number, qps: number, lost: number, bad: number }
  return { qps: r.qps, lost: r.lost, bad: r.bad, cpuUsPerQuery: cpu * 1000 / Math.max(1, r.answered) }
}

// ---- death to removal -------------------------------------------------------------------------

/** The SRV targets n0 answers now (node names). */
async function targets (port: number): Promise<string[]> {
  const sock = dgram.createSocket('udp4')
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      sock.once('message', resolve)
      setTimeout(() => reject(new Error('no DNS answer')), 1000)
    })
    sock.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: SRV_NAME, type: 'SRV', class: 'IN' }] }), port, '127.0.0.1')
    const res = dnsPacket.decode(await reply)
    return (res.answers ?? []).map((a) => ((a as { data: { target: string } }).data.target.split('.')[0]!)).sort()
  } finally { sock.close() }
}

async function main (): Promise<void> {
  const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()]
  const dnsEnv = (i: number): NodeJS.ProcessEnv => ({ FEDERATOR_DNS: JSON.stringify({ weight: 10 * (i + 1), rateLimit: { ratePerSecond: 10_000_000, burst: 10_000_000 } }) })
  const cluster = await LocalCluster.start({
    nodes: 3,
    net: DETECTION,
    spec: (i) => ({
      args: ['--sip-address', `127.0.0.${i + 1}:5060`, '--dns', `127.0.0.1:${ports[i]!}`, '--dns-zone', ZONE],
      env: dnsEnv(i),
      ...(i === 0 ? { prefix: pin(0) } : {})
    })
  })
  process.on('exit', () => { for (const n of cluster.nodes) n.proc?.kill('SIGKILL') })
  try {
    const [n0, , n2] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
    const p0 = ports[0]!
    await waitFor('n0 lists the 3 nodes', async () => await targets(p0), (l) => l.length === 3, 60_000)
    const startBare = async (mode: string): Promise<{ pid: number, port: number, kill: () => void }> => {
      const b = await startBenchServer(pin(0)[0] ?? process.execPath, [...pin(0).slice(1), ...(hasTaskset ? [process.execPath] : []), '--import=tsx', '--conditions=fed-source', SELF, 'bare', mode], 'bare')
      return { pid: b.proc.pid!, port: Number(/:(\d+)$/.exec(b.url)![1]), kill: () => b.proc.kill('SIGKILL') }
    }
    const bare = await startBare('encode')
    const pre = await startBare('pre')
    process.stdout.write(`DNS benchmark: ${ROUNDS} rounds of ${WARMUP} s warm-up + ${SECONDS} s, ${INFLIGHT} queries in flight, SRV ${SRV_NAME} (3 targets + 3 A)${hasTaskset ? ', servers on core 0, load on core 1' : ''}\n`)
    type Run = Awaited<ReturnType<typeof runLoad>>
    const rows: Array<{ bare: Run, pre: Run, node: Run }> = []
    for (let r = 0; r < ROUNDS; r++) {
      const b = await runLoad(bare.port, bare.pid)
      const p = await runLoad(pre.port, pre.pid)
      const n = await runLoad(p0, n0.pid!)
      rows.push({ bare: b, pre: p, node: n })
      const say = (x: Run): string => `${fmt(x.qps)} q/s (${fmt(x.cpuUsPerQuery, 1)} µs/q, lost ${x.lost}, bad ${x.bad})`
      process.stdout.write(`round ${r + 1}: bare encode ${say(b)}, bare pre-encoded ${say(p)}, node ${say(n)}\n`)
    }
    bare.kill()
    pre.kill()
    const m = (f: (x: typeof rows[number]) => number): number => median(rows.map(f))
    process.stdout.write('\n' + table(['server (medians)', 'answered q/s', 'node / this (q/s)', 'server CPU µs/query', 'this / node (CPU per query)'], [
      ['bare dns-packet responder: decode, encode the fixed answer', fmt(m((x) => x.bare.qps)), fmt(m((x) => x.node.qps / x.bare.qps), 2), fmt(m((x) => x.bare.cpuUsPerQuery), 1), fmt(m((x) => x.bare.cpuUsPerQuery / x.node.cpuUsPerQuery), 2)],
      ['bare dns-packet responder: decode, copy the answer encoded once', fmt(m((x) => x.pre.qps)), fmt(m((x) => x.node.qps / x.pre.qps), 2), fmt(m((x) => x.pre.cpuUsPerQuery), 1), fmt(m((x) => x.pre.cpuUsPerQuery / x.node.cpuUsPerQuery), 2)],
      ['federator node (n0 of 3)', fmt(m((x) => x.node.qps)), '', fmt(m((x) => x.node.cpuUsPerQuery), 1), '']
    ]) + '\n\n')

    // death to removal, back to listed again
    const removal: number[] = []
    const back: number[] = []
    for (let k = 0; k < KILLS; k++) {
      await waitFor('n2 listed', async () => await targets(p0), (l) => l.includes('n2'), 60_000)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * DETECTION.heartbeatMs)) // any phase of the heartbeat
      const killedAt = performance.now()
      await n2.kill('SIGKILL')
      await waitFor('n2 removed', async () => await targets(p0), (l) => !l.includes('n2'), 60_000, 20)
      removal.push(performance.now() - killedAt)
      const startedAt = performance.now()
      await n2.start()
      await waitFor('n2 listed again', async () => await targets(p0), (l) => l.includes('n2'), 60_000, 20)
      back.push(performance.now() - startedAt)
      process.stdout.write(`kill ${k + 1}: removed after ${fmt(removal.at(-1)!)} ms; listed again ${fmt(back.at(-1)!)} ms after it was started again\n`)
    }
    const h = DETECTION.heartbeatMs
    process.stdout.write('\n' + table(['failure detection', 'death → removed from answers (median, min–max)', 'restarted (process spawned) → listed again (median)'], [
      [`heartbeat ${h} ms, suspect after ${DETECTION.suspectAfterMissed} missed (${h * DETECTION.suspectAfterMissed} ms), dead after ${DETECTION.deadAfterMissed}`, `${fmt(median(removal))} ms (${fmt(Math.min(...removal))}–${fmt(Math.max(...removal))})`, `${fmt(median(back))} ms`]
    ]) + '\n')
  } finally {
    await cluster.close()
  }
}

const [role, ...rest] = process.argv.slice(2)
if (role === 'bare') serveBare(rest[0] === 'pre' ? 'pre' : 'encode')
else if (role === 'load') load(Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]))
else main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
