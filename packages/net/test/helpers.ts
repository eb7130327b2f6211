/**
 * Test helpers for @federator/net: temp dirs, nodes (a real Store and a
 * Network on loopback with shrunk tunables), polling waits. Every resource
 * registers its teardown when it is created.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import dgram from 'node:dgram'
import pino from 'pino'
import { Store } from '@federator/store'
import { Network, type NetworkOptions, type ReplicatedLogs, type Tunables } from '../src/index.js'

export interface T {
  teardown (fn: () => unknown): void
}

export const log = pino({ level: process.env.FED_LOG ?? 'silent' })

export async function tmpdir (t: T, prefix = 'fed-net-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }))
  return dir
}

export const FAST: Partial<Tunables> = {
  admissionTimeoutMs: 2000,
  logAnnounceDelayMs: 10,
  lengthAnnounceMs: 100,
  softSweepMs: 100,
  heartbeatMs: 200,
  suspectAfterMissed: 2,
  deadAfterMissed: 4,
  refreshBackoffMs: [200, 400, 800, 1600, 3200],
  reconnectBackoffMs: [300, 1000, 2000, 5000],
  lanIntervalMs: 300,
  lanPeerTtlMs: 3000
}

export interface TestNode {
  net: Network
  store: Store
  dir: string
}

/** A node (store + network) on 127.0.0.1, any free port; closed at teardown (network first). */
export async function makeNode (t: T, opts: Partial<NetworkOptions> & { join: NetworkOptions['join'] }, dir?: string): Promise<TestNode> {
  dir ??= await tmpdir(t)
  const store = new Store({ dir, logger: log })
  t.teardown(() => store.close())
  await store.ready()
  const logs: ReplicatedLogs = store
  const net = new Network({ logs, log, host: '127.0.0.1', port: 0, bootstrap: [], closeGraceMs: 200, ...opts, tunables: { ...FAST, ...opts.tunables } })
  t.teardown(() => net.close())
  await net.ready()
  return { net, store, dir }
}

/** Creates a user record on the node (one log entry). */
export async function write (n: TestNode, id: string, name = id): Promise<void> {
  await n.store.write({ op: 'replace', type: 'user', id, fields: { name, extensions: [] } })
}

export function appliedOf (n: TestNode, writer: string): number {
  return n.store.writers().find(w => w.key === writer)?.applied ?? 0
}

export async function waitFor (what: string, fn: () => boolean, timeoutMs = 15_000, everyMs = 20): Promise<number> {
  const start = Date.now()
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  return Date.now() - start
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A UDP port that was free a moment ago on 127.0.0.1. */
export async function freeUdpPort (): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>(resolve => s.bind(0, '127.0.0.1', resolve))
  const port = s.address().port
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

/** true when every node has applied every node's log and all view hashes are equal. */
export function converged (nodes: TestNode[]): boolean {
  const want = nodes.map(n => [n.store.writerKey, n.store.core.length] as const)
  for (const n of nodes) {
    for (const [key, len] of want) if (appliedOf(n, key) < len) return false
  }
  return new Set(nodes.map(n => n.store.viewHash())).size === 1
}
