/**
 * A node process of bench/join.ts: a Store and a Network (the library, as a
 * Federator node composes them; silent logs), in one of two roles.
 *
 * argv[2]: JSON { role: 'serve' | 'join', dir, join, peer?, snapshot?, hash?, lengths? }
 *   serve: opens the store in `dir` (loaded beforehand), joins the cluster and prints
 *          { ready: true, address, hash, lengths } once listening; then serves until killed.
 *   join:  a fresh store in `dir` (snapshot join on or off), static peer `peer`; prints
 *          { done: true, t, cpuMs, joined, blocks, bytes } once its view hash is `hash` and every log in
 *          `lengths` is applied that far; `t` is wall-clock ms (performance.timeOrigin + now), `blocks` and
 *          `bytes` what it holds of the logs, `phases` when the store and network were up, the first peer
 *          admitted and the snapshot join done.
 */
import pino from 'pino'
import { Store, type JoinResult } from '@federator/store'
import { Network } from '@federator/net'

interface Args { role: 'serve' | 'join', dir: string, join: string, peer?: string, snapshot?: boolean, hash?: string, lengths?: Record<string, number> }
const args = JSON.parse(process.argv[2] ?? '{}') as Args
const now = (): number => performance.timeOrigin + performance.now()
const send = (m: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(m) + '\n') }
const log = pino({ level: 'silent' })

const store = new Store({ dir: args.dir, logger: log, snapshot: { snapshotJoin: args.snapshot === true } })
await store.ready()
const tStore = now()
let joined: JoinResult | null = null
let tJoined = 0
store.on('snapshot-joined', (r) => { joined = r; tJoined = now() })
const net = new Network({ logs: store, log, join: args.join, host: '127.0.0.1', port: 0, bootstrap: [], peers: args.peer !== undefined ? [args.peer] : [] })
await net.ready()
const tNet = now()
let tAdmitted = 0
net.once('peer-admitted', () => { tAdmitted = now() })
process.on('SIGTERM', () => { net.close().then(() => store.close()).finally(() => process.exit(0)) })

if (args.role === 'serve') {
  send({
    ready: true,
    address: `${net.swarmKey!}@127.0.0.1:${net.address!.port}`,
    hash: store.viewHash(),
    lengths: Object.fromEntries(store.writers().map((w) => [w.key, w.applied]))
  })
} else {
  const want = Object.entries(args.lengths ?? {})
  const done = (): boolean => store.viewHash() === args.hash &&
    want.every(([k, n]) => (store.writers().find((w) => w.key === k)?.applied ?? 0) >= n)
  await new Promise<void>((resolve) => {
    const check = (): void => { if (done()) { store.off('applied', check); resolve() } }
    store.on('applied', check)
    check()
  })
  const t = now()
  const usage = process.cpuUsage()
  let blocks = 0
  let bytes = 0
  for (const w of store.writers()) {
    const core = store.getCore(w.key)!
    for (let i = 0; i < core.length; i++) {
      const b = await core.get(i, { wait: false })
      if (b !== null) { blocks++; bytes += b.length }
    }
  }
  send({ done: true, t, cpuMs: (usage.user + usage.system) / 1000, joined, blocks, bytes, phases: { store: tStore, net: tNet, admitted: tAdmitted, joined: tJoined } })
}
