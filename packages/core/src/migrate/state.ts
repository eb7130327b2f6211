/**
 * The state of one migration: the records made so far (so a device found in
 * both pjsip.conf and sip.conf becomes one record), the voicemail boxes that
 * became users (so a device naming a mailbox gets its user), and the report.
 */
import { ID_PATTERN } from '../records.js'
import type { RecordLike } from '../realtime/projection.js'
import { emptyReport, type MappedEntry, type MigratedRecord, type MigrationReport } from './report.js'

const ID_RE = new RegExp(ID_PATTERN)
export const CODEC_RE = /^[a-z0-9_.-]{1,32}$/
export const IP_OR_CIDR_RE = /^[0-9A-Fa-f:.]{2,45}(\/[0-9]{1,3})?$/
export const HOST_RE = /^[A-Za-z0-9.:_[\]-]{1,253}$/
export const CONTEXT_RE = /^[A-Za-z0-9_.-]{1,80}$/
export const USERNAME_RE = /^[^\s@;:]{1,80}$/
export const DTMF_MODES = new Set(['rfc4733', 'inband', 'info', 'auto', 'auto_info'])

export const isId = (s: string): boolean => ID_RE.test(s)

export class MigrationState {
  readonly report: MigrationReport = emptyReport()
  private readonly byKey = new Map<string, { record: MigratedRecord, entry: MappedEntry }>()
  /** `box@context` → user id */
  readonly mailboxUsers = new Map<string, string>()

  get (type: string, id: string): { record: MigratedRecord, entry: MappedEntry } | undefined {
    return this.byKey.get(type + '/' + id)
  }

  /** The record as a view input (id and fields). */
  recordLike (type: string, id: string): RecordLike | undefined {
    const got = this.get(type, id)
    if (got === undefined) return undefined
    const { type: _t, id: _i, ...fields } = got.record
    return { id, fields }
  }

  add (record: MigratedRecord, entry: MappedEntry): void {
    this.byKey.set(record.type + '/' + record.id, { record, entry })
    this.report.records.push(record)
    this.report.mapped.push(entry)
  }

  unmapped (from: string, reason: string): void {
    this.report.unmapped.push({ from, reason })
  }

  /** The user whose mailbox `spec` (`box[@context]`, one of a comma list) names, if exactly one. */
  userForMailboxes (spec: string | undefined): string | undefined {
    if (spec === undefined) return undefined
    const boxes = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
    if (boxes.length !== 1) return undefined
    const box = boxes[0]!.includes('@') ? boxes[0]! : `${boxes[0]!}@default`
    return this.mailboxUsers.get(box)
  }
}

/** Fields and view input of a record being built. */
export function like (id: string, fields: Record<string, unknown>): RecordLike {
  return { id, fields }
}

/** `yes`/`no` (and Asterisk's other spellings) as a boolean, else undefined. */
export function asBool (v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined
  if (/^(yes|true|y|t|1|on)$/i.test(v)) return true
  if (/^(no|false|n|f|0|off)$/i.test(v)) return false
  return undefined
}

/** A codec list `a,b,c` when every name is one a record can hold. */
export function codecsOf (allow: string | undefined, disallow: string | undefined): string[] | undefined {
  if (allow === undefined || disallow !== 'all') return undefined
  const list = allow.split(',').map((s) => s.trim())
  return list.length > 0 && list.length <= 16 && list.every((c) => CODEC_RE.test(c)) ? list : undefined
}
