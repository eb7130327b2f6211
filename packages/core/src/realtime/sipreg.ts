/**
 * chan_sip registrations as data: the registration columns chan_sip writes
 * into `sippeers` (or `sipregs`) with `update?name=<peer>` (docs/asterisk-protocol.md
 * §6, chan_sip). chan_sip never stores or deletes rows; a REGISTER
 * writes ipaddr, port, regseconds (absolute expiry), fullcontact, useragent,
 * defaultuser, lastms (and regserver, path), an unregister or an expiry
 * clears them (`regseconds=0&port=0&ipaddr=&fullcontact=…`), a qualify
 * change writes lastms alone. Like PJSIP contacts these are soft state owned
 * by the node whose Asterisk accepted the REGISTER.
 */
import { SIP_REGISTRATION_COLUMNS } from './schema.js'
import type { Assignment } from './request.js'

export interface SipRegistration {
  /** the peer (device or trunk id) */
  name: string
  ipaddr: string
  port: number
  /** absolute expiry, epoch seconds */
  regseconds: number
  fullcontact?: string
  useragent?: string
  defaultuser?: string
  regserver?: string
  /** last qualify round trip in ms (0 unknown, -1 unreachable), as sent */
  lastms?: string
  path?: string
}

const REG = new Set<string>(SIP_REGISTRATION_COLUMNS)

/** Split the new values of a sippeers/sipregs update into registration columns and the rest. */
export function splitSipUpdate (set: readonly Assignment[]): { registration: Record<string, string>, other: Assignment[] } {
  const registration: Record<string, string> = {}
  const other: Assignment[] = []
  for (const a of set) {
    if (REG.has(a.column)) registration[a.column] = a.value
    else other.push(a)
  }
  return { registration, other }
}

function intOf (s: string | undefined): number {
  return s !== undefined && /^-?[0-9]{1,15}$/.test(s) ? Number(s) : 0
}

/**
 * The registration after an update's registration columns: `null` when the
 * peer is not (or no longer) registered: no address, no port or regseconds
 * not positive (an unregister, or a lastms-only update of an unregistered peer).
 */
export function applySipRegistration (name: string, previous: SipRegistration | undefined, columns: Readonly<Record<string, string>>): SipRegistration | null {
  const merged: Record<string, string> = previous === undefined ? {} : sipRegistrationColumns(previous)
  for (const [k, v] of Object.entries(columns)) merged[k] = v
  const ipaddr = merged.ipaddr ?? ''
  const port = intOf(merged.port)
  const regseconds = intOf(merged.regseconds)
  if (ipaddr.length === 0 || port <= 0 || regseconds <= 0) return null
  const reg: SipRegistration = { name, ipaddr, port, regseconds }
  for (const k of ['fullcontact', 'useragent', 'defaultuser', 'regserver', 'lastms', 'path'] as const) {
    const v = merged[k]
    if (v !== undefined && v.length > 0) reg[k] = v
  }
  return reg
}

/** The registration columns of a peer row. */
export function sipRegistrationColumns (reg: SipRegistration): Record<string, string> {
  const row: Record<string, string> = { ipaddr: reg.ipaddr, port: String(reg.port), regseconds: String(reg.regseconds) }
  for (const k of ['fullcontact', 'useragent', 'defaultuser', 'regserver', 'lastms', 'path'] as const) {
    const v = reg[k]
    if (v !== undefined) row[k] = v
  }
  return row
}

/** True when the registration's expiry has passed. */
export function sipRegistrationExpired (reg: SipRegistration, nowSeconds: number): boolean {
  return reg.regseconds <= nowSeconds
}
