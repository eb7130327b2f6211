/** Shared bits of the benchmarks: temp dirs, node processes, medians, RSS, output. */
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
