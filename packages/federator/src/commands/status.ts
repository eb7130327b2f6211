/** `federator status`: a running node's state as a table (or JSON). */
import { call, type Target } from '../client.js'

export async function printStatus (t: Target, opts: { json: boolean }): Promise<void> {
  const res = await call(t, '/api/v1/cluster')
  const s = await res.json() as Record<string, unknown>
  if (opts.json) { process.stdout.write(JSON.stringify(s, null, 2) + '\n'); return }
  const out: string[] = []
  const node = s.node as Record<string, unknown> | undefined
  out.push(`node       ${String(node?.name ?? '?')}  (writer ${String(node?.writer ?? '?').slice(0, 16)}…)`)
  out.push(`view hash  ${String(s.viewHash)}`)
  if (s.records !== undefined) out.push(`records    ${Object.entries(s.records as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  if (s.conflicts !== undefined) out.push(`conflicts  ${String(s.conflicts)}`)
  const writers = (s.writers as Array<Record<string, unknown>> | undefined) ?? []
  if (writers.length > 0) {
    out.push('', table(['writer', 'node', 'length', 'applied', 'lag', 'lag ms', 'quarantined'],
      writers.map((w) => [String(w.key).slice(0, 16), String(w.name ?? ''), w.length, w.applied, w.lagEntries, w.lagMs, w.quarantined])))
  }
  const nodes = (s.nodes as Array<Record<string, unknown>> | undefined) ?? []
  if (nodes.length > 0) {
    out.push('', table(['node', 'state', 'sip address', 'version', 'load', 'uptime s'],
      nodes.map((n) => [n.name, n.restarting === true ? `${String(n.state)} (restarting)` : n.state, n.sipAddress ?? '', n.version ?? '', n.load ?? '', n.uptime ?? ''])))
  }
  for (const c of (s.nameClashes as Array<{ name: string, holder: string, refused: string[] }> | undefined) ?? []) {
    out.push('', `name clash: "${c.name}" is held by ${c.holder.slice(0, 16)}…; refused (FED_ERR_NAME_TAKEN, restart with another --name): ${c.refused.map((r) => r.slice(0, 16) + '…').join(', ')}`)
  }
  const peers = (s.peers as Array<Record<string, unknown>> | undefined) ?? []
  if (peers.length > 0) {
    out.push('', table(['peer', 'address', 'via', 'direction', 'state', 'bytes in', 'bytes out'],
      peers.map((p) => [String(p.name ?? String(p.swarmKey ?? '').slice(0, 16)), p.remoteAddress ?? '', p.discovery ?? '', p.direction ?? '', p.state ?? '', p.bytesRead ?? '', p.bytesWritten ?? ''])))
  }
  process.stdout.write(out.join('\n') + '\n')
}

export function table (head: string[], rows: unknown[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => String(c ?? '')))]
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}
