/**
 * npm run bench:memory — a node's memory with a full directory and warm lookups: one node process,
 * BENCH_USERS users (an extension each) and BENCH_DEVICES devices imported over REST (NDJSON), then every
 * device looked up the way Asterisk does (ps_endpoints and ps_auths single lookups, BENCH_CONNECTIONS in
 * flight) and every user's extension routed once (/route). Reports the node's RSS after the import and with
 * the lookups warm, and what /metrics says each part holds (view, routing snapshot, answer cache).
 * Target (issue 12): RSS ≤ 200 MB with 100k devices + 100k users and lookups warm.
 *
 * Tunables (env): BENCH_DEVICES (100000), BENCH_USERS (100000), BENCH_CONNECTIONS (16), BENCH_ARGS (extra
 * `federator start` flags, e.g. "--realtime-cache-mb 16"), BENCH_NODE_OPTIONS (node flags for the node process,
 * e.g. "--max-semi-space-size=4"), BENCH_HEAP_SNAPSHOT=<dir> (the node writes a V8 heap snapshot there once warm).
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fmt, rssMb, startNode, table } from './lib.js'

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000)
const USERS = Number(process.env.BENCH_USERS ?? 100_000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const ARGS = (process.env.BENCH_ARGS ?? '').split(' ').filter((a) => a !== '')
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const HEAP_SNAPSHOT = process.env.BENCH_HEAP_SNAPSHOT
const NODE_OPTIONS = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter((a) => a !== '')
/** the node's resident memory split (anonymous: heap and native allocations; file: the node binary and libraries) and its peak, MB */
function rssParts (pid: number): { anon: number, file: number, peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k: string): number => Number(new RegExp(k + ':\\s+(\\d+)').exec(status)?.[1] ?? NaN) / 1024
  return { anon: kb('RssAnon'), file: kb('RssFile'), peak: kb('VmHWM') }
}
const log = (s: string): void => { process.stderr.write(s + '\n') }

async function main (): Promise<void> {
  log(`memory benchmark: ${fmt(USERS)} users, ${fmt(DEVICES)} devices; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  // BENCH_HEAP_SNAPSHOT=<dir>: the node writes a V8 heap snapshot (Heap.*.heapsnapshot) there once warm
  if (HEAP_SNAPSHOT !== undefined) NODE_OPTIONS.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${HEAP_SNAPSHOT}`)
  if (NODE_OPTIONS.length > 0) process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS ?? '', ...NODE_OPTIONS].join(' ').trim()
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
  const parts = rssParts(node.pid!)
  const metrics = await (await fetch(node.url + '/metrics', { headers: auth })).text()
  if (HEAP_SNAPSHOT !== undefined) {
    const before = new Set(readdirSync(HEAP_SNAPSHOT))
    process.kill(node.pid!, 'SIGUSR2')
    const t2 = performance.now()
    let file: string | undefined
    while (file === undefined && performance.now() - t2 < 600_000) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      file = readdirSync(HEAP_SNAPSHOT).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'))
      if (file !== undefined) file = join(HEAP_SNAPSHOT, file)
    }
    // the file is complete once it ends the JSON document (`]}`)
    const done = (f: string): boolean => { const fd = openSync(f, 'r'); const b = Buffer.alloc(2); readSync(fd, b, 0, 2, Math.max(0, fstatSync(fd).size - 2)); closeSync(fd); return b.toString() === ']}' }
    while (file !== undefined && !done(file) && performance.now() - t2 < 600_000) await new Promise((resolve) => setTimeout(resolve, 1000))
    log(`heap snapshot: ${file ?? 'not written'}`)
  }
  const shown = metrics.split('\n').filter((l) => /^(federator_(realtime_cache_(entries|bytes|tags)|route_snapshot|view_memory|records)|process_resident|nodejs_(heap|external))/.test(l))

  process.stdout.write('\n' + table(['measure', 'value'], [
    ['node RSS at start', `${fmt(rssStart)} MB`],
    [`node RSS after importing ${fmt(USERS)} users + ${fmt(DEVICES)} devices`, `${fmt(rssImported)} MB`],
    [`node RSS with lookups warm (${fmt(jobs)} lookups)`, `${fmt(rssWarm)} MB`],
    ['  of which anonymous (heap, native) / file (binary, libraries)', `${fmt(parts.anon)} / ${fmt(parts.file)} MB`],
    ['node RSS peak (during the import)', `${fmt(parts.peak)} MB`],
    ['target', '≤ 200 MB']
  ]) + '\n\n/metrics, memory by part:\n' + shown.map((l) => '  ' + l).join('\n') + `\n\nload average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`)
  await node.kill('SIGTERM')
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
