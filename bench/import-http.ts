/**
 * Bulk import, layer by layer, in one process and one run (ratios are what to compare):
 *   1. store.writeMany() in chunks — the store's own ceiling
 *   2. importNdjson() — NDJSON parsing + chunking on top of it, no HTTP
 *   3. POST /api/v1/import over a real socket on 127.0.0.1 (chunked, streamed)
 * Each into a fresh store. Run: node --import=tsx --conditions=fed-source bench/import-http.ts
 * Tunables: BENCH_IMPORT (records, default 100000), BENCH_ROUNDS (default 3).
 */
import { Readable } from 'node:stream'
import { Store, type WriteOp } from '@federator/store'
import { buildApp, importNdjson, DEFAULT_IMPORT_CHUNK, DEFAULT_IMPORT_IN_FLIGHT } from '@federator/server'
import { fmt, median, table, tempDir } from './lib.js'

const N = Number(process.env.BENCH_IMPORT ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const device = (i: number): Record<string, unknown> => ({
  type: 'device', id: `bulk${i}`, user: `user${i % 5000}`, secret: 'S3cr3t-' + String(i).padStart(8, '0'), codecs: ['ulaw', 'alaw', 'g722'], context: 'from-internal', maxContacts: 2
})
const lines = Array.from({ length: N }, (_, i) => JSON.stringify(device(i)) + '\n')
const chunks: Buffer[] = []
for (let i = 0; i < lines.length; i += 500) chunks.push(Buffer.from(lines.slice(i, i + 500).join(''))) // ~64 KiB, like a socket

async function fresh (): Promise<Store> {
  const s = new Store({ dir: tempDir('import') })
  await s.ready()
  return s
}

async function viaStore (): Promise<number> {
  const s = await fresh()
  const t0 = performance.now()
  const pending: Array<Promise<unknown>> = []
  for (let i = 0; i < N; i += DEFAULT_IMPORT_CHUNK) {
    const ops: WriteOp[] = []
    for (let j = i; j < Math.min(N, i + DEFAULT_IMPORT_CHUNK); j++) {
      const { type, id, ...fields } = device(j)
      ops.push({ op: 'replace', type: type as 'device', id: id as string, fields })
    }
    while (pending.length >= DEFAULT_IMPORT_IN_FLIGHT) await pending.shift()
    pending.push(s.writeMany(ops))
  }
  await Promise.all(pending)
  const secs = (performance.now() - t0) / 1000
  if (s.count('device') !== N) throw new Error('store: count')
  await s.close()
  return N / secs
}

async function viaImport (): Promise<number> {
  const s = await fresh()
  const t0 = performance.now()
  const r = await importNdjson(s, Readable.from(chunks))
  const secs = (performance.now() - t0) / 1000
  if (r.imported !== N) throw new Error('importNdjson: ' + JSON.stringify(r).slice(0, 200))
  await s.close()
  return N / secs
}

async function viaHttp (): Promise<number> {
  const s = await fresh()
  const app = await buildApp({ store: s, adminToken: 'bench' })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const t0 = performance.now()
  const res = await fetch(url + '/api/v1/import', {
    method: 'POST',
    headers: { authorization: 'Bearer bench', 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(Readable.from(chunks)) as unknown as ReadableStream,
    duplex: 'half'
  } as RequestInit)
  const r = await res.json() as { imported: number }
  const secs = (performance.now() - t0) / 1000
  if (r.imported !== N) throw new Error('http: ' + JSON.stringify(r).slice(0, 200))
  await app.close()
  await s.close()
  return N / secs
}

const res = { store: [] as number[], parse: [] as number[], http: [] as number[] }
for (let r = 0; r < ROUNDS; r++) {
  res.store.push(await viaStore())
  res.parse.push(await viaImport())
  res.http.push(await viaHttp())
  process.stdout.write(`round ${r + 1}: store ${fmt(res.store[r]!)} /s, importNdjson ${fmt(res.parse[r]!)} /s, HTTP ${fmt(res.http[r]!)} /s\n`)
}
const m = { store: median(res.store), parse: median(res.parse), http: median(res.http) }
process.stdout.write('\n' + table(['import of ' + fmt(N) + ' devices', 'records/s (median)', 'vs store'], [
  ['store.writeMany (chunks of ' + DEFAULT_IMPORT_CHUNK + ', ' + DEFAULT_IMPORT_IN_FLIGHT + ' in flight)', fmt(m.store), '1.00'],
  ['importNdjson (parse + chunk, no HTTP)', fmt(m.parse), fmt(m.parse / m.store, 2)],
  ['POST /api/v1/import over 127.0.0.1', fmt(m.http), fmt(m.http / m.store, 2)]
]) + '\n')
