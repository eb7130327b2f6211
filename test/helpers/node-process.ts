/**
 * Run real `federator` processes (the built CLI, packages/federator/dist/cli.js)
 * for end-to-end and cluster tests. Each process gets a temp data dir and an
 * HTTP port chosen by the OS; `start()` resolves once the node prints its URL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const CLI = fileURLToPath(new URL('../../packages/federator/dist/cli.js', import.meta.url))

export interface RunResult { code: number | null, stdout: string, stderr: string }

/** Run a CLI command to completion. */
export function runCli (args: string[], opts: { env?: NodeJS.ProcessEnv, input?: string, timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`federator ${args.join(' ')} timed out\n${stderr}`)) }, opts.timeoutMs ?? 60_000)
    p.on('error', reject)
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
    p.stdin.end(opts.input ?? '')
  })
}

export class NodeProcess {
  proc: ChildProcess | null = null
  url = ''
  token = ''
  stdout = ''
  stderr = ''
  /** a command to run the node under, e.g. ['ip', 'netns', 'exec', 'ns1'] (it must exec the node: same PID) */
  prefix: string[] = []
  /** the CLI script to run (another build, e.g. the previous release for upgrade tests) */
  cli = CLI

  constructor (readonly dataDir: string, readonly args: string[] = [], readonly env: NodeJS.ProcessEnv = {}) {}

  /** Start the node; resolves with its URL once it listens. */
  async start (t?: Test): Promise<string> {
    this.stdout = ''
    const cmd = [...this.prefix, process.execPath]
    const p = spawn(cmd[0]!, [...cmd.slice(1), this.cli, 'start', '--data', this.dataDir, '--http', '127.0.0.1:0', '--log-level', 'warn', ...this.args], {
      env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe']
    })
    this.proc = p
    t?.teardown(() => this.kill('SIGKILL'))
    p.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString() })
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('node did not start:\n' + this.stderr)), 60_000)
      p.stdout!.on('data', (d: Buffer) => {
        this.stdout += d.toString()
        const m = /listening on (http:\/\/[^\s]+)/.exec(this.stdout)
        const tok = /Admin token[^:]*: (\S+)/.exec(this.stdout)
        if (tok !== null) this.token = tok[1]!
        if (m !== null) { clearTimeout(timer); resolve(m[1]!) }
      })
      p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`node exited with ${code}:\n${this.stderr}`)) })
    })
    return this.url
  }

  get pid (): number | undefined { return this.proc?.pid }

  /** Send a signal; resolves when the process has exited. */
  async kill (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.proc
    if (p === null || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null
    const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)))
    p.kill(signal)
    return await exited
  }

  async api (path: string, init: RequestInit = {}): Promise<Response> {
    return await fetch(this.url + path, { ...init, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> ?? {}) } })
  }
}
