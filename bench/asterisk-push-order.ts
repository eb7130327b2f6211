/**
 * `npm run bench:asterisk -- --push-order <interleaved|aors-first> --devices 10000`: what the order of
 * creation costs Asterisk, without the node. The objects of push mode (an auth, an AOR and an endpoint
 * per device, minimal fields) are created straight over ARI into a fresh Asterisk started from
 * examples/asterisk/pjsip-push, 11 requests in flight: `interleaved` per device (auth, AOR, endpoint:
 * the node's order), or `aors-first` (every auth and AOR, then every endpoint). Measured: the time to
 * create them, until Asterisk's sorcery observer queues are empty (bounded at 7 minutes from the start),
 * and Asterisk's CPU. Asterisk's OPTIONS module scans every endpoint for each new AOR
 * (docs/asterisk.md, "What Asterisk 20.20.1 showed"): the order decides how many it finds.
 */
import http from 'node:http'
import { rmSync } from 'node:fs'
import { AsteriskInstance, freeLoopbackAddress } from '../test/asterisk/harness/index.js'
import { freeTcpPort } from '../test/helpers/cluster.js'
import { asteriskInstall, cpuMs, load } from './asterisk-common.js'

const IN_FLIGHT = 11
const SETTLE_MAX_MS = 420_000

export async function pushOrderBench (o: { devices: number, order: 'interleaved' | 'aors-first' }): Promise<void> {
  const install = asteriskInstall()
  const httpPort = await freeTcpPort()
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
  const ast = new AsteriskInstance(install, { stack: 'pjsip', nodeUrl: 'http://127.0.0.1:1', httpPort, amiPort: await freeTcpPort(), address: await freeLoopbackAddress(), examples: ['pjsip-push'] })
  const put = async (type: string, id: string, fields: Record<string, string>): Promise<void> => {
    const body = JSON.stringify({ fields: Object.entries(fields).map(([attribute, value]) => ({ attribute, value })) })
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: httpPort, method: 'PUT', path: `/ari/asterisk/config/dynamic/res_pjsip/${type}/${id}`, agent, auth: 'federator:federator', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume()
        res.on('end', () => res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${type}/${id}: ${res.statusCode ?? 0}`)))
      })
      req.on('error', reject)
      req.end(body)
    })
  }
  const pool = async (n: number, job: (i: number) => Promise<void>): Promise<void> => {
    let i = 0
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { while (i < n) await job(i++) }))
  }
  const backlog = async (): Promise<number> => {
    let n = 0
    for (const line of (await ast.rx('core show taskprocessors like sorcery/')).split('\n')) {
      const m = /^sorcery\/\S+\s+\d+\s+(\d+)/.exec(line.trim())
      if (m !== null) n += Number(m[1])
    }
    return n
  }
  const id = (i: number): string => `d${String(i).padStart(6, '0')}`
  const authAor = async (i: number): Promise<void> => {
    await put('auth', id(i), { auth_type: 'userpass', username: id(i), password: `pw-${i}` })
    await put('aor', id(i), { max_contacts: '1', remove_existing: 'yes' })
  }
  const endpoint = async (i: number): Promise<void> => await put('endpoint', id(i), { aors: id(i), auth: id(i), context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw' })
  try {
    await ast.start()
    process.stdout.write(`${o.devices} devices, ${o.order}, load average ${load()}, ${new Date().toISOString()}\n`)
    const c0 = cpuMs(ast.pid!)
    const t0 = performance.now()
    const s = (): string => ((performance.now() - t0) / 1000).toFixed(1)
    if (o.order === 'interleaved') {
      await pool(o.devices, async (i) => { await authAor(i); await endpoint(i) })
    } else {
      await pool(o.devices, authAor)
      process.stdout.write(`auths and AORs created in ${s()} s\n`)
      await pool(o.devices, endpoint)
    }
    const created = s()
    let left = 0
    while ((left = await backlog()) > 0 && performance.now() - t0 < SETTLE_MAX_MS) await new Promise((resolve) => setTimeout(resolve, 500))
    process.stdout.write(`${o.order}, ${o.devices} devices: created in ${created} s; Asterisk's sorcery queues ${left === 0 ? 'empty' : `still ${left} tasks`} at ${s()} s; Asterisk CPU ${((cpuMs(ast.pid!) - c0) / 1000).toFixed(1)} s; load average ${load()}\n`)
  } finally {
    agent.destroy()
    await ast.stop()
    if (process.env.KEEP === undefined) rmSync(ast.dir, { recursive: true, force: true })
  }
}
