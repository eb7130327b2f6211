/**
 * sip.conf (chan_sip) → devices and trunks: the inverse of the chan_sip view
 * (realtime/chansip.ts; docs/migration.md).
 *
 * `type=friend` (or `user`) with `host=dynamic` is a phone: a device. Every
 * other peer is a trunk: `host` and `port` as written, `defaultuser`,
 * `secret`, `fromuser`, `fromdomain`; an IP host with `insecure=…invite` is
 * also matched by address (`ips`). A `register =>` line of [general] whose
 * host (or peer name) is a peer's makes that trunk `register: true`: realtime
 * peers register through `callbackextension`, which the view sets, so that
 * column counts as the register line. A device already made from pjsip.conf
 * keeps its fields; only its `sip` overrides are added. [general] and other
 * settings stay in the node's sip.conf (they still apply to realtime peers).
 */
import type { ConfCategory } from '../realtime/conf.js'
import { deviceSipPeer, trunkSipPeer } from '../realtime/chansip.js'
import type { ProjectionOptions } from '../realtime/projection.js'
import { toObject, type ConfObject } from './objects.js'
import { settle, type Rows } from './overrides.js'
import type { MigratedRecord } from './report.js'
import { CONTEXT_RE, HOST_RE, IP_OR_CIDR_RE, USERNAME_RE, codecsOf, isId, type MigrationState } from './state.js'

const KEEP = ['name']
const DTMF: Readonly<Record<string, string>> = { rfc2833: 'rfc4733', inband: 'inband', info: 'info', auto: 'auto' }
const IP_RE = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/

export interface SipRegisterLine { user: string, secret?: string, authuser?: string, host: string, port?: number, extension?: string, where: string, raw: string }

/** `register => [transport://]user[@domain][:secret[:authuser]]@host[:port][/extension][~expiry]` */
export function parseRegisterLine (raw: string, where: string): SipRegisterLine | undefined {
  const m = /^(?:[a-z]+:\/\/)?([^@:]+)(?:@[^:@]+)?(?::([^:@]*))?(?::([^@]*))?@([^:/~]+)(?::([0-9]+))?(?:\/([^~]*))?(?:~[0-9]+)?$/.exec(raw.trim())
  if (m === null) return undefined
  const out: SipRegisterLine = { user: m[1]!, host: m[4]!, where, raw }
  if (m[2] !== undefined && m[2].length > 0) out.secret = m[2]
  if (m[3] !== undefined && m[3].length > 0) out.authuser = m[3]
  if (m[5] !== undefined) out.port = Number(m[5])
  if (m[6] !== undefined && m[6].length > 0) out.extension = m[6]
  return out
}

const label = (o: ConfObject): string => `${o.where} ${o.columns.type ?? 'peer'} ${o.name}`

export function migrateSip (categories: readonly ConfCategory[], state: MigrationState): void {
  const registers: SipRegisterLine[] = []
  const peers: ConfObject[] = []
  for (const cat of categories) {
    if (cat.template) continue
    if (cat.name === 'general') {
      for (const it of cat.items) {
        if (it.name !== 'register') continue
        const r = parseRegisterLine(it.value, `${it.file}:${it.line}`)
        if (r === undefined) state.unmapped(`${it.file}:${it.line} register => ${it.value}`, 'cannot read this register line')
        else registers.push(r)
      }
      state.unmapped(`${cat.file}:${cat.line} [general]`, 'node-local: keep it in this node\'s sip.conf (its defaults still apply to realtime peers)')
      continue
    }
    const o = toObject(cat, { codecsStartEmpty: false })
    if (!['friend', 'peer', 'user'].includes(o.columns.type ?? '')) {
      state.unmapped(`${o.where} [${o.name}]`, `not a peer (type=${o.columns.type ?? 'none'}): keep it in this node's sip.conf`)
      continue
    }
    peers.push(o)
  }
  const usedRegisters = new Set<SipRegisterLine>()
  for (const p of peers) {
    const id = p.name
    const c = p.columns
    if (!isId(id)) { state.unmapped(label(p), 'the name is not a valid record id (letters, digits and . _ + -, 1–80)'); continue }
    for (const d of p.dropped) state.unmapped(`${label(p)} ${d.column}=${d.value}`, `a realtime row holds one ${d.column}; the first is kept`)
    const host = c.host
    const isDevice = c.type !== 'peer' && (host === undefined || host === 'dynamic')
    const type = isDevice ? 'device' : 'trunk'
    const row: Record<string, string> = { ...c, name: id }
    const notes: string[] = []
    const existing = state.get(type, id)
    const fields: Record<string, unknown> = {}
    if (existing !== undefined) {
      const { type: _t, id: _i, ...f } = existing.record
      Object.assign(fields, f)
      notes.push('also in pjsip.conf: its fields come from there, sip.conf differences are sip overrides')
    } else {
      if (c.context !== undefined && CONTEXT_RE.test(c.context)) fields.context = c.context
      const codecs = codecsOf(c.allow, c.disallow)
      if (codecs !== undefined) fields.codecs = codecs
      if (c.secret !== undefined && c.secret.length <= 128) fields.secret = c.secret
      else if (isDevice && c.md5secret !== undefined && /^[0-9a-f]{32}$/.test(c.md5secret)) fields.ha1 = c.md5secret
      if (isDevice) {
        if (c.callerid !== undefined && c.callerid.length <= 128) fields.callerId = c.callerid
        if (c.dtmfmode !== undefined && DTMF[c.dtmfmode] !== undefined) fields.dtmf = DTMF[c.dtmfmode]
        if (c.nat === 'force_rport,comedia') fields.nat = true
        else if (c.nat === 'no') fields.nat = false
        const user = state.userForMailboxes(c.mailbox)
        if (user !== undefined) { fields.user = user; notes.push(`mailbox ${c.mailbox!} → user ${user}`) }
      } else {
        if (host !== undefined && host !== 'dynamic' && HOST_RE.test(host)) fields.host = host
        const port = Number(c.port)
        if (c.port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535) fields.port = port
        if (c.defaultuser !== undefined && USERNAME_RE.test(c.defaultuser)) fields.username = c.defaultuser
        if (c.fromuser !== undefined && c.fromuser.length <= 80) fields.fromUser = c.fromuser
        if (c.fromdomain !== undefined && c.fromdomain.length <= 253) fields.fromDomain = c.fromdomain
        if (host !== undefined && IP_RE.test(host) && IP_OR_CIDR_RE.test(host) && /invite/.test(c.insecure ?? '')) fields.ips = [host]
      }
    }
    const from = [label(p)]
    if (!isDevice) {
      const reg = registers.find((r) => !usedRegisters.has(r) && (r.host === id || (host !== undefined && r.host === host)))
      if (reg !== undefined) {
        usedRegisters.add(reg)
        from.push(`${reg.where} register => ${reg.raw.replace(/:[^:@]*@/, ':***@')}`)
        if (existing === undefined) {
          fields.register = true
          if (fields.username === undefined && USERNAME_RE.test(reg.user)) fields.username = reg.user
          if (fields.secret === undefined && reg.secret !== undefined) fields.secret = reg.secret
        }
        // the realtime peer registers through callbackextension: it stands for the register line
        row.callbackextension = reg.extension ?? (fields.username as string | undefined) ?? (fields.fromUser as string | undefined) ?? 's'
        notes.push('its register => line becomes register: true (a realtime peer registers through callbackextension; remove the line from sip.conf)')
        if (reg.authuser !== undefined) notes.push(`register line auth user ${reg.authuser} is not kept`)
        if (reg.port !== undefined && reg.port !== 5060) {
          state.unmapped(`${reg.where} register => …@${reg.host}:${reg.port}`, `chan_sip registers a realtime peer (callbackextension) to port 5060 of its host (Asterisk 20.20.1): port ${reg.port} cannot be kept`)
        }
      }
    }
    const userRec = fields.user !== undefined ? state.recordLike('user', fields.user as string) : undefined
    const view = (f: Record<string, unknown>, o: Partial<ProjectionOptions>): Rows => {
      const r = isDevice ? deviceSipPeer({ id, fields: f }, userRec, undefined, o) : trunkSipPeer({ id, fields: f }, undefined, o)
      return r === undefined ? {} : { sippeers: r }
    }
    const s = settle(fields, 'sip', { sippeers: row }, view, {}, KEEP)
    for (const pr of s.problems) state.unmapped(label(p), pr)
    const record = { type, id, ...fields } as MigratedRecord
    if (existing !== undefined) {
      if (fields.sip !== undefined) Object.assign(existing.record, { sip: fields.sip })
      existing.entry.from.push(...from)
      existing.entry.overrides.push(...s.overrides)
      existing.entry.notes.push(...notes)
    } else {
      state.add(record, { from, to: `${type} ${id}`, overrides: s.overrides, notes })
    }
  }
  for (const r of registers) {
    if (!usedRegisters.has(r)) state.unmapped(`${r.where} register => ${r.host}`, 'no peer with this host or name: keep the line in sip.conf, or define the peer')
  }
}
