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
 * Then call set-up (`--calls`, default 200; 0: none), per configuration with every device registered:
 * a device calls another one's user extension through the dialplan of that configuration — realtime
 * and push: the examples' generated context (`switch => Realtime/from-internal@extensions`, the node's
 * `/route` decides); static: a static dialplan (`Dial(PJSIP/<device>)`: everything in Asterisk's
 * memory) — INVITE → 401 → INVITE with credentials → 200 → ACK → BYE → 200, `--calls-in-flight` (10)
 * at once, the callee answering at once (the same storm client: every contact is its socket).
 * Then, in push mode: a change made on the node (a new password) until Asterisk holds it (p50/p99
 * over `--changes`), and the first full push's duration.
 *
 *   npm run bench:asterisk -- [--devices 1000] [--rounds 1] [--in-flight 20] [--calls 200] [--calls-in-flight 10]
 *                             [--changes 100] [--modes static,realtime,cache,push] [--push-concurrency 8]
 *
 * `--full-push` measures the first full push alone instead (bench/asterisk-full-push.ts);
 * `--push-order interleaved|aors-first` what the order of creation costs Asterisk (bench/asterisk-push-order.ts).
 */
import { parseArgs } from 'node:util'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { parsePairs } from '@federator/core'
import { AsteriskInstance, CACHED_SORCERY, EXAMPLES, freeLoopbackAddress, asteriskVersion } from '../test/asterisk/harness/index.js'
import { RegisterStorm } from '../test/asterisk/harness/register-storm.js'
import { LocalCluster, freeTcpPort, type ClusterNode } from '../test/helpers/cluster.js'
import { asteriskInstall, avg, benchDevices, cpuMs, growth, importLines, load, metric, metricSamples, metricSum, q, until, writePushConfig } from './asterisk-common.js'

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '1' },
    'in-flight': { type: 'string', default: '20' },
    calls: { type: 'string', default: '200' },
    'calls-in-flight': { type: 'string', default: '10' },
    changes: { type: 'string', default: '100' },
    modes: { type: 'string', default: 'static,realtime,cache,push' },
    dialplans: { type: 'string', default: 'generated,curl' },
    'push-concurrency': { type: 'string', default: '8' },
    'full-push': { type: 'boolean', default: false },
    'push-order': { type: 'string' },
    probe: { type: 'string', default: '500' }
  }
})
if (values['full-push']) {
  const { fullPushBench } = await import('./asterisk-full-push.js')
  await fullPushBench({ devices: Number(values.devices), concurrency: values['push-concurrency']!.split(',').map(Number), probeMs: Number(values.probe) })
  process.exit(0)
}
if (values['push-order'] !== undefined) {
  const { pushOrderBench } = await import('./asterisk-push-order.js')
  await pushOrderBench({ devices: Number(values.devices), order: values['push-order'] === 'aors-first' ? 'aors-first' : 'interleaved' })
  process.exit(0)
}
const N = Number(values.devices)
const ROUNDS = Number(values.rounds)
const IN_FLIGHT = Number(values['in-flight'])
const CALLS = Number(values.calls)
const CALLS_IN_FLIGHT = Number(values['calls-in-flight'])
const CHANGES = Number(values.changes)
const PUSH_CONCURRENCY = Number(values['push-concurrency'])
const MODES = values.modes!.split(',') as Mode[]
type Mode = 'static' | 'realtime' | 'cache' | 'push'
type Dialplan = 'static' | 'generated' | 'curl'
const DIALPLANS = values.dialplans!.split(',') as Dialplan[]

const install = asteriskInstall()
const devices = benchDevices(N)
/** callees: the first devices, each the one device of a user with extension 7<6 digits of the device> */
const CALLEES = CALLS > 0 ? Math.min(50, Math.floor(N / 2)) : 0
const extOf = (i: number): string => '7' + String(i).padStart(6, '0')
const lines = [
  ...Array.from({ length: CALLEES }, (_, i) => JSON.stringify({ type: 'user', id: `bench-user-${i}`, name: `Bench ${i}`, extensions: [extOf(i)] })),
  ...devices.map((d, i) => JSON.stringify({ type: 'device', id: d.id, secret: d.password, ...(i < CALLEES ? { user: `bench-user-${i}` } : {}) }))
]
/**
 * call j: the j-th last device calls callee j (round robin over CALLEES pairs). Dialled as 7<…>: the
 * generated context (the node's `extensions` rows through pbx_realtime's switch) or, in the static
 * configuration, its static dialplan; as 8<…>: the CURL() subroutine of the examples (`fed-route`,
 * one `/route` request), reached from a static pattern in the same context (appended below).
 */
const callList = (prefix: '7' | '8'): Array<{ from: typeof devices[number], exten: string }> =>
  Array.from({ length: CALLS }, (_, j) => ({ from: devices[N - 1 - (j % CALLEES)]!, exten: prefix + extOf(j % CALLEES).slice(1) }))
/** the static configuration's dialplan: the limit, nothing asked of the node */
const STATIC_DIALPLAN = '[from-internal]\nexten => _7XXXXXX,1,Dial(PJSIP/bench-${EXTEN:1},30)\n same => n,Hangup()\n'
/** the CURL() form beside the generated context: 8<…> routes 7<…> through examples' fed-route subroutine */
const CURL_DIALPLAN = '[from-internal]\nexten => _8XXXXXX,1,Gosub(fed-route,s,1(7${EXTEN:1},${CONTEXT}))\n'

/** pjsip.conf sections of every pushed row, from the node's realtime answers (the same objects). */
async function staticPjsip (node: ClusterNode): Promise<string> {
  const out: string[] = []
  for (const [family, type] of [['ps_auths', 'auth'], ['ps_aors', 'aor'], ['ps_endpoints', 'endpoint']] as const) {
    const text = await (await fetch(`${node.url}/realtime/${family}/multi`, { method: 'POST', body: 'id%20LIKE=%25' })).text()
    for (const line of text.split('\n')) {
      if (line === '') continue
      const pairs = parsePairs(line)
      const id = pairs.find((p) => p.name === 'id')!.value
      out.push(`[${id}]\ntype = ${type}\n` + pairs.filter((p) => p.name !== 'id').map((p) => `${p.name} = ${p.value}\n`).join(''))
    }
  }
  return out.join('\n')
}

let lastRoute = ''
/** Every callee extension answered OK by the node's /route (its registration reached the soft state). */
async function calleesRoutable (node: ClusterNode): Promise<boolean> {
  for (let i = 0; i < CALLEES; i++) {
    lastRoute = `${extOf(i)}: ` + await (await fetch(`${node.url}/route?exten=${extOf(i)}&context=from-internal`)).text()
    if (!lastRoute.startsWith(`${extOf(i)}: status=OK`)) return false
  }
  return true
}

interface Row { mode: Mode, round: number, phase: 'first' | 'again', ok: number, perSec: number, astCpuMs: number, nodeCpuMs: number, retransmits: number, lookups: number }
interface CallRow { mode: Mode, dialplan: Dialplan, round: number, ok: number, perSec: number, astCpuMs: number, nodeCpuMs: number, lookups: number, p50: number, p99: number }

const dir = mkdtempSync(join(tmpdir(), 'bench-ast-'))
const httpPort = await freeTcpPort()
const amiPort = await freeTcpPort()
const pushAddress = await freeLoopbackAddress()
writePushConfig(join(dir, 'push.json'), { address: pushAddress, httpPort, amiPort, push: { driftCheckMs: 600_000, concurrency: PUSH_CONCURRENCY } })

// two nodes: one serving realtime (static, realtime, cache), one in push mode; both route from-internal
const routing = { FEDERATOR_ROUTING: JSON.stringify({ contexts: ['from-internal'] }) }
const cluster = await LocalCluster.start({
  nodes: 2,
  bootstrap: false,
  spec: (i) => ({ name: i === 0 ? 'rt' : 'push', join: null, env: routing, args: i === 0 ? [] : ['--config', join(dir, 'push.json')] })
})
const [rt, push] = cluster.nodes as [ClusterNode, ClusterNode]
const rows: Row[] = []
const callRows: CallRow[] = []
let fullPushSeconds = NaN
const changeMs: number[] = []
try {
  for (const node of [rt, push]) await importLines(node, lines)
  const staticAddress = await freeLoopbackAddress()
  const staticConf = readFileSync(join(EXAMPLES, 'pjsip', 'pjsip.conf'), 'utf8').replace('0.0.0.0:5060', `${staticAddress}:5060`) + '\n' + await staticPjsip(rt)
  process.stdout.write(`${asteriskVersion(install)}, ${N} devices, ${IN_FLIGHT} registrations in flight, ${CALLS} calls (${CALLS_IN_FLIGHT} in flight, ${CALLEES} callees), push concurrency ${PUSH_CONCURRENCY}, load average ${load()}, ${new Date().toISOString()}\n`)

  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) {
      const node = mode === 'push' ? push : rt
      const ast = new AsteriskInstance(install, mode === 'push'
        ? { stack: 'pjsip', nodeUrl: push.url, httpPort, amiPort, address: pushAddress, examples: ['pjsip-push'], append: { 'extensions.conf': CURL_DIALPLAN } }
        : mode === 'static'
          ? { stack: 'pjsip', nodeUrl: rt.url, address: staticAddress, files: { 'pjsip.conf': staticConf, 'sorcery.conf': '[res_pjsip]\n', 'extconfig.conf': '[settings]\n', 'extensions.conf': STATIC_DIALPLAN } }
          : { stack: 'pjsip', nodeUrl: rt.url, append: { 'extensions.conf': CURL_DIALPLAN }, ...(mode === 'cache' ? { files: { 'sorcery.conf': CACHED_SORCERY } } : {}) })
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
          if (CALLS > 0) {
            // the callees' registrations must have reached the node's soft state (push mode mirrors them from ARI events)
            if (mode !== 'static') await until('every callee routable', async () => await calleesRoutable(node), 120_000, 250).catch((err: Error) => { throw new Error(`${err.message} (/route ${lastRoute})`) })
            for (const dialplan of mode === 'static' ? ['static' as const] : DIALPLANS.filter((d) => d !== 'static')) {
              const a0 = cpuMs(ast.pid!)
              const n0 = cpuMs(node.pid!)
              const l0 = await metricSum(node, 'federator_realtime_requests_total')
              const s0 = await metricSamples(node, 'federator_realtime_requests_total')
              const r = await storm.calls(callList(dialplan === 'curl' ? '8' : '7'), CALLS_IN_FLIGHT)
              const astCpu = cpuMs(ast.pid!) - a0
              const nodeCpu = cpuMs(node.pid!) - n0
              const lookups = (await metricSum(node, 'federator_realtime_requests_total') - l0) / Math.max(1, r.ok)
              const row: CallRow = { mode, dialplan, round, ok: r.ok, perSec: r.ok / r.ms * 1000, astCpuMs: astCpu / Math.max(1, r.ok), nodeCpuMs: nodeCpu / Math.max(1, r.ok), lookups, p50: q(r.setupMs, 0.5), p99: q(r.setupMs, 0.99) }
              callRows.push(row)
              const statuses: Record<number, number> = {}
              for (const st of r.status) statuses[st] = (statuses[st] ?? 0) + 1
              process.stdout.write(`${mode.padEnd(8)} round ${round} calls (${dialplan} dialplan): ${r.ok}/${CALLS} ok (INVITE answers ${JSON.stringify(statuses)}, ${r.calleeInvites} reached the callee), ${row.perSec.toFixed(1)}/s, Asterisk ${row.astCpuMs.toFixed(2)} ms CPU per call, node ${row.nodeCpuMs.toFixed(2)} ms, ${lookups.toFixed(1)} realtime requests per call, set-up p50 ${row.p50.toFixed(1)} ms p99 ${row.p99.toFixed(1)} ms, ${r.retransmits} retransmissions\n`)
              if (lookups >= 0.05) process.stdout.write(`         realtime requests per call: ${growth(s0, await metricSamples(node, 'federator_realtime_requests_total'), r.ok)}\n`)
            }
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

const range = (xs: number[], d = 0): string => { const lo = Math.min(...xs); const hi = Math.max(...xs); return lo === hi ? lo.toFixed(d) : `${lo.toFixed(d)}–${hi.toFixed(d)}` }
process.stdout.write(`\n| objects from | REGISTERs/s (first) | REGISTERs/s (again) | × static (again) | Asterisk CPU per registration (again) | node CPU per registration (again) | realtime requests per registration (again) |\n| --- | --- | --- | --- | --- | --- | --- |\n`)
const staticAgain = avg(rows.filter((r) => r.mode === 'static' && r.phase === 'again').map((r) => r.perSec))
for (const mode of MODES) {
  const first = rows.filter((r) => r.mode === mode && r.phase === 'first')
  const again = rows.filter((r) => r.mode === mode && r.phase === 'again')
  process.stdout.write(`| ${mode} | ${range(first.map((r) => r.perSec))} | ${range(again.map((r) => r.perSec))} | ${staticAgain > 0 ? (avg(again.map((r) => r.perSec)) / staticAgain).toFixed(2) : '—'} | ${range(again.map((r) => r.astCpuMs), 2)} ms | ${range(again.map((r) => r.nodeCpuMs), 2)} ms | ${range(again.map((r) => r.lookups), 1)} |\n`)
}
if (callRows.length > 0) {
  process.stdout.write(`\n| objects from | dialplan | calls/s | × static | Asterisk CPU per call | node CPU per call | realtime requests per call | set-up p50 / p99 | calls ok |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n`)
  const staticCalls = avg(callRows.filter((r) => r.mode === 'static').map((r) => r.perSec))
  for (const mode of MODES) {
    for (const dialplan of ['static', 'generated', 'curl'] as const) {
      const cr = callRows.filter((r) => r.mode === mode && r.dialplan === dialplan)
      if (cr.length === 0) continue
      process.stdout.write(`| ${mode} | ${dialplan} | ${range(cr.map((r) => r.perSec), 1)} | ${staticCalls > 0 ? (avg(cr.map((r) => r.perSec)) / staticCalls).toFixed(2) : '—'} | ${range(cr.map((r) => r.astCpuMs), 2)} ms | ${range(cr.map((r) => r.nodeCpuMs), 2)} ms | ${range(cr.map((r) => r.lookups), 1)} | ${range(cr.map((r) => r.p50), 1)} / ${range(cr.map((r) => r.p99), 1)} ms | ${cr.map((r) => r.ok).join(', ')} of ${CALLS} |\n`)
    }
  }
}
if (!Number.isNaN(fullPushSeconds)) process.stdout.write(`\npush: first full push of ${N} devices into a fresh Asterisk: ${fullPushSeconds.toFixed(2)} s\n`)
if (changeMs.length > 0) process.stdout.write(`push: a change on the node until Asterisk holds it (${changeMs.length} password changes): p50 ${q(changeMs, 0.5).toFixed(1)} ms, p99 ${q(changeMs, 0.99).toFixed(1)} ms, max ${Math.max(...changeMs).toFixed(1)} ms\n`)
process.stdout.write(`load average at the end: ${load()}\n`)
