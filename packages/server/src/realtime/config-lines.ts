/**
 * Config files as stored: a `config` record (id = file name) holds `lines`, the
 * file's variables in file order. Pure helpers: read those lines defensively
 * (records from peers are not validated here) and show them back as `.conf`
 * text. The realtime side serves them (static-answer.ts); the admin side
 * imports and shows them (admin/configs-plugin.ts).
 */
import type { Fields, StaticLine } from '@federator/core'

/** The static lines of a config record (defensive: records from peers are not validated here). */
export function configLines (fields: Fields | undefined): StaticLine[] | undefined {
  const lines = fields?.lines
  if (!Array.isArray(lines)) return undefined
  const out: StaticLine[] = []
  for (const l of lines) {
    const x = l as Record<string, unknown> | null
    if (x === null || typeof x !== 'object' || typeof x.category !== 'string' || typeof x.name !== 'string' || typeof x.value !== 'string') continue
    const catMetric = typeof x.catMetric === 'number' ? x.catMetric : 0
    const varMetric = typeof x.varMetric === 'number' ? x.varMetric : 0
    out.push({ category: x.category, name: x.name, value: x.value, catMetric, varMetric })
  }
  return out
}

/** A `.conf` text with the same variables (comments, templates and `+=` are not kept; values are as served). */
export function confText (lines: readonly StaticLine[]): string {
  let out = ''
  let block: string | undefined
  const esc = (s: string): string => s.replace(/;/g, '\\;')
  for (const l of lines) {
    const id = l.category + '\u0000' + String(l.catMetric)
    if (l.name === '#include') {
      if (id !== block && l.category !== '') { out += `${out === '' ? '' : '\n'}[${l.category}]\n`; block = id }
      out += `#include "${l.value}"\n`
      continue
    }
    if (id !== block) { out += `${out === '' ? '' : '\n'}[${l.category}]\n`; block = id }
    out += `${esc(l.name)} = ${esc(l.value)}\n`
  }
  return out
}
