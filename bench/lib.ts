/** Shared bits of the benchmarks: temp dirs, node processes, medians, RSS, output. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeProcess } from '../test/helpers/node-process.js'

export function tempDir (name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fed-bench-${name}-`))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

export async function startNode (name: string, args: string[] = []): Promise<NodeProcess> {
  const node = new NodeProcess(tempDir(name), args, { FEDERATOR_ADMIN_TOKEN: 'bench-token' })
  await node.start()
  node.token = 'bench-token'
  process.on('exit', () => { node.proc?.kill('SIGKILL') })
  return node
}

export function fmt (n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

export function table (head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))]
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)))
  const line = (r: string[]): string => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |'
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...cells.slice(1).map(line)].join('\n')
}

/** CPU time (user + system) a process has used, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMs (pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

export interface BenchServer { proc: ChildProcess, url: string, stats: Record<string, number> }

/**
 * Spawn a benchmark server process that prints `READY <url> <json stats>` once it listens;
 * it is killed when the benchmark exits.
 */
export async function startBenchServer (cmd: string, args: string[], label: string): Promise<BenchServer> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  process.on('exit', () => { proc.kill('SIGKILL') })
  let out = ''
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); const m = /READY .*\n/.exec(out); if (m !== null) resolve(m[0]) })
    proc.on('exit', (code) => reject(new Error(`${label} server exited with ${code}`)))
  })
  const [, url, stats] = /READY (\S+) (.*)/.exec(line)!
  return { proc, url: url!, stats: JSON.parse(stats!) as Record<string, number> }
}
