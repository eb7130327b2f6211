/**
 * pjsip.conf → devices, trunks and providers: the inverse of the PJSIP views
 * (realtime/pjsip.ts; docs/migration.md explains every decision).
 *
 * An endpoint becomes a trunk when something says it is one: an identify
 * naming it, a registration for it, or, without an inbound `auth`, an AOR
 * with a static `contact` or an outbound auth. Every other endpoint becomes a device. The AOR and auth it
 * names are taken into the record under the record's id (Federator serves
 * endpoint, AOR and auth with one id); an AOR or auth several endpoints share
 * is copied into each. The modelled fields are read first, then the view of
 * the record is compared with the file (overrides.ts) and the differences are
 * kept in `pjsip` overrides. Objects Federator does not serve (transports,
 * globals, ACLs…) stay in the node's own pjsip.conf and are reported.
 */
import type { ConfCategory } from '../realtime/conf.js'
import { devicePjsipRows, trunkPjsipRows, PJSIP_OBJECTS } from '../realtime/pjsip.js'
import type { ProjectionOptions } from '../realtime/projection.js'
import { toObject, type ConfObject } from './objects.js'
import { settle, type Rows } from './overrides.js'
import type { MappedEntry, MigratedRecord } from './report.js'
import {
  asBool, codecsOf, CONTEXT_RE, DTMF_MODES, HOST_RE, IP_OR_CIDR_RE, isId, USERNAME_RE, type MigrationState
} from './state.js'

const SERVED = new Set(['endpoint', 'auth', 'aor', 'identify', 'registration'])
const KEEP = ['id']

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
const label = (o: ConfObject, type: string): string => `${o.where} ${type} ${o.name}`

function withoutType (o: ConfObject | undefined, id: string): Record<string, string> | undefined {
  if (o === undefined) return undefined
  const { type: _t, ...cols } = o.columns
  return { ...cols, id }
}

/** `sip:host[:port]` (no user, no parameters) → host and port. */
export function parseSipUri (uri: string | undefined): { host: string, port?: number, user?: string } | undefined {
  if (uri === undefined) return undefined
  const m = /^sips?:(?:([^@;:]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:;@>\s[\]]+)(?::([0-9]{1,5}))?$/i.exec(uri.trim())
  if (m === null) return undefined
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!
  if (!HOST_RE.test(host)) return undefined
  const out: { host: string, port?: number, user?: string } = { host }
  if (m[3] !== undefined) { const p = Number(m[3]); if (p < 1 || p > 65535) return undefined; out.port = p }
  if (m[1] !== undefined) out.user = m[1]
  return out
}

/** Fields every endpoint maps the same way (context, codecs, transport, caller id, from user/domain). */
function commonFields (ep: Record<string, string>, fields: Record<string, unknown>, trunk: boolean): void {
  if (ep.context !== undefined && CONTEXT_RE.test(ep.context)) fields.context = ep.context
  const codecs = codecsOf(ep.allow, ep.disallow)
  if (codecs !== undefined) fields.codecs = codecs
  if (ep.transport !== undefined && /^[A-Za-z0-9_.-]{1,40}$/.test(ep.transport)) fields.transport = ep.transport
  if (trunk) {
    if (ep.from_user !== undefined && ep.from_user.length <= 80) fields.fromUser = ep.from_user
    if (ep.from_domain !== undefined && ep.from_domain.length <= 253) fields.fromDomain = ep.from_domain
  } else {
    if (ep.callerid !== undefined && ep.callerid.length <= 128) fields.callerId = ep.callerid
    if (ep.dtmf_mode !== undefined && DTMF_MODES.has(ep.dtmf_mode)) fields.dtmf = ep.dtmf_mode
    const nat = [ep.rtp_symmetric, ep.force_rport, ep.rewrite_contact].map(asBool)
    if (nat.every((b) => b === true)) fields.nat = true
    else if (nat.every((b) => b === false)) fields.nat = false
  }
}

function renamed (row: Record<string, string> | undefined, column: string, from: string | undefined, to: string): void {
  if (row !== undefined && from !== undefined && row[column] === from) row[column] = to
}

export function migratePjsip (categories: readonly ConfCategory[], state: MigrationState): void {
  const byType = new Map<string, Map<string, ConfObject>>()
  for (const cat of categories) {
    if (cat.template) continue
    const o = toObject(cat, { codecsStartEmpty: true })
    const type = o.columns.type
    if (type === undefined) { state.unmapped(`${o.where} [${o.name}]`, 'no type= (Asterisk ignores it too)'); continue }
    if (!SERVED.has(type)) {
      state.unmapped(label(o, type), `a ${type} is node-local: keep it in this node's pjsip.conf (Federator serves endpoint, auth, aor, identify and registration)`)
      continue
    }
    const m = byType.get(type) ?? new Map<string, ConfObject>()
    byType.set(type, m)
    if (m.has(o.name)) { state.unmapped(label(o, type), `a second ${type} named ${o.name}; the first (${m.get(o.name)!.where}) is used`); continue }
    m.set(o.name, o)
  }
  const of = (t: string): Map<string, ConfObject> => byType.get(t) ?? new Map()
  const endpoints = of('endpoint')
  const auths = of('auth')
  const aors = of('aor')
  const used = new Set<string>() // `type/name` taken into a record
  const aorUsers = new Map<string, number>()
  for (const ep of endpoints.values()) for (const a of list(ep.columns.aors).slice(0, 1)) aorUsers.set(a, (aorUsers.get(a) ?? 0) + 1)

  const identifiesOf = new Map<string, ConfObject[]>()
  for (const idf of of('identify').values()) {
    const ep = idf.columns.endpoint
    if (ep === undefined || !endpoints.has(ep)) { state.unmapped(label(idf, 'identify'), `names no endpoint of these files (${ep ?? 'no endpoint='})`); used.add('identify/' + idf.name); continue }
    identifiesOf.set(ep, [...(identifiesOf.get(ep) ?? []), idf])
  }
  const registrationsOf = new Map<string, ConfObject[]>()
  for (const reg of of('registration').values()) {
    const server = parseSipUri(reg.columns.server_uri)?.host
    const ep = (reg.columns.endpoint !== undefined && endpoints.has(reg.columns.endpoint) ? reg.columns.endpoint : undefined) ??
      (endpoints.has(reg.name) ? reg.name : undefined) ??
      [...endpoints.values()].find((e) => reg.columns.outbound_auth !== undefined && e.columns.outbound_auth === reg.columns.outbound_auth)?.name ??
      [...endpoints.values()].find((e) => server !== undefined && list(e.columns.aors).some((a) => parseSipUri(aors.get(a)?.columns.contact)?.host === server))?.name
    if (ep === undefined) continue // reported below as unused
    registrationsOf.set(ep, [...(registrationsOf.get(ep) ?? []), reg])
  }

  for (const ep of endpoints.values()) {
    const id = ep.name
    used.add('endpoint/' + id)
    if (!isId(id)) { state.unmapped(label(ep, 'endpoint'), 'the name is not a valid record id (letters, digits and . _ + -, 1–80)'); continue }
    const notes: string[] = []
    const from: string[] = [label(ep, 'endpoint')]
    for (const d of ep.dropped) state.unmapped(`${label(ep, 'endpoint')} ${d.column}=${d.value}`, `a realtime row holds one ${d.column}; the first is kept`)
    const aorNames = list(ep.columns.aors)
    for (const extraAor of aorNames.slice(1)) state.unmapped(`${label(ep, 'endpoint')} aors=${extraAor}`, 'a record has one AOR; the first is kept')
    const aor = aorNames[0] !== undefined ? aors.get(aorNames[0]) : undefined
    if (aorNames[0] !== undefined && aor === undefined) notes.push(`its AOR ${aorNames[0]} is not defined in these files`)
    if (aor !== undefined) {
      from.push(label(aor, 'aor'))
      used.add('aor/' + aor.name)
      if (aor.name !== id) notes.push(`AOR ${aor.name} is served as ${id}`)
      if ((aorUsers.get(aor.name) ?? 0) > 1) notes.push(`AOR ${aor.name} is shared by ${aorUsers.get(aor.name)!} endpoints: each record gets its own copy`)
    }
    const idfs = identifiesOf.get(id) ?? []
    const regs = registrationsOf.get(id) ?? []
    const inAuthName = list(ep.columns.auth)[0]
    const outAuthName = list(ep.columns.outbound_auth)[0]
    // a phone with a static contact still authenticates (auth=): a device
    const isTrunk = idfs.length > 0 || regs.length > 0 || (inAuthName === undefined && (aor?.columns.contact !== undefined || outAuthName !== undefined))
    const authName = isTrunk ? (outAuthName ?? inAuthName) : inAuthName
    const auth = authName !== undefined ? auths.get(authName) : undefined
    if (authName !== undefined && auth === undefined) notes.push(`its auth ${authName} is not defined in these files`)
    if (auth !== undefined) {
      from.push(label(auth, 'auth'))
      used.add('auth/' + auth.name)
      if (auth.name !== id) notes.push(`auth ${auth.name} is served as ${id}`)
    }
    const fields: Record<string, unknown> = {}
    const epRow = withoutType(ep, id)!
    const aorRow = withoutType(aor, id)
    const authRow = withoutType(auth, id)
    renamed(epRow, 'aors', ep.columns.aors, id)
    if (aor !== undefined && aorNames.length > 1) epRow.aors = id
    renamed(epRow, 'auth', authName, id)
    renamed(epRow, 'outbound_auth', authName, id)
    commonFields(epRow, fields, isTrunk)
    const a = auth?.columns ?? {}
    const authType = a.auth_type ?? 'userpass'
    const rows: Rows = { ps_endpoints: epRow }
    if (aorRow !== undefined) rows.ps_aors = aorRow
    if (authRow !== undefined) rows.ps_auths = authRow
    let record: MigratedRecord
    let view: (f: Record<string, unknown>, o: Partial<ProjectionOptions>) => Rows
    if (!isTrunk) {
      if (authType === 'userpass' && a.password !== undefined && a.password.length <= 128) fields.secret = a.password
      if (authType === 'md5' && a.md5_cred !== undefined && /^[0-9a-f]{32}$/.test(a.md5_cred)) fields.ha1 = a.md5_cred
      if (a.username !== undefined && a.username !== id && USERNAME_RE.test(a.username)) fields.username = a.username
      if (a.realm !== undefined && a.realm.length <= 80) fields.realm = a.realm
      const mc = Number(aor?.columns.max_contacts)
      if (Number.isInteger(mc) && mc >= 1 && mc <= 100) fields.maxContacts = mc
      const user = state.userForMailboxes(ep.columns.mailboxes)
      if (user !== undefined) { fields.user = user; notes.push(`mailbox ${ep.columns.mailboxes!} → user ${user}`) }
      if (outAuthName !== undefined) notes.push(`outbound_auth ${outAuthName} is kept as an override; that auth object is not served by Federator`)
      const userRec = user !== undefined ? state.recordLike('user', user) : undefined
      view = (f, o) => (devicePjsipRows({ id, fields: f }, userRec, o) ?? {}) as Rows
      record = { type: 'device', id, ...fields }
    } else {
      const contact = aor !== undefined ? parseSipUri(aor.columns.contact) : undefined
      const reg = regs[0]
      for (const r of regs.slice(1)) state.unmapped(label(r, 'registration'), `a trunk has one registration; ${regs[0]!.name} is used for ${id}`)
      for (const r of idfs.slice(1)) state.unmapped(label(r, 'identify'), `a trunk has one identify; ${idfs[0]!.name} is used for ${id}`)
      for (const r of [...regs, ...idfs]) used.add((r.columns.type ?? '') + '/' + r.name)
      const target = (contact?.user === undefined ? contact : undefined) ?? parseSipUri(reg?.columns.server_uri)
      if (target !== undefined) { fields.host = target.host; if (target.port !== undefined) fields.port = target.port }
      const idf = idfs[0]
      if (idf !== undefined) {
        from.push(label(idf, 'identify'))
        const ips = list(idf.columns.match)
        if (ips.length > 0 && ips.length <= 64 && ips.every((ip) => IP_OR_CIDR_RE.test(ip))) fields.ips = ips
        else if (ips.length > 0) notes.push('identify match holds host names: kept as an override (Asterisk resolves them)')
        const row = withoutType(idf, id)!
        row.endpoint = id
        rows.ps_endpoint_id_ips = row
      }
      if (authType === 'userpass' && a.password !== undefined && a.password.length <= 128) fields.secret = a.password
      if (a.username !== undefined && USERNAME_RE.test(a.username)) fields.username = a.username
      if (reg !== undefined) {
        from.push(label(reg, 'registration'))
        fields.register = true
        const client = parseSipUri(reg.columns.client_uri)
        if (fields.username === undefined && client?.user !== undefined && USERNAME_RE.test(client.user)) fields.username = client.user
        const row = withoutType(reg, id)!
        renamed(row, 'outbound_auth', authName, id)
        if (row.endpoint !== undefined) row.endpoint = id
        rows.ps_registrations = row
        if (reg.name !== id) notes.push(`registration ${reg.name} is served as ${id}`)
        // a provider to route calls through: inert until it gets prefixes
        if (state.get('provider', id) === undefined) {
          state.add({ type: 'provider', id, name: id, trunks: [id], prefixes: [], enabled: false },
            { from: [label(reg, 'registration')], to: `provider ${id}`, overrides: [], notes: ['disabled and without prefixes: which numbers go to this provider is in your dialplan; add prefixes and enable it'] })
        }
      }
      if (inAuthName !== undefined && inAuthName !== authName) notes.push(`inbound auth ${inAuthName} is kept as an override; that auth object is not served for a trunk`)
      view = (f, o) => (trunkPjsipRows({ id, fields: f }, o) ?? {}) as Rows
      record = { type: 'trunk', id, ...fields }
    }
    if (state.get(record.type, id) !== undefined) { state.unmapped(label(ep, 'endpoint'), `a ${record.type} ${id} was already made from another file`); continue }
    const s = settle(fields, 'pjsip', rows, view, PJSIP_OBJECTS, KEEP)
    for (const t of s.extra) notes.push(`Federator also serves ${t} ${id}, which the file did not have`)
    for (const p of s.problems) state.unmapped(`${label(ep, 'endpoint')}`, p)
    Object.assign(record, fields)
    const entry: MappedEntry = { from, to: `${record.type} ${id}`, overrides: s.overrides, notes }
    state.add(record, entry)
  }
  for (const [type, m] of byType) {
    for (const o of m.values()) {
      if (used.has(type + '/' + o.name)) continue
      state.unmapped(label(o, type), type === 'registration' ? 'no endpoint found for it (name it in endpoint=, or give the endpoint its name)' : 'no endpoint uses it')
    }
  }
}
