/**
 * The baseline of bench/replication.ts: one plain corestore replicating over
 * hyperswarm on the benchmark's private DHT (the DHT settings of a Federator
 * node, as in @federator/net's createDht, on 127.0.0.1), in its own process — no
 * admission, no log exchange, no soft state, no decoding, no view. A reader
 * follows a core the way the store's Follower does (live download of the whole
 * core, blocks read in order in chunks of 64) and throws the bytes away.
 *
 * argv[2]: JSON { dir, bootstrap: { host, port }, topic: hex }.
 * stdin/stdout: JSON lines; each command has an `id`, each answer repeats it.
 *   { cmd: 'create' }                         → { key }          the writable core
 *   { cmd: 'follow', key }                    → { ok }
 *   { cmd: 'waitFor', length }                → { t }            when blocks [0, length) were read (first reached)
 *   { cmd: 'append', blocks: base64[] }       → { t, length }    t: just before the append call
 *   { cmd: 'appendAll', dir, key, batch }     → { t0, t1, blocks, bytes }  loads another corestore's blocks, then appends them
 *   { cmd: 'bytes' }                          → { read, written } over all connections so far
 *   { cmd: 'peers' }                          → { peers }
 * Times are wall-clock ms with sub-ms precision (performance.timeOrigin + now), comparable across processes.
 */
import readline from 'node:readline'
import Corestore from 'corestore'
import Hyperswarm from 'hyperswarm'
import type Hypercore from 'hypercore'
import HyperDHT from 'hyperdht'

const cfg = JSON.parse(process.argv[2] ?? '{}') as { dir: string, bootstrap: { host: string, port: number }, topic: string }
const now = (): number => performance.timeOrigin + performance.now()
const send = (m: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(m) + '\n') }

const store = new Corestore(cfg.dir)
await store.ready()
const keyPair = await store.createKeyPair('raw-swarm')
// as @federator/net's createDht: explicit bootstrap array and host, any free port, not firewalled
const dht = new HyperDHT({ bootstrap: [cfg.bootstrap], host: '127.0.0.1', port: [0, 0], firewalled: false, keyPair })
const swarm = new Hyperswarm({ dht, keyPair })
const conns = new Set<{ rawBytesRead: number, rawBytesWritten: number }>()
let closedRead = 0
let closedWritten = 0
swarm.on('connection', (conn) => {
  conns.add(conn)
  conn.on('error', () => {})
  conn.on('close', () => { conns.delete(conn); closedRead += conn.rawBytesRead; closedWritten += conn.rawBytesWritten })
  store.replicate(conn)
})
const discovery = swarm.join(Buffer.from(cfg.topic, 'hex'), { server: true, client: true })
for (const ms of [200, 600, 1400, 3000, 6200]) setTimeout(() => { discovery.refresh().catch(() => {}) }, ms).unref()

let writer: Hypercore | null = null
let reader: Hypercore | null = null
let readUpto = 0
/** (readUpto, time it was reached), in order: waitFor answers with the time a length was first reached */
const progress: Array<[number, number]> = []
const waiters: Array<{ length: number, resolve: (t: number) => void }> = []
let running = false

async function follow (): Promise<void> {
  if (running || reader === null) return
  running = true
  try {
    while (readUpto < reader.length) {
      const from = readUpto
      const upto = Math.min(reader.length, from + 64)
      await Promise.all(Array.from({ length: upto - from }, async (_, i) => await reader!.get(from + i)))
      readUpto = upto
      const t = now()
      progress.push([upto, t])
      if (progress.length > 100_000) progress.splice(0, 50_000)
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.length <= readUpto) waiters.splice(i, 1)[0]!.resolve(t)
    }
  } finally {
    running = false
  }
  if (readUpto < reader.length) void follow()
}

async function handle (m: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (m.cmd) {
    case 'create': {
      writer = store.get({ name: 'log' })
      await writer.ready()
      return { key: writer.key.toString('hex') }
    }
    case 'follow': {
      reader = store.get({ key: Buffer.from(m.key as string, 'hex') })
      await reader.ready()
      reader.on('append', () => { void follow() })
      reader.download({ start: 0, end: -1 })
      void follow()
      return { ok: true }
    }
    case 'waitFor': {
      const length = m.length as number
      const t = readUpto >= length ? progress.find(([upto]) => upto >= length)?.[1] ?? now() : await new Promise<number>((resolve) => waiters.push({ length, resolve }))
      return { t }
    }
    case 'append': {
      const blocks = (m.blocks as string[]).map((b) => Buffer.from(b, 'base64'))
      const t = now()
      const r = await writer!.append(blocks)
      return { t, length: r.length }
    }
    case 'appendAll': {
      const src = new Corestore(m.dir as string)
      const core = src.get({ key: Buffer.from(m.key as string, 'hex') })
      await core.ready()
      const from = (m.from as number | undefined) ?? 0
      const to = (m.to as number | undefined) ?? core.length
      const blocks: Buffer[] = []
      let bytes = 0
      for (let i = from; i < to; i++) { const b = (await core.get(i))!; blocks.push(b); bytes += b.length }
      await src.close()
      const batch = (m.batch as number | undefined) ?? 16
      const t0 = now()
      for (let i = 0; i < blocks.length; i += batch) await writer!.append(blocks.slice(i, i + batch))
      return { t0, t1: now(), blocks: blocks.length, bytes }
    }
    case 'bytes': {
      let read = closedRead
      let written = closedWritten
      for (const c of conns) { read += c.rawBytesRead; written += c.rawBytesWritten }
      return { read, written }
    }
    case 'peers':
      return { peers: conns.size }
    default:
      throw new Error('unknown command ' + String(m.cmd))
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line) as Record<string, unknown>
  handle(m).then((r) => send({ id: m.id, ...r }), (err: unknown) => send({ id: m.id, error: String((err as Error).stack ?? err) }))
})
process.on('SIGTERM', () => {
  swarm.destroy().then(async () => await store.close()).finally(() => process.exit(0))
})
send({ ready: true, swarmKey: keyPair.publicKey.toString('hex') })
