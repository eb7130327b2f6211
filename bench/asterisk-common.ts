/**
 * What `npm run bench:asterisk` (bench/asterisk.ts) and its full-push part (bench/asterisk-full-push.ts)
 * share: the Asterisk install, CPU of a process from /proc, the node's /metrics, waiting, quantiles,
 * the bench devices, and the push-mode node configuration made from examples/asterisk/pjsip-push.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { EXAMPLES, locateAsterisk, type AsteriskInstall } from '../test/asterisk/harness/index.js'
import type { ClusterNode } from '../test/helpers/cluster.js'

export function asteriskInstall (): AsteriskInstall {
  const install = locateAsterisk()
  if ('missing' in install) { process.stderr.write(install.missing + '\n'); process.exit(1) }
  return install
}

const TICK_MS = 1000 / 100 // Linux USER_HZ

/** CPU time (user + system) a process has used so far, ms. */
export function cpuMs (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_MS
}

/** A metric's first sample (NaN: absent). */
export async function metric (node: ClusterNode, name: string): Promise<number> {
  const text = await (await node.api('/metrics')).text()
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)
  return m === null ? NaN : Number(m[1])
}

/** Sum of a metric's samples (every label). */
export async function metricSum (node: ClusterNode, name: string): Promise<number> {
  const text = await (await node.api('/metrics')).text()
  let sum = 0
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1])
  return sum
}

/** Every sample of a metric: labels → value. */
export async function metricSamples (node: ClusterNode, name: string): Promise<Map<string, number>> {
  const text = await (await node.api('/metrics')).text()
  const out = new Map<string, number>()
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) out.set(m[1] ?? '', Number(m[2]))
  return out
}

/** What grew between two samplings, per label set, largest first: `{family="x"} 12.5, …` per `per`. */
export function growth (before: Map<string, number>, after: Map<string, number>, per: number, top = 6): string {
  return [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / Math.max(1, per)] as const).filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, d]) => `${k} ${d.toFixed(1)}`).join(', ')
}

export async function until (what: string, check: () => Promise<boolean>, ms = 600_000, everyMs = 100): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

export const q = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
export const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
export const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ')

export interface BenchDevice { id: string, password: string }

/** The bench's devices: `bench-000000` … with password `pw-<i>`. */
export function benchDevices (n: number): BenchDevice[] {
  return Array.from({ length: n }, (_, i) => ({ id: `bench-${String(i).padStart(6, '0')}`, password: `pw-${i}` }))
}

/** Import NDJSON lines into a node (in chunks: one request per 20,000 lines). */
export async function importLines (node: ClusterNode, lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 20_000) {
    const body = lines.slice(i, i + 20_000).join('\n') + '\n'
    const res = await node.api('/api/v1/import', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } })
    if (!res.ok) throw new Error(`import: ${res.status} ${await res.text()}`)
    const r = await res.json() as { failed?: number }
    if ((r.failed ?? 0) > 0) throw new Error(`import: ${JSON.stringify(r)}`)
  }
}

/**
 * The push-mode node's config file (examples/asterisk/pjsip-push/federator.json, only the addresses,
 * ports and passwords rewritten), with `asterisk.push` tunables.
 */
export function writePushConfig (file: string, o: { address: string, httpPort: number, amiPort: number, push: Record<string, number> }): void {
  const config = JSON.parse(readFileSync(join(EXAMPLES, 'pjsip-push', 'federator.json'), 'utf8').replaceAll('0.0.0.0:5060', `${o.address}:5060`).replaceAll('CHANGE-ME', 'federator')
    .replace('http://127.0.0.1:8088', `http://127.0.0.1:${o.httpPort}`)) as { asterisk: Record<string, unknown>, ami: Record<string, unknown> }
  config.ami.port = o.amiPort
  config.asterisk.push = o.push
  writeFileSync(file, JSON.stringify(config))
}
