/**
 * Migration from an existing Asterisk's static configuration
 * (`federator import-asterisk`, docs/migration.md): pjsip.conf, sip.conf,
 * voicemail.conf and queues.conf into records, with a report of what became
 * what. Pure: the caller reads the files (parseConfCategories with an
 * include reader) and writes the records.
 */
import type { ConfCategory } from '../realtime/conf.js'
import { FedError } from '../errors.js'
import { migratePjsip } from './from-pjsip.js'
import { migrateSip } from './from-sip.js'
import { migrateVoicemail } from './from-voicemail.js'
import { migrateQueues } from './from-queues.js'
import { sortedRecords, type MigrationReport } from './report.js'
import { MigrationState } from './state.js'

export { formatReport, type MappedEntry, type MigratedRecord, type MigrationReport, type UnmappedEntry } from './report.js'
export { codecList, type ConfObject } from './objects.js'
export { OTHER_VIEW_OPTIONS, type Difference } from './overrides.js'
export { parseSipUri } from './from-pjsip.js'
export { parseRegisterLine } from './from-sip.js'

export type ConfKind = 'pjsip' | 'sip' | 'voicemail' | 'queues'
export const CONF_KINDS: readonly ConfKind[] = ['voicemail', 'queues', 'pjsip', 'sip'] // the order they are mapped in

export interface ConfInput { file: string, kind?: ConfKind, categories: readonly ConfCategory[], warnings?: ReadonlyArray<{ file: string, line: number, message: string }> }

/** Which file this is: from its name (pjsip*.conf, sip*.conf, voicemail*.conf, queues*.conf), else from what it holds. */
export function detectKind (file: string, categories: readonly ConfCategory[]): ConfKind {
  const base = file.replace(/^.*[\\/]/, '').toLowerCase()
  if (base.startsWith('pjsip')) return 'pjsip'
  if (base.startsWith('sip')) return 'sip'
  if (base.startsWith('voicemail')) return 'voicemail'
  if (base.startsWith('queues')) return 'queues'
  const types = new Set(categories.flatMap((c) => c.items.filter((i) => i.name === 'type').map((i) => i.value)))
  if (['endpoint', 'aor', 'auth', 'identify', 'registration'].some((t) => types.has(t))) return 'pjsip'
  if (['friend', 'peer', 'user'].some((t) => types.has(t))) return 'sip'
  throw new FedError('FED_ERR_CONFIG', `${file}: cannot tell which Asterisk file this is; name it pjsip.conf, sip.conf, voicemail.conf or queues.conf (or pass --kind)`)
}

export function migrateAsterisk (inputs: readonly ConfInput[]): MigrationReport {
  const state = new MigrationState()
  const withKind = inputs.map((i) => ({ ...i, kind: i.kind ?? detectKind(i.file, i.categories) }))
  for (const i of withKind) for (const w of i.warnings ?? []) state.report.warnings.push(`${w.file}:${w.line}: ${w.message}`)
  for (const kind of CONF_KINDS) {
    for (const i of withKind.filter((x) => x.kind === kind)) {
      if (kind === 'pjsip') migratePjsip(i.categories, state)
      else if (kind === 'sip') migrateSip(i.categories, state)
      else if (kind === 'voicemail') migrateVoicemail(i.categories, state)
      else migrateQueues(i.categories, state)
    }
  }
  state.report.records = sortedRecords(state.report.records)
  return state.report
}
