/**
 * The settings of a node's link to its local Asterisk, checked once at start
 * (pure: no I/O). `ari` is the Asterisk REST Interface the live call state and
 * push mode use; `mode` says where Asterisk's PJSIP objects come from:
 * `realtime` (res_config_curl lookups, every Asterisk) or `push` (the node keeps
 * Asterisk's in-memory sorcery objects equal to its view over ARI). A bad value
 * is FED_ERR_CONFIG naming the setting.
 */
import { FedError } from '@federator/core'

/** ARI application name the node registers (`/ari/events?app=`), unless configured. */
export const DEFAULT_ARI_APP = 'federator'

export const ASTERISK_MODES = ['realtime', 'push'] as const
export type AsteriskMode = typeof ASTERISK_MODES[number]

export interface AriSettings {
  /** base URL of Asterisk's HTTP server, without `/ari` (e.g. http://127.0.0.1:8088) */
  url: string
  user: string
  password: string
  /** the Stasis application name the node's events WebSocket registers */
  app: string
}

export interface AsteriskSettings {
  /** where Asterisk's PJSIP objects come from (default realtime) */
  mode: AsteriskMode
  /** the ARI connection (absent: no live call state, no push mode) */
  ari?: AriSettings
  /**
   * push mode: SIP transports the node pushes after its first full push (sorcery.conf `transport =
   * memory`): Asterisk then opens its SIP port only once every device is there (docs/asterisk.md)
   */
  transports?: Record<string, Record<string, string>>
  /** push mode's tunables (config file `asterisk.push`: driftCheckMs, concurrency…; docs/asterisk.md) */
  push?: Record<string, number>
  /** the Asterisk Manager Interface (optional: push mode lists the contacts through it on every connect) */
  ami?: AmiSettings
}

export interface AmiSettings {
  host: string
  port: number
  user: string
  password: string
}

const err = (message: string): FedError => new FedError('FED_ERR_CONFIG', message)

/** `user:password` (the password may hold colons) → its two parts. */
export function parseUserPassword (value: string, what: string): { user: string, password: string } {
  const i = value.indexOf(':')
  if (i <= 0 || i === value.length - 1) throw err(`${what}: expected user:password, got ${i <= 0 ? 'no user' : 'no password'}`)
  return { user: value.slice(0, i), password: value.slice(i + 1) }
}

/** The ARI base URL checked: http(s), a host, no path but an optional trailing `/` or `/ari`. */
export function parseAriUrl (value: string): string {
  let u: URL
  try { u = new URL(value) } catch { throw err(`ari.url: expected a URL such as http://127.0.0.1:8088, got ${JSON.stringify(value)}`) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw err(`ari.url: http or https only, got ${u.protocol.slice(0, -1)}`)
  if (u.username !== '' || u.password !== '') throw err('ari.url: give the credentials as ari.user (user:password), not in the URL')
  const path = u.pathname.replace(/\/+$/, '')
  if (path !== '' && path !== '/ari') throw err(`ari.url: Asterisk's HTTP server address only (…:8088), got the path ${u.pathname}`)
  if (u.search !== '' || u.hash !== '') throw err('ari.url: no query or fragment')
  return `${u.protocol}//${u.host}`
}

/**
 * The settings from the merged configuration layers: `ari` as an object
 * `{ url, user, password, app }` (a config file) or its parts `ariUrl`,
 * `ariUser` (`user:password`), `ariApp` (flags, environment); `asteriskMode`
 * or `asterisk.mode`. Push mode needs ARI.
 */
export function asteriskSettings (merged: Record<string, unknown>): AsteriskSettings {
  const asterisk = merged.asterisk
  if (asterisk !== undefined && (asterisk === null || typeof asterisk !== 'object' || Array.isArray(asterisk))) throw err('asterisk: expected an object such as {"mode": "push"}')
  const unknownAst = Object.keys((asterisk ?? {}) as object).filter((k) => k !== 'mode' && k !== 'push' && k !== 'transports')
  if (unknownAst.length > 0) throw err(`asterisk: unknown setting(s) ${unknownAst.join(', ')}`)
  const modeValue = merged.asteriskMode ?? (asterisk as { mode?: unknown } | undefined)?.mode ?? 'realtime'
  if (!(ASTERISK_MODES as readonly unknown[]).includes(modeValue)) throw err(`asterisk.mode: one of ${ASTERISK_MODES.join(', ')}; got ${JSON.stringify(modeValue)}`)
  const out: AsteriskSettings = { mode: modeValue as AsteriskMode }
  const push = (asterisk as { push?: unknown } | undefined)?.push
  if (push !== undefined) {
    if (push === null || typeof push !== 'object' || Array.isArray(push)) throw err('asterisk.push: expected an object of tunables such as {"driftCheckMs": 60000}')
    for (const [k, v] of Object.entries(push)) if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw err(`asterisk.push.${k}: expected a number ≥ 0, got ${JSON.stringify(v)}`)
    out.push = push as Record<string, number>
  }
  const transports = (asterisk as { transports?: unknown } | undefined)?.transports
  if (transports !== undefined) {
    const bad = (): FedError => err('asterisk.transports: expected {"<name>": {"protocol": "udp", "bind": "0.0.0.0:5060", …}} (string values)')
    if (transports === null || typeof transports !== 'object' || Array.isArray(transports)) throw bad()
    for (const [name, t] of Object.entries(transports)) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || t === null || typeof t !== 'object' || Array.isArray(t)) throw bad()
      if (Object.values(t).some((v) => typeof v !== 'string')) throw bad()
    }
    out.transports = transports as Record<string, Record<string, string>>
  }

  const obj = merged.ari
  if (obj !== undefined && (obj === null || typeof obj !== 'object' || Array.isArray(obj))) throw err('ari: expected an object {"url", "user", "password", "app"}')
  const o = (obj ?? {}) as Record<string, unknown>
  const unknownAri = Object.keys(o).filter((k) => !['url', 'user', 'password', 'app'].includes(k))
  if (unknownAri.length > 0) throw err(`ari: unknown setting(s) ${unknownAri.join(', ')}`)
  const url = merged.ariUrl ?? o.url
  let user = o.user === undefined ? undefined : String(o.user)
  let password = o.password === undefined ? undefined : String(o.password)
  if (merged.ariUser !== undefined) ({ user, password } = parseUserPassword(String(merged.ariUser), 'ari.user'))
  else if (user !== undefined && password === undefined) ({ user, password } = parseUserPassword(user, 'ari.user'))
  const app = String(merged.ariApp ?? o.app ?? DEFAULT_ARI_APP)
  if (url === undefined) {
    if (user !== undefined) throw err('ari.user is set but ari.url is not: give the address of Asterisk\'s HTTP server (--ari-url)')
    if (out.mode === 'push') throw err('asterisk.mode push needs ARI: set ari.url (--ari-url) and ari.user (--ari-user user:password)')
    // AMI alone: realtime mode's sorcery cache expiry (cache-expiry.ts)
    const ami = amiSettings(merged)
    if (ami !== undefined) out.ami = ami
    return out
  }
  if (user === undefined || password === undefined || user === '' || password === '') throw err('ari.url is set but ari.user is not: give --ari-user user:password (an ari.conf user)')
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(app)) throw err(`ari.app: letters, digits, . _ - only, got ${JSON.stringify(app)}`)
  out.ari = { url: parseAriUrl(String(url)), user, password, app }
  const ami = amiSettings(merged)
  if (ami !== undefined) out.ami = ami
  return out
}

/** `host:port` of AMI (IPv6 in brackets), checked. */
export function parseAmiAddress (value: string): { host: string, port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim())
  const port = m === null ? NaN : Number(m[3])
  if (m === null || !(port > 0 && port <= 65535)) throw err(`ami: expected host:port such as 127.0.0.1:5038, got ${JSON.stringify(value)}`)
  return { host: m[1] ?? m[2]!, port }
}

/**
 * AMI from `ami` (a config file object `{ host, port, user, password }`, or
 * `host:port` from a flag or the environment) and `amiUser` (`user:password`).
 * AMI is only used with ARI (checked by the caller's order: ARI first).
 */
function amiSettings (merged: Record<string, unknown>): AmiSettings | undefined {
  const v = merged.ami
  if (v === undefined) {
    if (merged.amiUser !== undefined) throw err('ami.user is set but ami is not: give the address of Asterisk\'s manager (--ami host:port)')
    return undefined
  }
  let addr: { host: string, port: number }
  let user: string | undefined
  let password: string | undefined
  if (typeof v === 'string') addr = parseAmiAddress(v)
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>
    const unknown = Object.keys(o).filter((k) => !['host', 'port', 'user', 'password'].includes(k))
    if (unknown.length > 0) throw err(`ami: unknown setting(s) ${unknown.join(', ')}`)
    addr = parseAmiAddress(`${String(o.host ?? '127.0.0.1')}:${String(o.port ?? 5038)}`)
    if (o.user !== undefined) user = String(o.user)
    if (o.password !== undefined) password = String(o.password)
    if (user !== undefined && password === undefined) ({ user, password } = parseUserPassword(user, 'ami.user'))
  } else throw err('ami: expected host:port or an object {"host", "port", "user", "password"}')
  if (merged.amiUser !== undefined) ({ user, password } = parseUserPassword(String(merged.amiUser), 'ami.user'))
  if (user === undefined || password === undefined || user === '' || password === '') throw err('ami is set but ami.user is not: give --ami-user user:password (a manager.conf user)')
  return { ...addr, user, password }
}
