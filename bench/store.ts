/**
 * npm run bench:store — the store's write path, against baselines measured in the same run.
 *
 * 1. Acknowledged single writes/s through REST (POST /api/v1/devices, each one in the log and applied
 *    before the answer) against synced single-record LevelDB writes of the same size, both with the same
 *    number of writes in flight. Rounds alternate; medians are reported with their ratio.
 * 2. Bulk import of 100k devices through POST /api/v1/import (NDJSON): records/s, and the node's RSS after.
 *
 * Tunables: BENCH_SECONDS (per round, default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 16),
 * BENCH_IMPORT (records, default 100000).
 */
import { ClassicLevel } from 'classic-level'
import autocannon from 'autocannon'
import { Readable } from 'node:stream'
import { fmt, median, rssMb, startNode, table, tempDir } from './lib.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const IMPORT = Number(process.env.BENCH_IMPORT ?? 100_000)

const device = (i: number, prefix: string): Record<string, unknown> => ({
  id: `${prefix}${i}`, user: `user${i % 5000}`, secret: 'S3cr3t-' + String(i).padStart(8, '0'), codecs: ['ulaw', 'alaw', 'g722'], context: 'from-internal', maxContacts: 2
})

async function levelSynced (dir: string, value: Buffer): Promise<number> {
  const db = new ClassicLevel<string, Buffer>(dir, { valueEncoding: 'buffer' })
  await db.open()
  let n = 0
  const end = Date.now() + SECONDS * 1000
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
    while (Date.now() < end) { await db.put(`k${c}-${n++}`, value, { sync: true }) }
  }))
  await db.close()
  return n / SECONDS
}

async function restWrites (url: string, token: string, round: number): Promise<{ rps: number, p50: number, p99: number }> {
  let i = 0
  const result = await autocannon({
    url: url + '/api/v1/devices',
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify(device(i++, `r${round}-`)) })
    }]
  })
  if (result.non2xx > 0) throw new Error(`${result.non2xx} writes failed`)
  return { rps: result['2xx'] / SECONDS, p50: result.latency.p50, p99: result.latency.p99 }
}

async function main (): Promise<void> {
  const node = await startNode('store')
  const value = Buffer.from(JSON.stringify(device(1, 'x')))
  process.stdout.write(`store benchmark: ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} writes in flight, record ${value.length} B\n`)
  const base: number[] = []
  const rest: number[] = []
  const p99: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    base.push(await levelSynced(tempDir('level'), value))
    const w = await restWrites(node.url, node.token, r)
    rest.push(w.rps)
    p99.push(w.p99)
    process.stdout.write(`  round ${r + 1}: LevelDB synced ${fmt(base[r]!)} /s, REST acknowledged ${fmt(rest[r]!)} /s (p99 ${w.p99} ms)\n`)
  }

  const lines: string[] = []
  for (let i = 0; i < IMPORT; i++) lines.push(JSON.stringify({ type: 'device', ...device(i, 'bulk') }))
  const body = Buffer.from(lines.join('\n') + '\n')
  const t0 = performance.now()
  const res = await fetch(node.url + '/api/v1/import', {
    method: 'POST',
    headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(Readable.from([body])) as unknown as ReadableStream,
    duplex: 'half'
  } as RequestInit)
  const out = await res.json() as { imported: number, failed: number }
  const secs = (performance.now() - t0) / 1000
  if (out.imported !== IMPORT) throw new Error(`import: ${JSON.stringify(out)}`)
  const rss = rssMb(node.pid!)

  process.stdout.write('\n' + table(['measure', 'value'], [
    ['synced LevelDB single-record writes (baseline), median', `${fmt(median(base))} /s`],
    ['acknowledged REST single writes, median', `${fmt(median(rest))} /s (p99 ${fmt(median(p99))} ms)`],
    ['ratio REST / LevelDB synced', fmt(median(rest) / median(base), 2)],
    [`bulk import of ${fmt(IMPORT)} devices (REST NDJSON)`, `${fmt(IMPORT / secs)} records/s (${fmt(secs, 1)} s)`],
    ['node RSS after the import', `${fmt(rss)} MB`]
  ]) + '\n')
  await node.kill('SIGTERM')
}

await main()
