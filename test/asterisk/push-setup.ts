/**
 * What the push-mode tests share: one node in push mode (`--asterisk-mode push`, ARI and AMI of an
 * Asterisk started from examples/asterisk/pjsip-push/ — the example itself is what is tested), fast
 * drift checks and contact refreshes from a config file (`asterisk.push`), and small readers of the
 * node's /metrics and of Asterisk's objects over ARI.
 */
import type { Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { startAsterisk, type AsteriskInstall, type AsteriskInstance, type InstanceOptions } from './harness/index.js'
import { freeTcpPort, startCluster, waitFor, type ClusterNode, type LocalCluster } from '../helpers/cluster.js'

export interface PushSetup {
  cluster: LocalCluster
  node: ClusterNode
  httpPort: number
  amiPort: number
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
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify({ asterisk: { mode: 'push', push: o.push ?? { driftCheckMs: 500, refreshMs: 500 } } }))
  const ariUrl = o.ariUrl !== undefined ? await o.ariUrl(httpPort) : `http://127.0.0.1:${httpPort}`
  const args = ['--config', file, '--ari-url', ariUrl, '--ari-user', 'federator:federator',
    ...(o.noAmi === true ? [] : ['--ami', `127.0.0.1:${amiPort}`, '--ami-user', 'federator:federator']), ...(o.args ?? [])]
  const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null, args, ...(o.env !== undefined ? { env: o.env } : {}) }) })
  const node = cluster.nodes[0]!
  return {
    cluster,
    node,
    httpPort,
    amiPort,
    args,
    startAsterisk: async (opts = {}) => await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url, httpPort, amiPort, examples: ['pjsip-push'], ...opts })
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
