/**
 * A local Federator cluster of real node processes for the multi-process
 * tests, the demo and the replication benchmark: a DHT bootstrap node on
 * 127.0.0.1 (in this process, on a probed free UDP port), N `federator start`
 * processes with the same join string, swarm and HTTP on 127.0.0.1 only, and
 * shrunk network tunables. Everything it starts is stopped by `close()`
 * (SIGKILL by PID, only the processes it started); `startCluster(t, …)`
 * registers that teardown with the test at creation.
 *
 * Convergence is observed through each node's `/api/v1/cluster`: every node
 * has applied every writer log up to the length its owner reports, and all
 * view hashes are equal. Waits have a deadline; they are never timing
 * assertions.
 */
import dgram from 'node:dgram'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { formatJoinString, newClusterSecret, runBootstrap, type BootstrapNode } from '@federator/net'
import { NodeProcess } from './node-process.js'

/** Network tunables for tests: fast heartbeats, failure detection, discovery refreshes and reconnects. */
export const FAST_NET: Record<string, unknown> = {
  admissionTimeoutMs: 2000,
  logAnnounceDelayMs: 10,
  lengthAnnounceMs: 100,
  softSweepMs: 100,
  heartbeatMs: 200,
  suspectAfterMissed: 2,
  deadAfterMissed: 4,
  refreshBackoffMs: [200, 400, 800, 1600, 3200],
  rediscoverMs: 1000,
  reconnectBackoffMs: [300, 1000, 2000, 5000],
  lanIntervalMs: 300,
  lanPeerTtlMs: 3000
}

/** Collections of the admin API used here. */
export type Collection = 'users' | 'devices' | 'trunks' | 'providers' | 'routes' | 'nodes'

/** The parts of `GET /api/v1/cluster` the tests read. */
export interface ClusterView {
  node: { name: string, writer: string, swarmKey: string | null, cluster: string | null }
  viewHash: string
  records: Record<string, number>
  conflicts: number
  quarantined: number
  writers: Array<{ key: string, name: string | null, local: boolean, length: number, applied: number, lagEntries: number, revoked: boolean }>
  nodes: Array<{ name: string | null, writer: string | null, swarmKey: string | null, state: string, self: boolean, restarting: boolean, revoked: boolean }>
  peers: Array<{ swarmKey: string, name: string | null, state: string, discovery: string, direction: string, remoteAddress: string | null, bytesRead: number, bytesWritten: number }>
  network: { enabled: false } | {
    enabled: true
    address: string | null
    discovery: { dht: unknown, static: string[], lan: { announcementsSent: number, announcementsReceived: number } | null }
    counters: { connections: number, admitted: number, rejected: Record<string, number>, firewalled: number }
  }
}

export class HttpError extends Error {
  constructor (readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`)
  }
}

/** A node process with helpers for the admin API. */
export class ClusterNode extends NodeProcess {
  constructor (readonly name: string, dataDir: string, args: string[], env: NodeJS.ProcessEnv, readonly adminToken: string) {
    super(dataDir, args, env)
  }

  override async start (t?: Test): Promise<string> {
    const url = await super.start(t)
    this.token = this.adminToken
    return url
  }

  /** An admin API request (JSON content type only when there is a body: Fastify refuses an empty JSON body). */
  override async api (path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` }
    if (init.body !== undefined && init.body !== null) headers['content-type'] = 'application/json'
    return await fetch(this.url + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } })
  }

  /** true while the process runs (also when stopped with SIGSTOP) */
  get running (): boolean {
    const p = this.proc
    return p !== null && p.exitCode === null && p.signalCode === null
  }

  /** `path` answered as JSON; throws HttpError on a non-2xx answer. */
  async json<T = unknown> (path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.api(path, init)
    const text = await res.text()
    if (!res.ok) throw new HttpError(res.status, text, `${init.method ?? 'GET'} ${path} on ${this.name}`)
    return (text === '' ? undefined : JSON.parse(text)) as T
  }

  status (): Promise<ClusterView> {
    return this.json<ClusterView>('/api/v1/cluster')
  }

  async viewHash (): Promise<string> {
    return (await this.status()).viewHash
  }

  /** The record's fields, or undefined when it does not exist here. */
  async get (c: Collection, id: string): Promise<Record<string, unknown> | undefined> {
    const res = await this.api(`/api/v1/${c}/${encodeURIComponent(id)}`)
    if (res.status === 404) { await res.arrayBuffer(); return undefined }
    const text = await res.text()
    if (!res.ok) throw new HttpError(res.status, text, `GET ${c}/${id} on ${this.name}`)
    return JSON.parse(text) as Record<string, unknown>
  }

  /** Create or replace (PUT). Resolves once the write is acknowledged (in the log and applied). */
  put (c: Collection, id: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.json(`/api/v1/${c}/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify(fields) })
  }

  /** JSON merge patch. */
  patch (c: Collection, id: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.json(`/api/v1/${c}/${encodeURIComponent(id)}`, { method: 'PATCH', body: JSON.stringify(fields) })
  }

  async remove (c: Collection, id: string): Promise<void> {
    await this.json(`/api/v1/${c}/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }

  /** Every record of a collection (all pages). */
  async list (c: Collection): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = []
    let cursor: string | null = null
    do {
      const q: string = cursor === null ? '' : '&cursor=' + encodeURIComponent(cursor)
      const page: { items: Array<Record<string, unknown>>, nextCursor: string | null } = await this.json(`/api/v1/${c}?limit=1000${q}`)
      out.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== null)
    return out
  }

  /** Every record with conflicts (all pages). */
  async conflicts (): Promise<ConflictItem[]> {
    const out: ConflictItem[] = []
    let cursor: string | null = null
    do {
      const q: string = cursor === null ? '' : '&cursor=' + encodeURIComponent(cursor)
      const page: { items: ConflictItem[], nextCursor: string | null } = await this.json(`/api/v1/conflicts?limit=1000${q}`)
      out.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== null)
    return out
  }

  /** Bulk upsert through `POST /api/v1/import` (NDJSON: `{ type, id, …fields }` per line). */
  importNdjson (records: Array<Record<string, unknown>> | string): Promise<{ imported: number, failed: number }> {
    const body = typeof records === 'string' ? records : records.map((r) => JSON.stringify(r)).join('\n') + '\n'
    return this.json('/api/v1/import', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } })
  }

  /** `publicKey@host:port` of this node's swarm socket (for --peer). */
  async peerAddress (): Promise<string> {
    const s = await this.status()
    if (!s.network.enabled || s.network.address === null || s.node.swarmKey === null) throw new Error(`${this.name} is not in a cluster`)
    return `${s.node.swarmKey}@${s.network.address}`
  }
}

export interface ConflictItem {
  type: string
  id: string
  conflicts: Array<{ field: string, value?: unknown, writer: string, node?: string, losers: Array<{ value?: unknown, writer: string, node?: string }> }>
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort (host = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, host, resolve) })
  const port = s.address().port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** A TCP port that was free a moment ago. */
export async function freeTcpPort (host = '127.0.0.1'): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(0, host, resolve) })
  const addr = srv.address()
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  if (addr === null || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

/** A DHT bootstrap node on 127.0.0.1, in this process, on a free UDP port (probed; retried if taken meanwhile). */
export async function startBootstrap (host = '127.0.0.1'): Promise<BootstrapNode> {
  let last: unknown
  for (let i = 0; i < 5; i++) {
    const port = await freeUdpPort(host)
    try {
      const b = await runBootstrap({ host, port })
      if (b.address.port === port) return b
      await b.close()
    } catch (err) { last = err }
  }
  throw new Error('could not start a bootstrap node: ' + String(last))
}

export interface NodeSpec {
  /** node name (default n<index>) */
  name?: string
  /** data dir (default: a fresh one under the cluster's dir) */
  dataDir?: string
  /** join string (default: the cluster's); null: not in a cluster */
  join?: string | null
  /** use the cluster's bootstrap node (default true when the cluster has one) */
  bootstrap?: boolean
  /** static peers publicKey@host:port */
  peers?: string[]
  /** --swarm-port (default 0) */
  swarmPort?: number
  /** --swarm-host (default 127.0.0.1) */
  swarmHost?: string
  /** --lan (the interface address, e.g. 127.0.0.1) */
  lan?: string
  /** extra network tunables (merged over FAST_NET) */
  net?: Record<string, unknown>
  /** extra CLI args */
  args?: string[]
  env?: NodeJS.ProcessEnv
  /** run the node under this command (NodeProcess.prefix), e.g. ['setsid'] */
  prefix?: string[]
  /** build the process object (default: a ClusterNode); e.g. a node inside a network namespace */
  make?: (name: string, dataDir: string, args: string[], env: NodeJS.ProcessEnv, token: string) => ClusterNode
}

export interface ClusterOptions {
  /** how many nodes to start at once (default 3) */
  nodes?: number
  /** start a local DHT bootstrap node (default true) */
  bootstrap?: boolean
  /** per-node options by index */
  spec?: (i: number) => NodeSpec
  /** network tunables for every node, over FAST_NET (or over the product defaults with `fastNet: false`) */
  net?: Record<string, unknown>
  /** start from FAST_NET (default true) */
  fastNet?: boolean
  /** parent dir for data dirs (default: a new temp dir, removed by close()) */
  dir?: string
  logLevel?: string
}

export class LocalCluster {
  readonly nodes: ClusterNode[] = []
  readonly join: string
  readonly token = randomBytes(24).toString('base64url')
  bootstrap: BootstrapNode | null = null
  private counter = 0
  private closing: Promise<void> | null = null
  private ownDir = false

  private constructor (readonly dir: string, readonly opts: ClusterOptions) {
    this.join = formatJoinString(newClusterSecret())
  }

  /** Start the bootstrap node and `opts.nodes` nodes (in parallel). Call close() when done. */
  static async start (opts: ClusterOptions = {}): Promise<LocalCluster> {
    const own = opts.dir === undefined
    const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'fed-cluster-'))
    const c = new LocalCluster(dir, opts)
    c.ownDir = own
    try {
      if (opts.bootstrap !== false) c.bootstrap = await startBootstrap()
      const n = opts.nodes ?? 3
      await Promise.all(Array.from({ length: n }, async (_, i) => await c.addNode(opts.spec?.(i) ?? {})))
    } catch (err) {
      await c.close()
      throw err
    }
    return c
  }

  get bootstrapAddress (): string | null {
    return this.bootstrap === null ? null : `${this.bootstrap.address.host}:${this.bootstrap.address.port}`
  }

  /** The CLI arguments of a node (without --data/--http, which NodeProcess adds). */
  argsFor (spec: NodeSpec, name: string): string[] {
    const args = ['--name', name, '--swarm-host', spec.swarmHost ?? '127.0.0.1', '--swarm-port', String(spec.swarmPort ?? 0)]
    if (this.opts.logLevel !== undefined) args.push('--log-level', this.opts.logLevel)
    const joinString = spec.join === undefined ? this.join : spec.join
    if (joinString !== null) args.push('--join', joinString)
    if (spec.bootstrap !== false && this.bootstrapAddress !== null) args.push('--bootstrap', this.bootstrapAddress)
    for (const p of spec.peers ?? []) args.push('--peer', p)
    if (spec.lan !== undefined) args.push('--lan', spec.lan)
    args.push(...(spec.args ?? []))
    return args
  }

  /** Create and start one more node. */
  async addNode (spec: NodeSpec = {}): Promise<ClusterNode> {
    const node = this.createNode(spec)
    this.nodes.push(node)
    await node.start()
    return node
  }

  /** Create a node process without starting it (it is still stopped by close()). */
  createNode (spec: NodeSpec = {}): ClusterNode {
    const i = this.counter++
    const name = spec.name ?? `n${i}`
    const dataDir = spec.dataDir ?? join(this.dir, name)
    const env: NodeJS.ProcessEnv = {
      FEDERATOR_ADMIN_TOKEN: this.token,
      FEDERATOR_NET: JSON.stringify({ ...(this.opts.fastNet === false ? {} : FAST_NET), ...this.opts.net, ...spec.net }),
      ...spec.env
    }
    const args = this.argsFor(spec, name)
    const node = spec.make?.(name, dataDir, args, env, this.token) ?? new ClusterNode(name, dataDir, args, env, this.token)
    if (spec.prefix !== undefined) node.prefix = spec.prefix
    this.created.push(node)
    return node
  }

  /** every node created (started with addNode or not): close() stops them all */
  private readonly created: ClusterNode[] = []

  node (name: string): ClusterNode {
    const n = this.created.find((x) => x.name === name)
    if (n === undefined) throw new Error('no node ' + name)
    return n
  }

  /**
   * Stop every process this cluster started (SIGKILL by PID; `graceful`: SIGTERM first, SIGKILL after
   * `graceMs`), stop the bootstrap node, remove the temp dir. Idempotent.
   */
  close (opts: { graceful?: boolean, graceMs?: number } = {}): Promise<void> {
    return (this.closing ??= (async () => {
      await Promise.all(this.created.map(async (n) => {
        if (!n.running) return
        n.proc!.kill('SIGCONT')
        if (opts.graceful === true) {
          const timer = setTimeout(() => { if (n.running) n.proc!.kill('SIGKILL') }, opts.graceMs ?? 5000)
          await n.kill('SIGTERM')
          clearTimeout(timer)
        } else {
          await n.kill('SIGKILL')
        }
      }))
      await this.bootstrap?.close()
      if (this.ownDir) await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
    })())
  }
}

/** Start a cluster whose teardown is registered with the test at creation. */
export async function startCluster (t: Test, opts: ClusterOptions = {}): Promise<LocalCluster> {
  let cluster: LocalCluster | null = null
  t.teardown(async () => { await cluster?.close() })
  cluster = await LocalCluster.start(opts)
  return cluster
}

/**
 * One look at the nodes: converged when every node has applied every given
 * node's log up to the length that node reports for itself, and all view
 * hashes are equal. `detail` says what is missing otherwise.
 */
export async function convergence (nodes: ClusterNode[]): Promise<{ ok: boolean, hash: string, detail: string, views: ClusterView[] }> {
  const views = await Promise.all(nodes.map(async (n) => await n.status()))
  const own = new Map<string, { name: string, length: number }>()
  views.forEach((v, i) => {
    const w = v.writers.find((x) => x.local)
    if (w !== undefined) own.set(w.key, { name: nodes[i]!.name, length: w.length })
  })
  const missing: string[] = []
  views.forEach((v, i) => {
    for (const [key, o] of own) {
      const w = v.writers.find((x) => x.key === key)
      if ((w?.applied ?? 0) < o.length) missing.push(`${nodes[i]!.name} has ${w?.applied ?? 0}/${o.length} of ${o.name}`)
    }
  })
  const hashes = new Set(views.map((v) => v.viewHash))
  const ok = missing.length === 0 && hashes.size === 1
  const detail = missing.length > 0 ? missing.join('; ') : hashes.size > 1 ? 'view hashes differ: ' + views.map((v, i) => `${nodes[i]!.name}=${v.viewHash.slice(0, 12)}`).join(' ') : 'converged'
  return { ok, hash: views[0]?.viewHash ?? '', detail, views }
}

/** Wait (with a deadline, not a timing assertion) until the nodes converge; resolves with the common view hash. */
export async function waitConverged (nodes: ClusterNode[], timeoutMs = 30_000, everyMs = 50): Promise<string> {
  const end = Date.now() + timeoutMs
  let last = 'no answer yet'
  for (;;) {
    try {
      const c = await convergence(nodes)
      if (c.ok) return c.hash
      last = c.detail
    } catch (err) { last = (err as Error).message }
    if (Date.now() > end) throw new Error(`nodes ${nodes.map((n) => n.name).join(', ')} did not converge within ${timeoutMs} ms: ${last}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Poll a predicate over a value with a deadline; resolves with the value that satisfied it. */
export async function waitFor<T> (what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: T | undefined
  let error = ''
  for (;;) {
    try {
      last = await get()
      if (ok(last)) return last
    } catch (err) { error = (err as Error).message }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${error !== '' ? error : JSON.stringify(last)?.slice(0, 1000)}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
