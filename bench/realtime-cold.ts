/**
 * npm run bench:realtime-cold — what a cold realtime lookup costs inside the node, without HTTP: a real
 * Store with BENCH_DEVICES users and devices and the RealtimeService (the built packages, as
 * `federator start` runs them), every device's `ps_endpoints` single lookup once in random order (cold:
 * the answer cache is empty for it), then the same lookups again (warm), then the `ps_auths` and
 * `ps_aors` lookups a REGISTER makes next (filled by the cold endpoint lookup). CPU time per lookup
 * (process.cpuUsage), alternated rounds with a fresh service each. `bench:realtime` measures the same
 * over HTTP against a bare Fastify; this one shows the node's own share and, with BENCH_PROFILE=<dir>,
 * writes a CPU profile of one cold pass (open it in Chrome DevTools, or summarise it by function).
 *
 * Tunables (env): BENCH_DEVICES (20000), BENCH_ROUNDS (3), BENCH_PROFILE (unset).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { Session } from 'node:inspector/promises'
import hcrypto from 'hypercore-crypto'
import { Store } from '@federator/store'
import { SoftState } from '@federator/net'
import { RealtimeService } from '@federator/server'
import { fmt, median, table, tempDir } from './lib.js'

const DEVICES = Number(process.env.BENCH_DEVICES ?? 20_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PROFILE = process.env.BENCH_PROFILE
const log = (s: string): void => { process.stderr.write(s + '\n') }
const cpuUs = (): number => { const u = process.cpuUsage(); return u.user + u.system }

async function main (): Promise<void> {
  log(`cold realtime lookups: ${fmt(DEVICES)} users + devices, ${ROUNDS} rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  const store = new Store({ dir: tempDir('realtime-cold') })
  await store.ready()
  type Op = Parameters<typeof store.writeMany>[0][number]
  let ops: Op[] = []
  for (let i = 0; i < DEVICES; i++) {
    ops.push({ op: 'replace', type: 'user', id: `u${i}`, fields: { name: `User ${i}`, extensions: [String(100_000 + i)] } })
    ops.push({ op: 'replace', type: 'device', id: `d${i}`, fields: { user: `u${i}`, secret: `S3cr3t-${i}`, codecs: ['ulaw', 'alaw', 'g722'], nat: true } })
    if (ops.length >= 2000) { await store.writeMany(ops); ops = [] }
  }
  if (ops.length > 0) await store.writeMany(ops)
  const soft = new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 10_000, maxItemBytes: 8192, maxTtlMs: 86_400_000 })
  const session = new Session()
  session.connect()

  const per = { cold: [] as number[], warm: [] as number[], next: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    const rt = new RealtimeService({ store, registrations: soft })
    await rt.ready()
    const ids = Array.from({ length: DEVICES }, (_, i) => `id=d${i}`).sort(() => Math.random() - 0.5)
    const pass = async (family: string): Promise<number> => {
      const c0 = cpuUs()
      for (const body of ids) await rt.handle(family, 'single', '', body)
      return (cpuUs() - c0) / ids.length
    }
    const profiling = PROFILE !== undefined && round === 0
    if (profiling) {
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 100 })
      await session.post('Profiler.start')
    }
    per.cold.push(await pass('ps_endpoints'))
    if (profiling) {
      const { profile } = await session.post('Profiler.stop')
      const file = join(PROFILE, `realtime-cold-${Date.now()}.cpuprofile`)
      writeFileSync(file, JSON.stringify(profile))
      log(`CPU profile of the cold pass: ${file}`)
    }
    per.warm.push(await pass('ps_endpoints'))
    per.next.push(((await pass('ps_auths')) + (await pass('ps_aors'))) / 2)
    log(`round ${round + 1}: cold ${fmt(per.cold.at(-1)!, 1)} µs, warm ${fmt(per.warm.at(-1)!, 1)} µs, auth/aor after it ${fmt(per.next.at(-1)!, 1)} µs`)
    await rt.close()
  }
  const cold = median(per.cold)
  const warm = median(per.warm)
  const next = median(per.next)
  process.stdout.write('\n' + table(['in-process CPU per lookup (median of rounds)', 'µs'], [
    ['ps_endpoints single, cold (computes and caches the endpoint, auth and AOR answers)', fmt(cold, 1)],
    ['ps_endpoints single, warm (answer cache hit)', fmt(warm, 1)],
    ['ps_auths / ps_aors single right after the cold endpoint lookup', fmt(next, 1)],
    ['a REGISTER\'s three lookups, first time (cold + 2 × after)', fmt(cold + 2 * next, 1)],
    ['the same, warm (3 × warm)', fmt(3 * warm, 1)]
  ]) + `\nload average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`)
  session.disconnect()
  await store.close()
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
