/**
 * The chan_sip families (`sippeers`, `sipusers`, `sipregs`) as views of
 * devices and trunks (docs/asterisk.md lists every default). One peer per
 * device (`type=friend`, `host=dynamic`) and per trunk (`type=peer`). The
 * registration columns (ipaddr, port, regseconds, fullcontact, useragent,
 * defaultuser, regserver, lastms, path) come from the peer's chan_sip
 * registration when one is given (sipreg.ts), so lookups by `ipaddr`+`port`
 * find a registered peer. `device.sip` / `trunk.sip` override or extend any
 * column. `sipregs` rows hold the name and the registration columns only.
 * `qualify` is sent only for `rtcachefriends=yes` (projection option `sipCacheFriends`).
 */
import { sipRegistrationColumns, type SipRegistration } from './sipreg.js'
import { trunkServedOn } from './pjsip.js'
import { mailboxSpec } from './voicemail.js'
import {
  applyOverrides, bool, enabled, int, obj, put, str, strs, userCallerId, projectionOptions,
  type RecordLike, type ProjectionOptions, type ProjectedRow
} from './projection.js'

const DTMF: Readonly<Record<string, string>> = { rfc4733: 'rfc2833', inband: 'inband', info: 'info', auto: 'auto', auto_info: 'auto' }
const SIP_TRANSPORTS = new Set(['udp', 'tcp', 'tls', 'ws', 'wss'])
const KEEP = ['name']

function codecs (fields: Readonly<Record<string, unknown>>, o: ProjectionOptions): string {
  const list = strs(fields.codecs)
  return (list.length > 0 ? list : o.codecs).join(',')
}

function withRegistration (row: ProjectedRow, reg: SipRegistration | undefined): void {
  if (reg !== undefined) Object.assign(row, sipRegistrationColumns(reg))
}

/**
 * qualify only for cached peers: with `rtcachefriends=no` chan_sip (checked on 20.20.1) sets it off
 * on every realtime peer it builds and logs "Qualify is incompatible with dynamic uncached realtime"
 * at each lookup (docs/asterisk.md, "What the real Asterisk showed").
 */
function qualify (row: ProjectedRow, o: ProjectionOptions): void {
  if (!o.sipCacheFriends || o.qualifyFrequency <= 0) return
  row.qualify = 'yes'
  row.qualifyfreq = String(o.qualifyFrequency)
}

/** The sippeers (= sipusers) row of a device (undefined when disabled). */
export function deviceSipPeer (device: RecordLike, user: RecordLike | undefined, reg?: SipRegistration, opts?: Partial<ProjectionOptions>): ProjectedRow | undefined {
  if (!enabled(device)) return undefined
  const o = projectionOptions(opts)
  const f = device.fields
  const row: ProjectedRow = { name: device.id, type: 'friend', host: 'dynamic' }
  const secret = str(f.secret)
  if (secret !== undefined) row.secret = secret
  else put(row, 'md5secret', str(f.ha1))
  row.context = str(f.context) ?? o.deviceContext
  row.disallow = 'all'
  row.allow = codecs(f, o)
  const transport = str(f.transport)
  if (transport !== undefined && SIP_TRANSPORTS.has(transport)) row.transport = transport
  const nat = bool(f.nat)
  if (nat !== undefined) row.nat = nat ? 'force_rport,comedia' : 'no'
  row.directmedia = 'no'
  row.dtmfmode = DTMF[str(f.dtmf) ?? 'rfc4733'] ?? 'rfc2833'
  qualify(row, o)
  put(row, 'callerid', str(f.callerId) ?? userCallerId(user))
  put(row, 'mailbox', mailboxSpec(user, o))
  withRegistration(row, reg)
  applyOverrides({ sippeers: row }, obj(f.sip), {}, 'sippeers', KEEP)
  return row
}

/** The sippeers row of a trunk (undefined when disabled or not served on `opts.node`). */
export function trunkSipPeer (trunk: RecordLike, reg?: SipRegistration, opts?: Partial<ProjectionOptions>): ProjectedRow | undefined {
  const o = projectionOptions(opts)
  if (!trunkServedOn(trunk, o.node)) return undefined
  const f = trunk.fields
  const ips = strs(f.ips)
  const row: ProjectedRow = { name: trunk.id, type: 'peer' }
  row.host = str(f.host) ?? ips.find((ip) => !ip.includes('/')) ?? 'dynamic'
  const port = int(f.port)
  if (port !== undefined) row.port = String(port)
  put(row, 'defaultuser', str(f.username))
  put(row, 'secret', str(f.secret))
  put(row, 'fromuser', str(f.fromUser))
  put(row, 'fromdomain', str(f.fromDomain))
  row.context = str(f.context) ?? o.trunkContext
  if (ips.length > 0) row.insecure = 'port,invite'
  row.disallow = 'all'
  row.allow = codecs(f, o)
  const transport = str(f.transport)
  if (transport !== undefined && SIP_TRANSPORTS.has(transport)) row.transport = transport
  row.directmedia = 'no'
  row.dtmfmode = 'rfc2833'
  qualify(row, o)
  if (bool(f.register) === true && str(f.host) !== undefined) row.callbackextension = str(f.username) ?? str(f.fromUser) ?? 's'
  withRegistration(row, reg)
  applyOverrides({ sippeers: row }, obj(f.sip), {}, 'sippeers', KEEP)
  return row
}

/** The sipregs row of a peer: its name and, when registered, the registration columns. */
export function sipRegsRow (name: string, reg?: SipRegistration): ProjectedRow {
  const row: ProjectedRow = { name }
  withRegistration(row, reg)
  return row
}
