/**
 * A private virtual LAN for the cluster tests, made of Linux network
 * namespaces that the test creates and removes: a "switch" namespace holding
 * bridges, one namespace per host with a veth cable into a bridge, and
 * optional cables between bridges (cut one with `setLink(…, 'down')` and the
 * two halves are partitioned for real: packets stop at the cable). The host's
 * own network is never touched.
 *
 * A node in a namespace listens for HTTP on that namespace's 127.0.0.1; the
 * test reaches it through two forwarders: a small process inside the
 * namespace (Unix socket → 127.0.0.1:port; the file system is shared) and a
 * TCP listener in the test process (127.0.0.1:any → that Unix socket), so the
 * node's `url` works from the host like any other.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createConnection, createServer, type Server } from 'node:net'
import { join } from 'node:path'
import type { Test } from 'tap'
import { ClusterNode } from '../helpers/cluster.js'
import { CLI } from '../helpers/node-process.js'

export function ip (...args: string[]): string {
  return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
}

/** null when `ip netns` works here, else why not (for a skip message). */
export function netnsDenied (): string | null {
  const probe = `fedprobe${process.pid % 100000}${randomBytes(2).toString('hex')}`
  try {
    ip('netns', 'add', probe)
    ip('netns', 'del', probe)
    return null
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message
  }
}

export class NetLab {
  readonly tag = `fc${process.pid % 10000}${randomBytes(2).toString('hex')}`
  readonly switchNs = `${this.tag}-sw`
  private readonly namespaces: string[] = []
  private hosts = 0
  private cables = 0

  /** `subnet`: the first three octets of the LAN's /24, e.g. '10.214.7' */
  constructor (readonly subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`) {}

  /** Create the switch namespace. Register `close()` as teardown before calling. */
  open (): void {
    this.addNs(this.switchNs)
    ip('-n', this.switchNs, 'link', 'set', 'lo', 'up')
  }

  private addNs (name: string): void {
    ip('netns', 'add', name)
    this.namespaces.push(name)
  }

  addBridge (name: string): void {
    ip('-n', this.switchNs, 'link', 'add', name, 'type', 'bridge')
    ip('-n', this.switchNs, 'link', 'set', name, 'up')
  }

  /** A cable between two bridges; returns the name of its end on `a` (for setLink). */
  linkBridges (a: string, b: string): string {
    const n = this.cables++
    const ea = `c${n}a`
    const eb = `c${n}b`
    ip('-n', this.switchNs, 'link', 'add', ea, 'type', 'veth', 'peer', 'name', eb)
    ip('-n', this.switchNs, 'link', 'set', ea, 'master', a)
    ip('-n', this.switchNs, 'link', 'set', eb, 'master', b)
    ip('-n', this.switchNs, 'link', 'set', ea, 'up')
    ip('-n', this.switchNs, 'link', 'set', eb, 'up')
    return ea
  }

  /** Cut ('down') or restore ('up') a cable end in the switch namespace. */
  setLink (end: string, state: 'up' | 'down'): void {
    ip('-n', this.switchNs, 'link', 'set', end, state)
  }

  /** A host namespace plugged into `bridge`, with address <subnet>.<n>/24 on lan0 and loopback up. */
  addHost (bridge: string): { ns: string, ip: string } {
    const n = ++this.hosts
    const ns = `${this.tag}-h${n}`
    this.addNs(ns)
    ip('-n', this.switchNs, 'link', 'add', `p${n}`, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', ns)
    ip('-n', this.switchNs, 'link', 'set', `p${n}`, 'master', bridge)
    ip('-n', this.switchNs, 'link', 'set', `p${n}`, 'up')
    const addr = `${this.subnet}.${n}`
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'lan0')
    ip('-n', ns, 'link', 'set', 'lan0', 'up')
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    return { ns, ip: addr }
  }

  /** Remove every namespace this lab created (their interfaces go with them). Idempotent. */
  close (): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      try { ip('netns', 'del', ns) } catch {}
    }
  }
}

const FORWARDER = `
const net = require('node:net')
const [sock, port] = process.argv.slice(1)
net.createServer((c) => {
  const u = net.connect(Number(port), '127.0.0.1')
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy())
  c.pipe(u).pipe(c)
}).listen(sock, () => process.stdout.write('ready\\n'))
`

/** A cluster node running inside a network namespace, reachable from the test through forwarders. */
export class NetnsNode extends ClusterNode {
  private forwarder: ChildProcess | null = null
  private proxy: Server | null = null

  constructor (name: string, dataDir: string, args: string[], env: NodeJS.ProcessEnv, token: string, readonly ns: string, readonly sockDir: string) {
    super(name, dataDir, args, env, token)
    this.prefix = ['ip', 'netns', 'exec', ns]
  }

  override async start (t?: Test): Promise<string> {
    this.closeForwarders()
    const inner = await super.start(t)
    const port = new URL(inner).port
    const sock = join(this.sockDir, `${this.name}-${randomBytes(3).toString('hex')}.sock`)
    const fw = this.forwarder = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '-e', FORWARDER, sock, port], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      fw.stdout!.once('data', () => resolve())
      fw.once('exit', (code) => reject(new Error(`forwarder for ${this.name} exited with ${code}`)))
    })
    const proxy = this.proxy = createServer((c) => {
      const u = createConnection(sock)
      c.on('error', () => u.destroy())
      u.on('error', () => c.destroy())
      c.pipe(u).pipe(c)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const a = proxy.address()
    this.url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`
    return this.url
  }

  private closeForwarders (): void {
    if (this.forwarder !== null && this.forwarder.exitCode === null && this.forwarder.signalCode === null) this.forwarder.kill('SIGKILL')
    this.forwarder = null
    this.proxy?.close()
    this.proxy = null
  }

  override async kill (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const code = await super.kill(signal)
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') this.closeForwarders()
    return code
  }
}

/** `federator bootstrap` inside a namespace (its own process, stopped at teardown); resolves once it listens. */
export async function netnsBootstrap (t: Test, ns: string, host: string, port = 49737): Promise<{ address: string, proc: ChildProcess }> {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'bootstrap', '--host', host, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGKILL')
    await exited
  })
  let out = ''
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bootstrap did not start: ' + err)), 30_000)
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('listening on')) { clearTimeout(timer); resolve() }
    })
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`bootstrap exited with ${code}: ${err}`)) })
  })
  return { address: `${host}:${port}`, proc }
}
