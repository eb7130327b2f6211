/**
 * `npm run bench:asterisk -- --full-push --devices 100000 [--push-concurrency 8,32] [--probe 500]`:
 * the first full push of push mode into a freshly started Asterisk, alone (bench/asterisk.ts measures
 * it only as the start of its push round). One node in push mode (examples/asterisk/pjsip-push), the
 * devices imported once; for each value of the push concurrency (`asterisk.push.concurrency`, ids
 * worked at once) the node is restarted with it and a new Asterisk started empty. Measured: the push
 * as the node times it (ARI connect → every object and the SIP transport pushed), from Asterisk's
 * `fully booted` to the same end, objects per second (the PUTs counted by the node), Asterisk's and
 * the node's CPU meanwhile; then how long Asterisk still works through the sorcery observer tasks
 * the creations queued (`core show taskprocessors`, bounded at 5 min). A probe sends a REGISTER of a
 * random device every `--probe` ms from the moment Asterisk is booted until then, each retransmitted
 * as a phone does (SIP's timer B, 32 s): how many were answered 200, refused (any other final
 * answer) or never answered.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { AsteriskInstance, asteriskVersion, freeLoopbackAddress } from '../test/asterisk/harness/index.js'
import { RegisterStorm } from '../test/asterisk/harness/register-storm.js'
import { LocalCluster, freeTcpPort, type ClusterNode } from '../test/helpers/cluster.js'
import { asteriskInstall, benchDevices, cpuMs, importLines, load, metric, q, until, writePushConfig } from './asterisk-common.js'

export interface FullPushOptions { devices: number, concurrency: number[], probeMs: number }

interface Probe { sentAt: number, status: number, answeredAt: number }

/** Asterisk is done with what the push caused once its sorcery observer queues are empty. */
const SETTLE_MAX_MS = 300_000

/** Tasks waiting in Asterisk's sorcery taskprocessors (`core show taskprocessors`: name, processed, in queue, …). */
async function sorceryBacklog (ast: AsteriskInstance): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const line of (await ast.rx('core show taskprocessors like sorcery/')).split('\n')) {
    const m = /^sorcery\/(\S+?)-[0-9a-f]+\s+\d+\s+(\d+)/.exec(line.trim())
    if (m !== null && Number(m[2]) > 0) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2])
  }
  return out
}

export async function fullPushBench (o: FullPushOptions): Promise<void> {
  const install = asteriskInstall()
  const devices = benchDevices(o.devices)
  const dir = mkdtempSync(join(tmpdir(), 'bench-ast-push-'))
  const file = join(dir, 'push.json')
  const httpPort = await freeTcpPort()
  const amiPort = await freeTcpPort()
  const address = await freeLoopbackAddress()
  const config = (concurrency: number): void => writePushConfig(file, { address, httpPort, amiPort, push: { driftCheckMs: 3_600_000, concurrency } })
  config(o.concurrency[0]!)
  const cluster = await LocalCluster.start({ nodes: 1, bootstrap: false, spec: () => ({ name: 'push', join: null, args: ['--config', file] }) })
  const node = cluster.nodes[0] as ClusterNode
  const results: string[] = []
  try {
    const t0 = performance.now()
    await importLines(node, devices.map((d) => JSON.stringify({ type: 'device', id: d.id, secret: d.password })))
    process.stdout.write(`${asteriskVersion(install)}, full push of ${o.devices} devices (${3 * o.devices} objects: auth, aor, endpoint), imported in ${((performance.now() - t0) / 1000).toFixed(1)} s, load average ${load()}, ${new Date().toISOString()}\n`)
    for (const [k, concurrency] of o.concurrency.entries()) {
      if (k > 0) {
        config(concurrency)
        await node.kill('SIGTERM')
        await node.start()
      }
      const ast = new AsteriskInstance(install, { stack: 'pjsip', nodeUrl: node.url, httpPort, amiPort, address, examples: ['pjsip-push'] })
      const storm = await new RegisterStorm({ registrar: `${address}:5060`, devices }).start()
      const probes: Probe[] = []
      const pending: Array<Promise<void>> = []
      let probing: NodeJS.Timeout | null = null
      try {
        const puts0 = await metric(node, 'federator_push_puts_total')
        const loadBefore = load()
        await ast.start()
        const booted = performance.now()
        const a0 = cpuMs(ast.pid!)
        const n0 = cpuMs(node.pid!)
        probing = setInterval(() => {
          const p: Probe = { sentAt: performance.now(), status: -1, answeredAt: NaN }
          probes.push(p)
          pending.push(storm.register(devices[Math.floor(Math.random() * devices.length)]!, 600).then((status) => { p.status = status; p.answeredAt = performance.now() }))
        }, o.probeMs)
        await until('the full push', async () => await metric(node, 'federator_push_full_pushes_total') >= 1, 1_800_000, 250)
        const done = performance.now()
        const astCpu = cpuMs(ast.pid!) - a0
        const nodeCpu = cpuMs(node.pid!) - n0
        const backlogAtDone = await sorceryBacklog(ast)
        // the node is done; Asterisk may still be working through the observers of what it created
        let settled = true
        await until('Asterisk settled', async () => Object.keys(await sorceryBacklog(ast)).length === 0, SETTLE_MAX_MS, 1000).catch(() => { settled = false })
        const settle = (performance.now() - done) / 1000
        const backlogAtEnd = await sorceryBacklog(ast)
        clearInterval(probing)
        probing = null
        const seconds = await metric(node, 'federator_push_last_full_push_seconds')
        const puts = await metric(node, 'federator_push_puts_total') - puts0
        const errors = await metric(node, 'federator_push_errors_total')
        const wall = (done - booted) / 1000
        await Promise.all(pending)
        const ok = probes.filter((p) => p.status === 200)
        const refused = probes.filter((p) => p.status > 0 && p.status !== 200)
        const silent = probes.filter((p) => p.status === 0)
        const waits = ok.map((p) => p.answeredAt - p.sentAt)
        const line = `concurrency ${concurrency}: full push ${seconds.toFixed(1)} s (node: ARI connect → transport pushed), ${wall.toFixed(1)} s from Asterisk booted; ` +
          `Asterisk's sorcery observer queues then ${JSON.stringify(backlogAtDone)}, ${settled ? `empty ${settle.toFixed(1)} s later` : `still ${JSON.stringify(backlogAtEnd)} after ${settle.toFixed(0)} s`}; ` +
          `${puts} objects, ${Math.round(puts / seconds)} objects/s (${Math.round(puts / 3 / seconds)} devices/s); Asterisk CPU ${(astCpu / 1000).toFixed(1)} s, node CPU ${(nodeCpu / 1000).toFixed(1)} s; ` +
          `${errors} push errors; REGISTER probes until then: ${probes.length} sent, ${ok.length} answered 200 (wait p50 ${q(waits, 0.5).toFixed(0)} ms, max ${Math.max(0, ...waits).toFixed(0)} ms), ` +
          `${refused.length} refused${refused.length > 0 ? ` (${[...new Set(refused.map((p) => p.status))].join(', ')})` : ''}, ${silent.length} unanswered after 32 s; load average before ${loadBefore}, after ${load()}`
        results.push(line)
        process.stdout.write(line + '\n')
      } finally {
        if (probing !== null) clearInterval(probing)
        storm.close()
        await ast.stop()
        if (process.env.KEEP === undefined) rmSync(ast.dir, { recursive: true, force: true })
      }
    }
  } finally {
    await cluster.close()
    rmSync(dir, { recursive: true, force: true })
  }
  process.stdout.write('\n' + results.join('\n') + '\n')
}
