/**
 * Test helpers for @federator/net: temp dirs, a ReplicatedLogs fixture over a
 * real Corestore (one writable hypercore per node, remote writers opened and
 * downloaded live), network nodes on loopback with shrunk tunables, and
 * polling waits. Every resource registers its teardown when it is created.
 */
import { EventEmitter } from 'node:events'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import dgram from 'node:dgram'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import pino from 'pino'
import { Network, type NetworkOptions, type ReplicatedLogs, type WriterLength, type Tunables } from '../src/index.js'

export interface T {
  teardown (fn: () => unknown): void
}

export const log = pino({ level: process.env.FED_LOG ?? 'silent' })

export async function tmpdir (t: T, prefix = 'fed-net-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }))
  return dir
}

/** A node's logs: its own writable core plus every remote writer it was told about. */
export class LogsFixture extends EventEmitter implements ReplicatedLogs {
  readonly corestore: Corestore
  private own!: Hypercore
  readonly cores = new Map<string, Hypercore>()
  writerKey = ''
  private closed = false

  constructor (dir: string) {
    super()
    this.corestore = new Corestore(dir)
  }

  async ready (): Promise<void> {
    await this.corestore.ready()
    this.own = this.corestore.get({ name: 'log' })
    await this.own.ready()
    this.writerKey = this.own.key.toString('hex')
    this.cores.set(this.writerKey, this.own)
  }

  writers (): WriterLength[] {
    return [...this.cores].map(([key, core]) => ({ key, length: core.contiguousLength }))
  }

  async addWriter (key: string): Promise<void> {
    if (this.cores.has(key) || this.closed) return
    const core = this.corestore.get({ key: Buffer.from(key, 'hex') })
    this.cores.set(key, core)
    await core.ready()
    core.on('append', () => this.emit('applied'))
    core.on('download', () => this.emit('applied'))
    core.download({ start: 0, end: -1 })
    this.emit('writer', key)
  }

  async append (...blocks: string[]): Promise<void> {
    await this.own.append(blocks.map(b => Buffer.from(b)))
    this.emit('applied')
  }

  lengthOf (key: string): number {
    return this.cores.get(key)?.contiguousLength ?? 0
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.corestore.close()
  }
}

export const FAST: Partial<Tunables> = {
  admissionTimeoutMs: 2000,
  logAnnounceDelayMs: 10,
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
  logs: LogsFixture
  dir: string
}

/** A node on 127.0.0.1 (any free port), closed at teardown. */
export async function makeNode (t: T, opts: Partial<NetworkOptions> & { join: NetworkOptions['join'] }): Promise<TestNode> {
  const dir = await tmpdir(t)
  const logs = new LogsFixture(dir)
  t.teardown(() => logs.close())
  await logs.ready()
  const net = new Network({ logs, log, host: '127.0.0.1', port: 0, bootstrap: [], closeGraceMs: 200, ...opts, tunables: { ...FAST, ...opts.tunables } })
  t.teardown(() => net.close())
  await net.ready()
  return { net, logs, dir }
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

/** true when every node has every node's log at the given length. */
export function converged (nodes: TestNode[], lengths: Map<string, number>): boolean {
  for (const n of nodes) {
    for (const [key, len] of lengths) if (n.logs.lengthOf(key) < len) return false
  }
  return true
}
