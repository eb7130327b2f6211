/**
 * One real Asterisk process for a test: its own short directory under /tmp (the control socket path
 * must stay under 108 bytes), its own loopback address (127.x.y.z, so instances tell each other apart
 * by IP as PBXs on a LAN do) and SIP port, its configuration from `config.ts`. `start()` waits for
 * `core waitfullybooted`; `rx()` runs a CLI command over the control socket; `stop()` asks
 * `core stop now`, then SIGTERM and SIGKILL by PID. With a tap test given, teardown is registered at
 * creation and a failed test keeps the directory (logs in `<dir>/log/full.log`) and prints its path.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { instanceConfig, type ConfigInput, type Stack } from './config.js'
import type { AsteriskInstall } from './locate.js'

export interface InstanceOptions extends Omit<ConfigInput, 'dir' | 'moddir' | 'datadir' | 'address' | 'sipPort' | 'name'> {
  name?: string
  address?: string
  sipPort?: number
  /** astdatadir (sounds, moh, documentation): default the install's; see `promptDatadir()` */
  datadir?: string
  /** keep the directory even when the test passed */
  keep?: boolean
}

const BOOT_MS = 30_000

/** A loopback address nobody else is likely to use (random 127.a.b.c), whose SIP port is free. */
export async function freeLoopbackAddress (port = 5060): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const r = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1))
    const address = `127.${r(100, 250)}.${r(1, 254)}.${r(2, 254)}`
    const free = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4')
      s.once('error', () => resolve(false))
      s.bind(port, address, () => s.close(() => resolve(true)))
    })
    if (free) return address
  }
  throw new Error('no free loopback address')
}

let seq = 0

export class AsteriskInstance {
  readonly dir: string
  readonly name: string
  readonly stack: Stack
  address = ''
  sipPort = 5060
  proc: ChildProcess | null = null
  output = ''
  private stopping: Promise<void> | null = null

  constructor (readonly install: AsteriskInstall, readonly opts: InstanceOptions) {
    this.dir = mkdtempSync('/tmp/ast-')
    this.name = opts.name ?? `ast${seq++}`
    this.stack = opts.stack
  }

  get pid (): number | undefined { return this.proc?.pid }
  get confPath (): string { return join(this.dir, 'etc', 'asterisk.conf') }
  /** `host:port` of its SIP listener */
  get sipAddress (): string { return `${this.address}:${this.sipPort}` }
  get running (): boolean { return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null }

  /** Write the configuration (again: a restart picks up changes) and start; resolves once fully booted. */
  async start (t?: Test): Promise<this> {
    if (this.address === '') {
      this.address = this.opts.address ?? await freeLoopbackAddress(this.opts.sipPort ?? 5060)
      this.sipPort = this.opts.sipPort ?? 5060
      if (t !== undefined) {
        t.teardown(async () => {
          await this.stop()
          const failed = !t.passing()
          if (failed || this.opts.keep === true) {
            t.comment(`Asterisk ${this.name} kept in ${this.dir} (log/full.log)`)
            if (failed) t.comment(this.logTail(60))
          } else {
            rmSync(this.dir, { recursive: true, force: true })
          }
        })
      }
    }
    this.writeConfig()
    this.output = ''
    const out = openSync(join(this.dir, 'log', 'stdout.log'), 'a')
    const p = spawn(this.install.binary, ['-C', this.confPath, '-f', '-n', '-g'], {
      env: { ...process.env, LD_LIBRARY_PATH: this.install.libdir },
      stdio: ['ignore', out, out],
      cwd: this.dir // a crash leaves its core file with the instance's logs, not in the repository
    })
    closeSync(out)
    this.proc = p
    this.stopping = null
    const exited = new Promise<never>((_resolve, reject) => p.once('exit', (code, sig) => reject(new Error(`Asterisk ${this.name} exited (${code ?? sig}) while booting:\n${this.logTail(40)}`))))
    exited.catch(() => {})
    const end = Date.now() + BOOT_MS
    const ctl = join(this.dir, 'run', 'asterisk.ctl')
    while (!existsSync(ctl)) {
      if (Date.now() > end) throw new Error(`Asterisk ${this.name}: no control socket after ${BOOT_MS} ms:\n${this.logTail(40)}`)
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))])
    }
    await Promise.race([exited, this.rx('core waitfullybooted', BOOT_MS)])
    return this
  }

  private writeConfig (): void {
    for (const d of ['etc', 'run', 'log', 'lib', 'spool', 'cache']) mkdirSync(join(this.dir, d), { recursive: true })
    const files = instanceConfig({
      ...this.opts,
      dir: this.dir,
      name: this.name,
      moddir: this.install.moddir,
      datadir: this.opts.datadir ?? this.install.datadir,
      address: this.address,
      sipPort: this.sipPort
    })
    for (const [name, text] of files) writeFileSync(join(this.dir, 'etc', name), text)
  }

  /** Run an Asterisk CLI command on this instance; resolves with its output. */
  rx (command: string, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.install.binary, ['-C', this.confPath, '-rx', command], {
        env: { ...process.env, LD_LIBRARY_PATH: this.install.libdir }, timeout: timeoutMs
      }, (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`asterisk -rx '${command}' on ${this.name}: ${err.message}\n${stderr}`))
        else resolve(stdout)
      })
    })
  }

  /** The lines of Asterisk's full log (everything since the instance directory was made). */
  log (): string {
    const f = join(this.dir, 'log', 'full.log')
    return existsSync(f) ? readFileSync(f, 'utf8') : ''
  }

  logTail (n: number): string {
    const stdout = join(this.dir, 'log', 'stdout.log')
    const text = this.log() || (existsSync(stdout) ? readFileSync(stdout, 'utf8') : '')
    return text.split('\n').slice(-n).join('\n')
  }

  /** Stop: `core stop now`, then SIGTERM, then SIGKILL, by PID. Idempotent. */
  stop (): Promise<void> {
    if (this.stopping !== null) return this.stopping
    const p = this.proc
    if (p === null || p.exitCode !== null || p.signalCode !== null) return Promise.resolve()
    this.stopping = (async () => {
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()))
      const wait = async (ms: number): Promise<boolean> => await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))])
      await this.rx('core stop now', 5000).catch(() => {})
      if (await wait(5000)) return
      p.kill('SIGTERM')
      if (await wait(3000)) return
      p.kill('SIGKILL')
      await exited
    })()
    return this.stopping
  }

  /** Kill at once (SIGKILL), as a crash. */
  async kill (): Promise<void> {
    const p = this.proc
    if (p === null || p.exitCode !== null || p.signalCode !== null) return
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()))
    p.kill('SIGKILL')
    await exited
  }
}
