/**
 * `npm run bench:asterisk`: REGISTERs per second and Asterisk's CPU per registration with a real
 * Asterisk, for the four places its PJSIP objects can come from — a static pjsip.conf (the limit:
 * generated from the node's own realtime rows), realtime (examples/asterisk/pjsip), realtime with a
 * sorcery memory cache on endpoint/auth/aor, and push mode (examples/asterisk/pjsip-push) — with the
 * same devices and the same client (test/asterisk/harness/register-storm.ts: one UDP socket, a
 * contact per device), one Asterisk at a time, the configurations alternating, each measured twice:
 * `first` (no contact yet) and `again` (every device registers once more: the steady state).
 * A registration is REGISTER → 401 → REGISTER with credentials → 200.
 * CPU comes from /proc/<pid>/stat (utime + stime) of the Asterisk process and of each node.
 * Then, in push mode: a change made on the node (a new password) until Asterisk holds it (p50/p99
 * over `--changes`), and the first full push's duration.
 *
 *   npm run bench:asterisk -- [--devices 1000] [--rounds 1] [--in-flight 20] [--changes 100] [--modes static,realtime,cache,push]
 */
import { parseArgs } from 'node:util'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir, loadavg } from 'node:os'
import { parsePairs } from '@federator/core'
import { AsteriskInstance, CACHED_SORCERY, EXAMPLES, freeLoopbackAddress, locateAsterisk, asteriskVersion } from '../test/asterisk/harness/index.js'
import { RegisterStorm } from '../test/asterisk/harness/register-storm.js'
import { LocalCluster, freeTcpPort, type ClusterNode } from '../test/helpers/cluster.js'

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '1' },
    'in-flight': { type: 'string', default: '20' },
    changes: { type: 'string', default: '100' },
    modes: { type: 'string', default: 'static,realtime,cache,push' }
  }
})
const N = Number(values.devices)
const ROUNDS = Number(values.rounds)
const IN_FLIGHT = Number(values['in-flight'])
const CHANGES = Number(values.changes)
const MODES = values.modes!.split(',') as Mode[]
type Mode = 'static' | 'realtime' | 'cache' | 'push'

const install = locateAsterisk()
if ('missing' in install) { process.stderr.write(install.missing + '\n'); process.exit(1) }
const TICK_MS = 1000 / 100 // Linux USER_HZ

function cpuMs (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_MS
}

const devices = Array.from({ length: N }, (_, i) => ({ id: `bench-${String(i).padStart(6, '0')}`, password: `pw-${i}` }))
const ndjson = devices.map((d) => JSON.stringify({ type: 'device', id: d.id, secret: d.password })).join('\n') + '\n'


/** pjsip.conf sections of every pushed row, from the node's realtime answers (the same objects). */
async function staticPjsip (node: ClusterNode): Promise<string> {
  let out = ''
  for (const [family, type] of [['ps_auths', 'auth'], ['ps_aors', 'aor'], ['ps_endpoints', 'endpoint']] as const) {
    const text = await (await fetch(`${node.url}/realtime/${family}/multi`, { method: 'POST', body: 'id%20LIKE=%25' })).text()
    for (const line of text.split('\n')) {
      if (line === '') continue
      const pairs = parsePairs(line)
      const id = pairs.find((p) => p.name === 'id')!.value
      out += `[${id}]\ntype = ${type}\n` + pairs.filter((p) => p.name !== 'id').map((p) => `${p.name} = ${p.value}\n`).join('') + '\n'
    }
  }
  return out
}

async function metric (node: ClusterNode, name: string): Promise<number> {
  const text = await (await node.api('/metrics')).text()
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)
  return m === null ? NaN : Number(m[1])
}

/** Sum of a metric's samples (every label). */
async function metricSum (node: ClusterNode, name: string): Promise<number> {
  const text = await (await node.api('/metrics')).text()
  let sum = 0
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1])
  return sum
}

async function until (what: string, check: () => Promise<boolean>, ms = 600_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Row { mode: Mode, round: number, phase: 'first' | 'again', ok: number, perSec: number, astCpuMs: number, nodeCpuMs: number, retransmits: number, lookups: number }

const dir = mkdtempSync(join(tmpdir(), 'bench-ast-'))
const httpPort = await freeTcpPort()
const amiPort = await freeTcpPort()
const pushAddress = await freeLoopbackAddress()
const pushConfig = JSON.parse(readFileSync(join(EXAMPLES, 'pjsip-push', 'federator.json'), 'utf8').replaceAll('0.0.0.0:5060', `${pushAddress}:5060`).replaceAll('CHANGE-ME', 'federator')
  .replace('http://127.0.0.1:8088', `http://127.0.0.1:${httpPort}`)) as { asterisk: Record<string, unknown>, ami: Record<string, unknown> }
pushConfig.ami.port = amiPort
pushConfig.asterisk.push = { driftCheckMs: 600_000 }
writeFileSync(join(dir, 'push.json'), JSON.stringify(pushConfig))

// two nodes: one serving realtime (static, realtime, cache), one in push mode
const cluster = await LocalCluster.start({
  nodes: 2,
  bootstrap: false,
  spec: (i) => ({ name: i === 0 ? 'rt' : 'push', join: null, args: i === 0 ? [] : ['--config', join(dir, 'push.json')] })
})
const [rt, push] = cluster.nodes as [ClusterNode, ClusterNode]
const rows: Row[] = []
let fullPushSeconds = NaN
const changeMs: number[] = []
try {
  for (const node of [rt, push]) {
    const res = await node.api('/api/v1/import', { method: 'POST', body: ndjson, headers: { 'content-type': 'application/x-ndjson' } })
    if (!res.ok) throw new Error(`import: ${res.status} ${await res.text()}`)
  }
  const staticAddress = await freeLoopbackAddress()
  const staticConf = readFileSync(join(EXAMPLES, 'pjsip', 'pjsip.conf'), 'utf8').replace('0.0.0.0:5060', `${staticAddress}:5060`) + '\n' + await staticPjsip(rt)
  process.stdout.write(`${asteriskVersion(install)}, ${N} devices, ${IN_FLIGHT} registrations in flight, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)

  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) {
      const node = mode === 'push' ? push : rt
      const ast = new AsteriskInstance(install, mode === 'push'
        ? { stack: 'pjsip', nodeUrl: push.url, httpPort, amiPort, address: pushAddress, examples: ['pjsip-push'] }
        : mode === 'static'
          ? { stack: 'pjsip', nodeUrl: rt.url, address: staticAddress, files: { 'pjsip.conf': staticConf, 'sorcery.conf': '[res_pjsip]\n', 'extconfig.conf': '[settings]\n' } }
          : { stack: 'pjsip', nodeUrl: rt.url, ...(mode === 'cache' ? { files: { 'sorcery.conf': CACHED_SORCERY } } : {}) })
      try {
        const pushesBefore = mode === 'push' ? await metric(push, 'federator_push_full_pushes_total') : 0
        await ast.start()
        if (mode === 'push') {
          await until('the full push', async () => await metric(push, 'federator_push_full_pushes_total') > pushesBefore)
          if (Number.isNaN(fullPushSeconds)) fullPushSeconds = await metric(push, 'federator_push_last_full_push_seconds')
        }
        const storm = await new RegisterStorm({ registrar: ast.sipAddress, devices, inFlight: IN_FLIGHT, expires: 3600 }).start()
        try {
          for (const phase of ['first', 'again'] as const) {
            const a0 = cpuMs(ast.pid!)
            const n0 = cpuMs(node.pid!)
            const l0 = await metricSum(node, 'federator_realtime_requests_total')
            const e0 = await metricSum(node, 'federator_ari_events_total')
            const r = await storm.run()
            const astCpu = cpuMs(ast.pid!) - a0
            const nodeCpu = cpuMs(node.pid!) - n0
            const lookups = (await metricSum(node, 'federator_realtime_requests_total') - l0) / Math.max(1, r.ok)
            const events = (await metricSum(node, 'federator_ari_events_total') - e0) / Math.max(1, r.ok)
            const row: Row = { mode, round, phase, ok: r.ok, perSec: Math.round(r.ok / r.ms * 1000), astCpuMs: astCpu / Math.max(1, r.ok), nodeCpuMs: nodeCpu / Math.max(1, r.ok), retransmits: r.retransmits, lookups }
            rows.push(row)
            process.stdout.write(`${mode.padEnd(8)} round ${round} ${phase.padEnd(5)}: ${r.ok}/${N} ok, ${row.perSec}/s, Asterisk ${row.astCpuMs.toFixed(2)} ms CPU per registration, node ${row.nodeCpuMs.toFixed(2)} ms, ${lookups.toFixed(1)} realtime requests per registration, ${events.toFixed(1)} ARI events per registration, ${r.retransmits} retransmissions\n`)
          }
        } finally { storm.close() }
        if (mode === 'push' && round === 1 && CHANGES > 0) {
          // a change made on the node (a device of its own, outside the storm), until Asterisk holds it
          const auth = 'Basic ' + Buffer.from('federator:federator').toString('base64')
          for (let i = 0; i < CHANGES; i++) {
            const pw = `changed-${i}`
            const t0 = performance.now()
            const res = await push.api('/api/v1/devices/bench-change', { method: 'PUT', body: JSON.stringify({ secret: pw }) })
            if (!res.ok) throw new Error(`PUT: ${res.status}`)
            for (;;) {
              const got = await (await fetch(`http://127.0.0.1:${httpPort}/ari/asterisk/config/dynamic/res_pjsip/auth/bench-change`, { headers: { authorization: auth } })).json() as Array<{ attribute: string, value: string }>
              if (Array.isArray(got) && got.find((f) => f.attribute === 'password')?.value === pw) break
              await new Promise((resolve) => setTimeout(resolve, 1))
            }
            changeMs.push(performance.now() - t0)
          }
        }
      } finally {
        await ast.stop()
        if (process.env.KEEP === undefined) rmSync(ast.dir, { recursive: true, force: true })
      }
    }
  }
} finally {
  await cluster.close()
  rmSync(dir, { recursive: true, force: true })
}

const q = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
process.stdout.write(`\n| objects from | REGISTERs/s (first) | REGISTERs/s (again) | × static (again) | Asterisk CPU per registration (again) | node CPU per registration (again) | realtime requests per registration (again) |\n| --- | --- | --- | --- | --- | --- | --- |\n`)
const staticAgain = avg(rows.filter((r) => r.mode === 'static' && r.phase === 'again').map((r) => r.perSec))
for (const mode of MODES) {
  const first = rows.filter((r) => r.mode === mode && r.phase === 'first')
  const again = rows.filter((r) => r.mode === mode && r.phase === 'again')
  const range = (xs: number[], d = 0): string => { const lo = Math.min(...xs); const hi = Math.max(...xs); return lo === hi ? lo.toFixed(d) : `${lo.toFixed(d)}–${hi.toFixed(d)}` }
  process.stdout.write(`| ${mode} | ${range(first.map((r) => r.perSec))} | ${range(again.map((r) => r.perSec))} | ${staticAgain > 0 ? (avg(again.map((r) => r.perSec)) / staticAgain).toFixed(2) : '—'} | ${range(again.map((r) => r.astCpuMs), 2)} ms | ${range(again.map((r) => r.nodeCpuMs), 2)} ms | ${range(again.map((r) => r.lookups), 1)} |\n`)
}
if (!Number.isNaN(fullPushSeconds)) process.stdout.write(`\npush: first full push of ${N} devices into a fresh Asterisk: ${fullPushSeconds.toFixed(2)} s\n`)
if (changeMs.length > 0) process.stdout.write(`push: a change on the node until Asterisk holds it (${changeMs.length} password changes): p50 ${q(changeMs, 0.5).toFixed(1)} ms, p99 ${q(changeMs, 0.99).toFixed(1)} ms, max ${Math.max(...changeMs).toFixed(1)} ms\n`)
process.stdout.write(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
