/**
 * The PJSIP families as views of devices and trunks (docs/asterisk.md,
 * "What each family maps to", lists every default).
 *
 * A device `d` yields the endpoint `d`, the AOR `d` and, with a secret or an
 * HA1, the auth `d` (PJSIP keeps object types apart, so sharing the id is the
 * usual layout). A trunk `t` yields the endpoint `t`, the AOR `t` with the
 * trunk's host as permanent contact, an outbound auth `t`, an identify `t`
 * (match = its IPs) and, when it registers, a registration `t`. Disabled
 * records and trunks not served on this node (`nodes`) yield nothing.
 * `device.pjsip` / `trunk.pjsip` override or extend any column (projection.ts
 * applyOverrides; objects: endpoint, auth, aor, identify, registration).
 */
import { mailboxSpec } from './voicemail.js'
import {
  applyOverrides, bool, enabled, int, obj, put, str, strs, userCallerId, projectionOptions,
  type RecordLike, type ProjectionOptions, type ProjectedRow
} from './projection.js'

export interface DevicePjsipRows { ps_endpoints: ProjectedRow, ps_aors: ProjectedRow, ps_auths?: ProjectedRow }
export interface TrunkPjsipRows {
  ps_endpoints: ProjectedRow
  ps_aors: ProjectedRow
  ps_auths?: ProjectedRow
  ps_endpoint_id_ips?: ProjectedRow
  ps_registrations?: ProjectedRow
}

export const PJSIP_OBJECTS: Readonly<Record<string, string>> = {
  endpoint: 'ps_endpoints',
  auth: 'ps_auths',
  aor: 'ps_aors',
  identify: 'ps_endpoint_id_ips',
  registration: 'ps_registrations'
}
const KEEP = ['id']

function codecs (fields: Readonly<Record<string, unknown>>, o: ProjectionOptions): string {
  const list = strs(fields.codecs)
  return (list.length > 0 ? list : o.codecs).join(',')
}

/** `host[:port]` for a SIP URI, with an IPv6 address in brackets. */
export function hostPort (host: string, port?: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return port === undefined ? h : `${h}:${port}`
}

/** Whether a trunk is used by this node's Asterisk: enabled, and `nodes` empty or naming the node (no node given: yes). */
export function trunkServedOn (trunk: RecordLike, node: string | undefined): boolean {
  if (!enabled(trunk)) return false
  const nodes = strs(trunk.fields.nodes)
  return nodes.length === 0 || node === undefined || nodes.includes(node)
}

function natColumns (row: ProjectedRow, nat: boolean | undefined): void {
  if (nat === undefined) return
  const v = nat ? 'yes' : 'no'
  row.rtp_symmetric = v
  row.force_rport = v
  row.rewrite_contact = v
}

function authRow (id: string, username: string, secret: string | undefined, ha1: string | undefined, realm: string | undefined): ProjectedRow | undefined {
  if (secret !== undefined) {
    const row: ProjectedRow = { id, auth_type: 'userpass', username, password: secret }
    put(row, 'realm', realm)
    return row
  }
  if (ha1 !== undefined) {
    const row: ProjectedRow = { id, auth_type: 'md5', username, md5_cred: ha1 }
    put(row, 'realm', realm)
    return row
  }
  return undefined
}

/** Endpoint, AOR and auth of a device (undefined when disabled). `user`: the device's user, if any. */
export function devicePjsipRows (device: RecordLike, user: RecordLike | undefined, opts?: Partial<ProjectionOptions>): DevicePjsipRows | undefined {
  if (!enabled(device)) return undefined
  const o = projectionOptions(opts)
  const f = device.fields
  const id = device.id
  const auth = authRow(id, str(f.username) ?? id, str(f.secret), str(f.ha1), str(f.realm))
  const endpoint: ProjectedRow = { id, aors: id }
  if (auth !== undefined) endpoint.auth = id
  endpoint.context = str(f.context) ?? o.deviceContext
  endpoint.disallow = 'all'
  endpoint.allow = codecs(f, o)
  put(endpoint, 'transport', str(f.transport))
  endpoint.direct_media = 'no'
  endpoint.dtmf_mode = str(f.dtmf) ?? 'rfc4733'
  natColumns(endpoint, bool(f.nat))
  put(endpoint, 'callerid', str(f.callerId) ?? userCallerId(user))
  put(endpoint, 'mailboxes', mailboxSpec(user, o))
  endpoint.identify_by = 'username'
  const aor: ProjectedRow = { id, max_contacts: String(int(f.maxContacts) ?? o.maxContacts), remove_existing: 'yes' }
  if (o.qualifyFrequency > 0) aor.qualify_frequency = String(o.qualifyFrequency)
  const rows: DevicePjsipRows = { ps_endpoints: endpoint, ps_aors: aor }
  if (auth !== undefined) rows.ps_auths = auth
  applyOverrides(rows as unknown as Record<string, ProjectedRow>, obj(f.pjsip), PJSIP_OBJECTS, 'ps_endpoints', KEEP)
  return rows
}

/** The PJSIP objects of a trunk (undefined when disabled or not served on `opts.node`). */
export function trunkPjsipRows (trunk: RecordLike, opts?: Partial<ProjectionOptions>): TrunkPjsipRows | undefined {
  const o = projectionOptions(opts)
  return trunkServedOn(trunk, o.node) ? trunkRows(trunk, o) : undefined
}

/**
 * The `ps_auths` row of a trunk this node's Asterisk does not use (disabled, or served on other
 * nodes), or undefined. When a registration goes away, Asterisk un-REGISTERs at its next reload of
 * res_pjsip_outbound_registration with the registration's `outbound_auth`; the provider challenges
 * that request, and without the auth object Asterisk cannot answer, so the provider would keep the
 * binding until it expires (Asterisk 20.20, docs/asterisk.md "Provider trunks"). An auth object no
 * endpoint or registration names is used for nothing else.
 */
export function trunkRetiredAuthRow (trunk: RecordLike, opts?: Partial<ProjectionOptions>): ProjectedRow | undefined {
  const o = projectionOptions(opts)
  return trunkServedOn(trunk, o.node) ? undefined : trunkRows(trunk, o).ps_auths
}

/** What Asterisk's ast_true() reads as true. */
const ASTERISK_TRUE = /^(yes|true|y|t|1|on)$/i

function trunkRows (trunk: RecordLike, o: ProjectionOptions): TrunkPjsipRows {
  const f = trunk.fields
  const id = trunk.id
  const host = str(f.host)
  const port = int(f.port)
  const ips = strs(f.ips)
  const secret = str(f.secret)
  const username = str(f.username)
  const auth = authRow(id, username ?? str(f.fromUser) ?? id, secret, undefined, undefined)
  const endpoint: ProjectedRow = { id, aors: id, context: str(f.context) ?? o.trunkContext, disallow: 'all', allow: codecs(f, o) }
  put(endpoint, 'transport', str(f.transport))
  if (auth !== undefined) {
    endpoint.outbound_auth = id
    if (host === undefined) endpoint.auth = id // a peer without a host registers to us with the same credentials
  }
  put(endpoint, 'from_user', str(f.fromUser))
  put(endpoint, 'from_domain', str(f.fromDomain))
  endpoint.direct_media = 'no'
  endpoint.dtmf_mode = 'rfc4733'
  endpoint.identify_by = host !== undefined ? 'ip' : ips.length > 0 ? 'username,ip' : 'username'
  const aor: ProjectedRow = { id }
  if (host !== undefined) aor.contact = `sip:${hostPort(host, port)}`
  else aor.max_contacts = '1'
  if (o.qualifyFrequency > 0) aor.qualify_frequency = String(o.qualifyFrequency)
  const rows: TrunkPjsipRows = { ps_endpoints: endpoint, ps_aors: aor }
  if (auth !== undefined) rows.ps_auths = auth
  if (ips.length > 0) rows.ps_endpoint_id_ips = { id, endpoint: id, match: ips.join(',') }
  if (bool(f.register) === true && host !== undefined) {
    const user = username ?? str(f.fromUser) ?? id
    const reg: ProjectedRow = {
      id,
      server_uri: `sip:${hostPort(host, port)}`,
      client_uri: `sip:${user}@${hostPort(host, port)}`,
      contact_user: user
    }
    if (auth !== undefined) reg.outbound_auth = id
    put(reg, 'transport', str(f.transport))
    reg.expiration = String(o.registrationExpiration)
    reg.retry_interval = String(o.registrationRetryInterval)
    reg.forbidden_retry_interval = String(o.registrationForbiddenRetryInterval)
    reg.max_retries = String(o.registrationMaxRetries)
    reg.auth_rejection_permanent = 'no'
    reg.line = 'yes'
    reg.endpoint = id
    rows.ps_registrations = reg
  }
  applyOverrides(rows as unknown as Record<string, ProjectedRow>, obj(f.pjsip), PJSIP_OBJECTS, 'ps_endpoints', KEEP)
  // Asterisk refuses (and never registers) a registration naming an endpoint without line support
  const reg = rows.ps_registrations
  if (reg !== undefined && !ASTERISK_TRUE.test(reg.line ?? '')) delete reg.endpoint
  return rows
}
