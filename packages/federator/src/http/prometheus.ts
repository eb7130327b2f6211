/** Prometheus text exposition (format 0.0.4), just what /metrics needs. */

import type { Metric } from '@federator/core'

export type { Metric }

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

export function exposition (metrics: Metric[]): string {
  const out: string[] = []
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`)
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${esc(v)}"`).join(',')
      out.push(`${m.name}${labels === '' ? '' : `{${labels}}`} ${Number.isFinite(s.value) ? String(s.value) : 'NaN'}`)
    }
  }
  return out.join('\n') + '\n'
}
