/**
 * `npm run plot:scale`: the curves of `npm run bench:scale` as one PNG (docs/img/bench-scale.png). Reads the
 * runs bench/scale.ts appended to bench/results/scale.json (or the file given as the first argument), draws
 * one panel per measure — per-node idle CPU, per-node bytes sent, change and registration propagation,
 * heal time — with one line per run label (the last run of each label), as SVG, and renders it with the
 * headless Chromium the UI tests use (no network). A dashed line in the per-node cost panels is the
 * linear bound: the first point of the last run scaled by the number of peers, N − 1.
 */
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromiumMissing, launchBrowser } from '../test/helpers/browser.js'
import type { ScaleResult } from '../bench/scale.js'

const IN = process.argv[2] ?? fileURLToPath(new URL('../bench/results/scale.json', import.meta.url))
const OUT = process.argv[3] ?? fileURLToPath(new URL('../docs/img/bench-scale.png', import.meta.url))

interface Run { label: string, at: string, results: ScaleResult[] }

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2 }
const COLORS = ['#c0392b', '#2471a3', '#1e8449', '#7d3c98']

interface Panel { title: string, unit: string, value: (r: ScaleResult) => number, linear?: boolean }

const PANELS: Panel[] = [
  { title: 'idle CPU per node', unit: 'ms CPU / min', value: (r) => median(r.idleCpuMsPerMin), linear: true },
  { title: 'idle bytes sent per node', unit: 'KiB / min', value: (r) => median(r.idleBytesPerS) * 60 / 1024, linear: true },
  { title: 'a change readable on all nodes, p50', unit: 'ms', value: (r) => r.changeMs.p50 },
  { title: 'a registration listed on all nodes, p50', unit: 'ms', value: (r) => r.softMs.p50 },
  { title: 'full mesh after spawning all N', unit: 's', value: (r) => r.meshS },
  { title: 'one view hash after a partition heals', unit: 's', value: (r) => r.healS }
]

function panel (p: Panel, runs: Run[], x0: number, y0: number, w: number, h: number): string {
  const pad = { l: 56, r: 12, t: 28, b: 34 }
  const ns = [...new Set(runs.flatMap((r) => r.results.map((x) => x.nodes)))].sort((a, b) => a - b)
  const last = runs[runs.length - 1]!
  const lin = p.linear === true && last.results.length > 0 ? last.results.map((r) => ({ n: r.nodes, v: p.value(last.results[0]!) * (r.nodes - 1) / (last.results[0]!.nodes - 1) })) : []
  const ymax = Math.max(1e-9, ...runs.flatMap((r) => r.results.map(p.value)), ...lin.map((x) => x.v)) * 1.1
  const xmax = Math.max(...ns)
  const X = (n: number): number => x0 + pad.l + (n / xmax) * (w - pad.l - pad.r)
  const Y = (v: number): number => y0 + h - pad.b - (v / ymax) * (h - pad.t - pad.b)
  const out: string[] = [`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="#fff" stroke="#ddd"/>`,
    `<text x="${x0 + w / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14" font-weight="bold">${p.title}</text>`,
    `<line x1="${X(0)}" y1="${Y(0)}" x2="${X(xmax)}" y2="${Y(0)}" stroke="#333"/>`,
    `<line x1="${X(0)}" y1="${Y(0)}" x2="${X(0)}" y2="${Y(ymax / 1.1)}" stroke="#333"/>`,
    `<text x="${x0 + 14}" y="${y0 + h / 2}" font-size="11" transform="rotate(-90 ${x0 + 14} ${y0 + h / 2})" text-anchor="middle">${p.unit}</text>`,
    `<text x="${X(xmax / 2)}" y="${y0 + h - 6}" font-size="11" text-anchor="middle">nodes</text>`]
  for (const n of ns) out.push(`<text x="${X(n)}" y="${Y(0) + 14}" font-size="11" text-anchor="middle">${n}</text>`)
  for (const f of [0.25, 0.5, 0.75, 1]) {
    const v = ymax / 1.1 * f
    out.push(`<text x="${X(0) - 4}" y="${Y(v) + 4}" font-size="10" text-anchor="end">${v >= 100 ? v.toFixed(0) : v.toPrecision(2)}</text>`, `<line x1="${X(0)}" y1="${Y(v)}" x2="${X(xmax)}" y2="${Y(v)}" stroke="#eee"/>`)
  }
  if (lin.length > 1) out.push(`<polyline fill="none" stroke="#888" stroke-dasharray="4 4" points="${lin.map((x) => `${X(x.n)},${Y(x.v)}`).join(' ')}"/>`)
  runs.forEach((run, i) => {
    const pts = run.results.map((r) => `${X(r.nodes)},${Y(p.value(r))}`)
    out.push(`<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${pts.join(' ')}"/>`)
    for (const r of run.results) out.push(`<circle cx="${X(r.nodes)}" cy="${Y(p.value(r))}" r="3" fill="${COLORS[i % COLORS.length]}"/>`)
  })
  return out.join('\n')
}

/** the 1-minute load averages seen during a run, as "min–max" */
function loads (r: Run): string {
  const l = r.results.map((x) => x.load[0]!)
  return `${Math.min(...l).toFixed(0)}–${Math.max(...l).toFixed(0)}`
}

function svg (runs: Run[]): string {
  const W = 1200
  const cols = 3
  const pw = W / cols
  const ph = 280
  const rows = Math.ceil(PANELS.length / cols)
  const H = rows * ph + 40
  const legend = runs.map((r, i) => `<rect x="${20 + i * 300}" y="${rows * ph + 14}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/><text x="${40 + i * 300}" y="${rows * ph + 26}" font-size="13">${r.label} (${r.at.slice(0, 16).replace('T', ' ')} UTC, load ${loads(r)})</text>`).join('') +
    `<line x1="${20 + runs.length * 300}" y1="${rows * ph + 21}" x2="${50 + runs.length * 300}" y2="${rows * ph + 21}" stroke="#888" stroke-dasharray="4 4"/><text x="${56 + runs.length * 300}" y="${rows * ph + 26}" font-size="13">∝ N − 1 peers (from the first point of the last run)</text>`
  const panels = PANELS.map((p, i) => panel(p, runs, (i % cols) * pw, Math.floor(i / cols) * ph, pw, ph)).join('\n')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${panels}${legend}</svg>`
}

async function main (): Promise<void> {
  const all = JSON.parse(readFileSync(IN, 'utf8')) as Run[]
  const byLabel = new Map<string, Run>()
  for (const r of all) byLabel.set(r.label, r)
  const runs = [...byLabel.values()]
  if (runs.length === 0) throw new Error(`no runs in ${IN}`)
  const missing = chromiumMissing()
  if (missing !== null) throw new Error(missing)
  const image = svg(runs)
  await mkdir(dirname(OUT), { recursive: true })
  const browser = await launchBrowser()
  try {
    await browser.page.setViewportSize({ width: 1200, height: 900 })
    await browser.page.setContent(`<html><body style="margin:0">${image}</body></html>`)
    await browser.page.locator('svg').screenshot({ path: OUT })
  } finally {
    await browser.close()
  }
  process.stderr.write(`wrote ${OUT} (${runs.map((r) => r.label).join(', ')})\n`)
}

main().catch((err: unknown) => { process.stderr.write(String((err as Error).stack ?? err) + '\n'); process.exit(1) })
