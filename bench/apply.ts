/**
 * npm run bench:apply — the store's apply path alone, in one process, no HTTP and no network: the CPU a
 * writer spends per record (writeMany of BENCH_RECORDS devices, in chunks as an import does: prepare,
 * append, apply) and the CPU a reader spends per record (a second store following the writer's log over
 * an in-process replication stream: read, decode, apply). Run it under `node --cpu-prof` to see where the
 * time goes (BENCH_PHASE=writer or reader limits the run to one phase of interest; the other still runs).
 *
 * Tunables (env): BENCH_RECORDS (100000), BENCH_CHUNK (2000, records per writeMany), BENCH_IN_FLIGHT (2).
 */
import { cpuUsage } from 'node:process'
import { Store } from '@federator/store' // with --conditions=fed-source the sources, without it dist/ (line numbers in a --cpu-prof)
import { fmt, tempDir } from './lib.js'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000)
const CHUNK = Number(process.env.BENCH_CHUNK ?? 2000)
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2)

const device = (i: number): Record<string, unknown> => ({
  user: `user${i % 5000}`, secret: 'S3cr3t-' + String(i).padStart(8, '0'), codecs: ['ulaw', 'alaw', 'g722'], context: 'from-internal', maxContacts: 2
})

const cpuMs = (): number => { const u = cpuUsage(); return (u.user + u.system) / 1000 }

async function main (): Promise<void> {
  const writer = new Store({ dir: tempDir('apply-w') })
  await writer.ready()
  const c0 = cpuMs()
  const t0 = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < RECORDS) {
      const from = next
      next = Math.min(RECORDS, next + CHUNK)
      const ops = []
      for (let i = from; i < next; i++) ops.push({ op: 'replace' as const, type: 'device' as const, id: `dev${i}`, fields: device(i) })
      const res = await writer.writeMany(ops)
      if (res.some((r) => r instanceof Error)) throw new Error('a write failed')
    }
  }))
  const wMs = performance.now() - t0
  const wCpu = cpuMs() - c0
  const blocks = writer.core.length

  const reader = new Store({ dir: tempDir('apply-r') })
  await reader.ready()
  const a = writer.replicate(true) as NodeJS.ReadWriteStream
  const b = reader.replicate(false) as NodeJS.ReadWriteStream
  a.pipe(b).pipe(a)
  const c1 = cpuMs()
  const t1 = performance.now()
  process.stderr.write(`reader phase from ${(t1 / 1000).toFixed(1)} s after the process start (to cut a --cpu-prof)\n`)
  const done = new Promise<void>((resolve) => {
    reader.on('applied', (w, n) => { if (w === writer.writerKey && n >= blocks) resolve() })
  })
  await reader.addWriter(writer.writerKey)
  await done
  const rMs = performance.now() - t1
  const rCpu = cpuMs() - c1
  if (reader.viewHash() !== writer.viewHash()) throw new Error('view hashes differ')
  const mem = process.memoryUsage()
  process.stdout.write(`apply benchmark: ${fmt(RECORDS)} devices in ${fmt(blocks)} blocks\n` +
    `  writer: ${fmt(wMs)} ms (${fmt(RECORDS / wMs * 1000)} rec/s), CPU ${fmt(wCpu * 1000 / RECORDS, 1)} µs/record\n` +
    `  reader: ${fmt(rMs)} ms (${fmt(RECORDS / rMs * 1000)} rec/s), CPU ${fmt(rCpu * 1000 / RECORDS, 1)} µs/record (includes serving the writer's side of replication)\n` +
    `  process RSS ${fmt(mem.rss / 1048576)} MB, heap ${fmt(mem.heapUsed / 1048576)} MB\n`)
  await reader.close()
  await writer.close()
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
