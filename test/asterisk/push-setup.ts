/**
 * What the push-mode tests share: one node in push mode configured from
 * examples/asterisk/pjsip-push/federator.json (ARI, AMI, the SIP transport it pushes) beside an
 * Asterisk started from the same folder — the example itself is what is tested. Only what ties the
 * files to one machine is rewritten (addresses, ports, the CHANGE-ME passwords), and fast drift
 * checks and contact refreshes are added (`asterisk.push`). Plus small readers of the node's
 * /metrics and of Asterisk's objects over ARI.
 */
import type { Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { EXAMPLES, freeLoopbackAddress, startAsterisk, type AsteriskInstall, type AsteriskInstance, type InstanceOptions } from './harness/index.js'
import { freeTcpPort, startCluster, waitFor, type ClusterNode, type LocalCluster } from '../helpers/cluster.js'

export interface PushSetup {
  cluster: LocalCluster
  node: ClusterNode
  httpPort: number
  amiPort: number
  /** the Asterisk's SIP address (the transport the node pushes binds there) */
  address: string
  /** the node's CLI args for push mode (to start more nodes the same way) */
  args: string[]
  startAsterisk: (opts?: Partial<InstanceOptions>) => Promise<AsteriskInstance>
}

export interface PushSetupOptions {
  /** asterisk.push tunables (default: drift check every 500 ms, contact refresh every 500 ms) */
  push?: Record<string, number>
  /** extra node CLI args */
  args?: string[]
  env?: NodeJS.ProcessEnv
  /** leave AMI out (contacts are then only re-read one by one) */
  noAmi?: boolean
  /** the ARI URL the node is given (default Asterisk's own; a test may put a proxy between) */
  ariUrl?: (httpPort: number) => Promise<string> | string
}

export async function pushSetup (t: Test, install: AsteriskInstall, o: PushSetupOptions = {}): Promise<PushSetup> {
  const httpPort = await freeTcpPort()
  const amiPort = await freeTcpPort()
  const dir = mkdtempSync(join(tmpdir(), 'fed-push-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const address = await freeLoopbackAddress()
  const file = join(dir, 'config.json')
  const example = readFileSync(join(EXAMPLES, 'pjsip-push', 'federator.json'), 'utf8')
    .replaceAll('0.0.0.0:5060', `${address}:5060`).replaceAll('CHANGE-ME', 'federator')
    .replace('http://127.0.0.1:8088', o.ariUrl !== undefined ? await o.ariUrl(httpPort) : `http://127.0.0.1:${httpPort}`)
  const config = JSON.parse(example) as { asterisk: Record<string, unknown>, ami?: Record<string, unknown> }
  config.asterisk.push = o.push ?? { driftCheckMs: 500, refreshMs: 500 }
  if (o.noAmi === true) delete config.ami
  else config.ami!.port = amiPort
  writeFileSync(file, JSON.stringify(config))
  const args = ['--config', file, ...(o.args ?? [])]
  const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null, args, ...(o.env !== undefined ? { env: o.env } : {}) }) })
  const node = cluster.nodes[0]!
  return {
    cluster,
    node,
    httpPort,
    amiPort,
    address,
    args,
    startAsterisk: async (opts = {}) => await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url, httpPort, amiPort, address, examples: ['pjsip-push'], ...opts })
  }
}

/** The node's /metrics as name → value (first sample of each). */
export async function metrics (node: ClusterNode): Promise<Record<string, number>> {
  const text = await (await node.api('/metrics')).text()
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{[^}]*\})? (\S+)$/.exec(line)
    if (m !== null && !Object.hasOwn(out, m[1]!)) out[m[1]!] = Number(m[2])
  }
  return out
}

/** Wait for the node's full pushes to reach `n` (one per ARI connect) with nothing left to push. */
export async function fullPushes (node: ClusterNode, n: number, timeoutMs = 30_000): Promise<Record<string, number>> {
  return await waitFor(`full push #${n}`, async () => await metrics(node), (m) => (m.federator_push_full_pushes_total ?? 0) >= n && m.federator_push_pending === 0, timeoutMs, 50)
}

/** ARI on the test's side (user federator). */
export function ari (httpPort: number): (method: string, path: string, body?: unknown) => Promise<{ status: number, body: unknown }> {
  const auth = 'Basic ' + Buffer.from('federator:federator').toString('base64')
  return async (method, path, body) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/ari/${path}`, {
      method, headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: res.status, body: parsed }
  }
}

/** An object's field as Asterisk holds it (undefined: no such object). */
export async function field (httpPort: number, type: string, id: string, attribute: string, configClass = 'res_pjsip'): Promise<string | undefined> {
  const r = await ari(httpPort)('GET', `asterisk/config/dynamic/${configClass}/${type}/${encodeURIComponent(id)}`)
  if (r.status !== 200) return undefined
  return (r.body as Array<{ attribute: string, value: string }>).find((f) => f.attribute === attribute)?.value
}
