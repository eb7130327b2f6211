/**
 * What a migration produced and what it could not do: the records, where
 * each came from, which columns were kept as overrides, and every object or
 * option that was not mapped with the reason. formatReport() is the text the
 * CLI prints (`federator import-asterisk --dry-run`).
 */
import type { RecordType } from '../records.js'

export type MigratedRecord = { type: RecordType, id: string } & Record<string, unknown>

export interface MappedEntry {
  /** the source objects, `file:line kind name` */
  from: string[]
  /** `device 1001` */
  to: string
  /** override columns kept (`pjsip.direct_media`, `sip.qualify`…) */
  overrides: string[]
  notes: string[]
}

export interface UnmappedEntry { from: string, reason: string }

export interface MigrationReport {
  records: MigratedRecord[]
  mapped: MappedEntry[]
  unmapped: UnmappedEntry[]
  /** parser warnings (`file:line: message`) */
  warnings: string[]
}

export function emptyReport (): MigrationReport {
  return { records: [], mapped: [], unmapped: [], warnings: [] }
}

/** Records in the order an import wants them: tables before rows, users before the devices naming them. */
const ORDER: readonly RecordType[] = ['table', 'user', 'device', 'trunk', 'provider', 'route', 'row', 'config', 'node']

export function sortedRecords (records: readonly MigratedRecord[]): MigratedRecord[] {
  return [...records].sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type))
}

export function counts (records: readonly MigratedRecord[]): string {
  const by = new Map<string, number>()
  for (const r of records) by.set(r.type, (by.get(r.type) ?? 0) + 1)
  return ORDER.filter((t) => by.has(t)).map((t) => `${by.get(t)!} ${t}${by.get(t)! === 1 ? '' : 's'}`).join(', ') || 'no records'
}

export function formatReport (r: MigrationReport): string {
  const out: string[] = []
  out.push(`Records: ${counts(r.records)}`)
  out.push('', 'Mapped:')
  if (r.mapped.length === 0) out.push('  (nothing)')
  for (const m of r.mapped) {
    out.push(`  ${m.to}  ←  ${m.from.join(' + ')}`)
    if (m.overrides.length > 0) out.push(`      overrides: ${m.overrides.join(', ')}`)
    for (const n of m.notes) out.push(`      note: ${n}`)
  }
  out.push('', 'Not mapped:')
  if (r.unmapped.length === 0) out.push('  (nothing)')
  for (const u of r.unmapped) out.push(`  ${u.from}: ${u.reason}`)
  if (r.warnings.length > 0) {
    out.push('', 'Warnings:')
    for (const w of r.warnings) out.push(`  ${w}`)
  }
  return out.join('\n') + '\n'
}
