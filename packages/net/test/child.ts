/** Runs test/fixtures/node.ts in a child process (optionally under a wrapper such as `ip netns exec ns`). */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { T } from './helpers.js'

const script = fileURLToPath(new URL('./fixtures/node.ts', import.meta.url))

export interface ChildNode {
  proc: ChildProcess
  swarmKey: string
  writerKey: string
  address: { host: string, port: number }
  /** sends a command and resolves with the first reply line that has `key` */
  ask (cmd: Record<string, unknown>, key: string): Promise<Record<string, unknown>>
  /** SIGTERM and wait for the exit */
  stop (): Promise<void>
}

export async function spawnNode (t: T, cfg: Record<string, unknown>, wrapper: string[] = []): Promise<ChildNode> {
  const args = [...wrapper, process.execPath, '--import=tsx', '--conditions=fed-source', script, JSON.stringify(cfg)]
  const proc = spawn(args[0]!, args.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], env: process.env })
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    await new Promise(resolve => proc.once('exit', resolve))
  })
  const waiting: Array<{ key: string, resolve: (m: Record<string, unknown>) => void, reject: (err: Error) => void }> = []
  proc.on('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`node process exited (${code ?? signal}) while waiting for ${w.key}`))
  })
  let buf = ''
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const line of lines) {
      let m: Record<string, unknown>
      try { m = JSON.parse(line) as Record<string, unknown> } catch { continue }
      const i = waiting.findIndex(w => w.key in m)
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m)
    }
  })
  const next = (key: string): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    waiting.push({ key, resolve, reject })
  })
  const ready = await next('ready')
  return {
    proc,
    swarmKey: ready.swarmKey as string,
    writerKey: ready.writerKey as string,
    address: ready.address as { host: string, port: number },
    ask: (cmd, key) => {
      const p = next(key)
      proc.stdin!.write(JSON.stringify(cmd) + '\n')
      return p
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise(resolve => proc.once('exit', resolve))
      proc.kill('SIGCONT')
      proc.kill('SIGTERM')
      await exited
    }
  }
}
