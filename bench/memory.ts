/**
 * npm run bench:memory — a node's memory with a full directory and warm lookups: one node process,
 * BENCH_USERS users (an extension each) and BENCH_DEVICES devices imported over REST (NDJSON), then every
 * device looked up the way Asterisk does (ps_endpoints and ps_auths single lookups, BENCH_CONNECTIONS in
 * flight) and every user's extension routed once (/route). Reports the node's RSS after the import and with
 * the lookups warm, and what /metrics says each part holds (view, routing snapshot, answer cache).
 * Target (issue 12): RSS ≤ 200 MB with 100k devices + 100k users and lookups warm.
 *
 * Tunables (env): BENCH_DEVICES (100000), BENCH_USERS (100000), BENCH_CONNECTIONS (16), BENCH_ARGS (extra
 * `federator start` flags, e.g. "--realtime-cache-mb 16").
 */
import { loadavg } from 'node:os'
import { fmt, rssMb, startNode, table } from './lib.js'

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000)
const USERS = Number(process.env.BENCH_USERS ?? 100_000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const ARGS = (process.env.BENCH_ARGS ?? '').split(' ').filter((a) => a !== '')
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const log = (s: string): void => { process.stderr.write(s + '\n') }

async function main (): Promise<void> {
  log(`memory benchmark: ${fmt(USERS)} users, ${fmt(DEVICES)} devices; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  const node = await startNode('memory', ARGS)
  const auth = { authorization: `Bearer ${node.token}` }
  const rssStart = rssMb(node.pid!)
  const lines: string[] = []
  for (let i = 0; i < USERS; i++) lines.push(JSON.stringify({ type: 'user', id: `user${i}`, name: `User ${i}`, extensions: [String(100000 + i)] }))
  for (let i = 0; i < DEVICES; i++) {
    lines.push(JSON.stringify({ type: 'device', id: `dev${i}`, user: `user${i % USERS}`, secret: 'S3cr3t-' + String(i).padStart(8, '0'), codecs: ['ulaw', 'alaw', 'g722'], context: 'from-internal', maxContacts: 2 }))
  }
  const t0 = performance.now()
  const res = await fetch(node.url + '/api/v1/import', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' })
  const out = await res.json() as { imported: number, failed: number }
  if (out.imported !== USERS + DEVICES) throw new Error(`import: ${JSON.stringify(out)}`)
  log(`imported ${fmt(USERS + DEVICES)} records in ${fmt((performance.now() - t0) / 1000, 1)} s`)
  const rssImported = rssMb(node.pid!)

  // warm: every device's endpoint and auth, every extension routed once
  const t1 = performance.now()
  let next = 0
  const jobs = DEVICES * 2 + USERS
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (next < jobs) {
      const k = next++
      const r = k < DEVICES * 2
        ? await fetch(`${node.url}/realtime/${k % 2 === 0 ? 'ps_endpoints' : 'ps_auths'}/single`, { method: 'POST', headers: FORM, body: `id=dev${k >> 1}` })
        : await fetch(`${node.url}/route?exten=${100000 + k - DEVICES * 2}`)
      if (r.status !== 200) throw new Error(`lookup answered HTTP ${r.status}`)
      await r.arrayBuffer()
    }
  }))
  log(`warmed ${fmt(jobs)} lookups in ${fmt((performance.now() - t1) / 1000, 1)} s`)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const rssWarm = rssMb(node.pid!)
  const metrics = await (await fetch(node.url + '/metrics', { headers: auth })).text()
  const parts = metrics.split('\n').filter((l) => /^(federator_(realtime_cache_(entries|bytes|tags)|route_snapshot|records)|process_resident|nodejs_(heap|external))/.test(l))

  process.stdout.write('\n' + table(['measure', 'value'], [
    ['node RSS at start', `${fmt(rssStart)} MB`],
    [`node RSS after importing ${fmt(USERS)} users + ${fmt(DEVICES)} devices`, `${fmt(rssImported)} MB`],
    [`node RSS with lookups warm (${fmt(jobs)} lookups)`, `${fmt(rssWarm)} MB`],
    ['target', '≤ 200 MB']
  ]) + '\n\n/metrics, memory by part:\n' + parts.map((l) => '  ' + l).join('\n') + `\n\nload average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`)
  await node.kill('SIGTERM')
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
