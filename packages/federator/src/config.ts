/**
 * Node configuration: defaults < config file (JSON) < environment
 * (FEDERATOR_*) < command-line flags. Every value is checked here, once;
 * a bad value is a FED_ERR_CONFIG error naming where it came from.
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { isIP } from 'node:net'
import { FedError } from '@federator/core'
import { parseJoinString } from '@federator/net'
import { accessCheck, routingConfig, type RoutingConfig } from '@federator/server'
import { asteriskSettings, type AsteriskSettings } from '@federator/asterisk'
import { dnsConfig, mergeDns, type DnsConfig } from './dns/config.js'

/** Default HTTP port: clear of Asterisk's own (5060 SIP, 5038 AMI, 8088 HTTP). */
export const DEFAULT_HTTP_PORT = 7280
export const DEFAULT_HTTP_HOST = '127.0.0.1'
export const DEFAULT_DATA_DIR = './data'

export interface Config {
  /** data directory (log, view, identity, admin token) */
  data: string
  /** HTTP listen address */
  http: { host: string, port: number }
  /** node name (default: host name) */
  name: string
  logLevel: string
  /** admin bearer token from the environment or adminTokenFile (else generated and kept in the data dir) */
  adminToken?: string
  /** cluster join string, checked here (networking is off without one); or read from joinFile */
  join?: string
  /** LAN multicast discovery: true, or the interface address to use */
  lan?: boolean | string
  /** use the public hyperswarm DHT */
  dht?: boolean
  /** private DHT bootstrap nodes host:port */
  bootstrap?: string[]
  /** static peers publicKey@host:port */
  peers?: string[]
  /** UDP port of this node's DHT/swarm socket (0: any) */
  swarmPort?: number
  /** local address this node's swarm (UDP) socket binds (default 0.0.0.0: every interface) */
  swarmHost?: string
  /** host[:port] where this node's Asterisk takes inter-node calls */
  sipAddress?: string
  /** network tunables (heartbeatMs, suspectAfterMissed, deadAfterMissed, …; see docs/federation.md) */
  net?: Record<string, unknown>
  /** routing settings (tech, inboundContext, endpointPrefix, ringTimeout, contexts, routeUrl…; see docs/routing.md) */
  routing?: RoutingConfig
  /** realtime API basic auth `user:password` (Asterisk's res_curl.conf `userpwd`; docs/asterisk.md) */
  realtimeAuth?: string
  /** addresses / CIDR blocks allowed to use the realtime API (default: any; the HTTP listen address is loopback) */
  realtimeAllow?: string[]
  /** most memory of the realtime answer cache, in MB (default: the server's CACHE_MAX_BYTES, 32) */
  realtimeCacheMb?: number
  /** a fresh data directory joins from a peer's snapshot (only the live log blocks, checked against the cluster's view hash) instead of replaying every log in full (docs/design.md) */
  snapshotJoin?: boolean
  /** the cluster DNS server (docs/dns.md): listen address, zone, this node's SRV priority, weight and SIP transports */
  dns?: DnsConfig
  /** the link to the local Asterisk: ARI connection and where its PJSIP objects come from (docs/asterisk.md) */
  asterisk: AsteriskSettings
}

export type PartialConfig = Partial<Omit<Config, 'http' | 'dns'>> & {
  http?: string | { host: string, port: number }
  /** the DNS settings (an object, its JSON, or just the listen address host:port) */
  dns?: string | Record<string, unknown>
  /** the DNS zone (same as dns.zone) */
  dnsZone?: string
  /** a file holding the join string (secrets stay out of argv and the process list) */
  joinFile?: string
  /** a file holding the admin token */
  adminTokenFile?: string
  /** ARI as an object { url, user, password, app } (config file) */
  ari?: Record<string, unknown>
  /** ARI base URL, e.g. http://127.0.0.1:8088 (same as ari.url) */
  ariUrl?: string
  /** ARI `user:password` (same as ari.user + ari.password) */
  ariUser?: string
  /** ARI application name (same as ari.app, default federator) */
  ariApp?: string
  /** { mode: 'realtime' | 'push' } (config file) */
  asterisk?: Record<string, unknown>
  /** where Asterisk's PJSIP objects come from: realtime or push (same as asterisk.mode) */
  asteriskMode?: string
  /** AMI `host:port` (flag, environment) or { host, port, user, password } (config file) */
  ami?: string | Record<string, unknown>
  /** AMI `user:password` (same as ami.user + ami.password) */
  amiUser?: string
}

const ENV: Record<string, keyof PartialConfig> = {
  FEDERATOR_DATA: 'data',
  FEDERATOR_HTTP: 'http',
  FEDERATOR_NAME: 'name',
  FEDERATOR_LOG_LEVEL: 'logLevel',
  FEDERATOR_ADMIN_TOKEN: 'adminToken',
  FEDERATOR_ADMIN_TOKEN_FILE: 'adminTokenFile',
  FEDERATOR_JOIN: 'join',
  FEDERATOR_JOIN_FILE: 'joinFile',
  FEDERATOR_LAN: 'lan',
  FEDERATOR_DHT: 'dht',
  FEDERATOR_BOOTSTRAP: 'bootstrap',
  FEDERATOR_PEERS: 'peers',
  FEDERATOR_SWARM_PORT: 'swarmPort',
  FEDERATOR_SWARM_HOST: 'swarmHost',
  FEDERATOR_SIP_ADDRESS: 'sipAddress',
  FEDERATOR_NET: 'net',
  FEDERATOR_ROUTING: 'routing',
  FEDERATOR_REALTIME_AUTH: 'realtimeAuth',
  FEDERATOR_REALTIME_ALLOW: 'realtimeAllow',
  FEDERATOR_REALTIME_CACHE_MB: 'realtimeCacheMb',
  FEDERATOR_SNAPSHOT_JOIN: 'snapshotJoin',
  FEDERATOR_DNS: 'dns',
  FEDERATOR_DNS_ZONE: 'dnsZone',
  FEDERATOR_ARI_URL: 'ariUrl',
  FEDERATOR_ARI_USER: 'ariUser',
  FEDERATOR_ARI_APP: 'ariApp',
  FEDERATOR_ASTERISK_MODE: 'asteriskMode',
  FEDERATOR_AMI: 'ami',
  FEDERATOR_AMI_USER: 'amiUser'
}

/** Config-file keys that have no environment variable of their own (objects). */
const FILE_ONLY: Array<keyof PartialConfig> = ['ari', 'asterisk']

export function parseHostPort (value: string, what: string, defaultHost = DEFAULT_HTTP_HOST): { host: string, port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim()) ?? /^()()(\d{1,5})$/.exec(value.trim())
  const port = m === null ? NaN : Number(m[3])
  if (m === null || !(port >= 0 && port <= 65535)) {
    throw new FedError('FED_ERR_CONFIG', `${what}: expected host:port (e.g. 127.0.0.1:${DEFAULT_HTTP_PORT}), got ${JSON.stringify(value)}`)
  }
  const host = m[1] ?? m[2] ?? ''
  return { host: host === '' ? defaultHost : host, port }
}

function list (v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String)
  return String(v).split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function bool (v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v
  const s = String(v).toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(s)) return true
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false
  throw new FedError('FED_ERR_CONFIG', `${what}: expected true or false, got ${JSON.stringify(v)}`)
}

/**
 * A secret given directly (`key`) or as a file to read (`fileKey`): the file's
 * content, trimmed. Both at once is an error; so is an empty or unreadable file.
 */
export function secret (merged: Record<string, unknown>, key: string, fileKey: string): string | undefined {
  const direct = merged[key]
  const file = merged[fileKey]
  if (file === undefined) return direct === undefined ? undefined : String(direct)
  if (direct !== undefined) throw new FedError('FED_ERR_CONFIG', `${key} and ${fileKey}: give one of them, not both`)
  let text: string
  try {
    text = readFileSync(String(file), 'utf8')
  } catch (err) {
    throw new FedError('FED_ERR_CONFIG', `${fileKey}: cannot read ${String(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const value = text.replace(/^\uFEFF/, '').trim()
  if (value === '') throw new FedError('FED_ERR_CONFIG', `${fileKey}: ${String(file)} is empty`)
  return value
}

/** True for an address only this host can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h
  return isIP(v4) === 4 && v4.startsWith('127.')
}

/**
 * The warning a node logs at start when its HTTP API listens on an address
 * other hosts can reach while the realtime API (device secrets, voicemail PINs)
 * has neither basic auth nor an allow-list; undefined when there is nothing to say.
 */
export function exposureWarning (config: Config): string | undefined {
  if (isLoopback(config.http.host)) return undefined
  if (config.realtimeAuth !== undefined || (config.realtimeAllow?.length ?? 0) > 0) return undefined
  return `the HTTP API listens on ${config.http.host}, reachable from other hosts, and the realtime API (device secrets, voicemail PINs) is open to any of them: ` +
    'set realtimeAuth (FEDERATOR_REALTIME_AUTH, and res_curl.conf userpwd) and/or realtimeAllow (FEDERATOR_REALTIME_ALLOW), or listen on 127.0.0.1'
}

/**
 * The warning a node in a cluster logs at start when it has no SIP address:
 * its peers then have no inter-node endpoint for it, and calls to phones
 * registered on its Asterisk fail elsewhere with `reason=no-sip-address`
 * (docs/routing.md); undefined when there is nothing to say.
 */
export function sipAddressWarning (config: Config, inCluster: boolean): string | undefined {
  if (!inCluster || config.sipAddress !== undefined) return undefined
  return 'this node is in a cluster but has no SIP address: the other nodes cannot hand it calls, so phones registered on its Asterisk ' +
    'are unreachable from them (/route answers reason=no-sip-address there); set --sip-address (FEDERATOR_SIP_ADDRESS) to where this Asterisk takes inter-node calls'
}

/** Read environment variables into a partial config. */
export function fromEnv (env: NodeJS.ProcessEnv = process.env): PartialConfig {
  const out: Record<string, unknown> = {}
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name]
    if (v !== undefined && v !== '') out[key] = v
  }
  return out as PartialConfig
}

/** Read a JSON config file. */
export function fromFile (path: string): PartialConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new FedError('FED_ERR_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new FedError('FED_ERR_CONFIG', `config file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FedError('FED_ERR_CONFIG', `config file ${path} must hold a JSON object`)
  const known = new Set([...Object.values(ENV), ...FILE_ONLY])
  const unknown = Object.keys(parsed).filter((k) => !known.has(k as keyof PartialConfig))
  if (unknown.length > 0) throw new FedError('FED_ERR_CONFIG', `config file ${path}: unknown setting(s) ${unknown.join(', ')}`)
  return parsed as PartialConfig
}

/** Merge layers (later wins) over the defaults and check every value. */
export function resolveConfig (...layers: PartialConfig[]): Config {
  const merged: Record<string, unknown> = {}
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue
      // dns merges key by key (a flag's listen address keeps the file's weight); dnsZone is its zone
      if (k === 'dns' || k === 'dnsZone') merged.dns = mergeDns(merged.dns, k === 'dns' ? v : { zone: v })
      else merged[k] = v
    }
  }
  const http = merged.http === undefined
    ? { host: DEFAULT_HTTP_HOST, port: DEFAULT_HTTP_PORT }
    : typeof merged.http === 'string' ? parseHostPort(merged.http, 'http') : merged.http as { host: string, port: number }
  const name = String(merged.name ?? (hostname().split('.')[0] || 'federator'))
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(name)) throw new FedError('FED_ERR_CONFIG', `name: letters, digits, . _ - only (1–80), got ${JSON.stringify(name)}`)
  const config: Config = {
    data: resolve(String(merged.data ?? DEFAULT_DATA_DIR)),
    http,
    name,
    logLevel: String(merged.logLevel ?? 'info'),
    asterisk: asteriskSettings(merged)
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    throw new FedError('FED_ERR_CONFIG', `logLevel: one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(config.logLevel)}`)
  }
  const adminToken = secret(merged, 'adminToken', 'adminTokenFile')
  if (adminToken !== undefined) config.adminToken = adminToken
  const join = secret(merged, 'join', 'joinFile')
  if (join !== undefined) {
    parseJoinString(join) // FED_ERR_JOIN_STRING before anything touches the data directory
    config.join = join.trim()
  }
  if (merged.lan !== undefined) {
    const s = String(merged.lan)
    config.lan = /^\d{1,3}(\.\d{1,3}){3}$/.test(s) ? s : bool(merged.lan, 'lan')
  }
  if (merged.dht !== undefined) config.dht = bool(merged.dht, 'dht')
  if (merged.bootstrap !== undefined) config.bootstrap = list(merged.bootstrap)
  if (merged.peers !== undefined) config.peers = list(merged.peers)
  if (merged.swarmPort !== undefined) {
    const p = Number(merged.swarmPort)
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new FedError('FED_ERR_CONFIG', `swarmPort: expected 0–65535, got ${JSON.stringify(merged.swarmPort)}`)
    config.swarmPort = p
  }
  if (merged.swarmHost !== undefined) config.swarmHost = String(merged.swarmHost)
  if (merged.sipAddress !== undefined) config.sipAddress = String(merged.sipAddress)
  if (merged.net !== undefined) {
    let net = merged.net
    if (typeof net === 'string') {
      try { net = JSON.parse(net) } catch { throw new FedError('FED_ERR_CONFIG', `net: expected a JSON object of network tunables, got ${JSON.stringify(merged.net)}`) }
    }
    if (net === null || typeof net !== 'object' || Array.isArray(net)) throw new FedError('FED_ERR_CONFIG', 'net: expected an object of network tunables')
    config.net = net as Record<string, unknown>
  }
  if (merged.routing !== undefined) config.routing = routingConfig(merged.routing)
  if (merged.realtimeAuth !== undefined) config.realtimeAuth = String(merged.realtimeAuth)
  if (merged.realtimeAllow !== undefined) config.realtimeAllow = list(merged.realtimeAllow)
  accessCheck({ auth: config.realtimeAuth, allow: config.realtimeAllow }) // FED_ERR_CONFIG on a bad value
  if (merged.snapshotJoin !== undefined) config.snapshotJoin = bool(merged.snapshotJoin, 'snapshotJoin')
  if (merged.realtimeCacheMb !== undefined) {
    const mb = Number(merged.realtimeCacheMb)
    if (!Number.isFinite(mb) || mb < 0 || mb > 65536) throw new FedError('FED_ERR_CONFIG', `realtimeCacheMb: expected a number of MB from 0 (no cache) to 65536, got ${JSON.stringify(merged.realtimeCacheMb)}`)
    config.realtimeCacheMb = mb
  }
  if (merged.dns !== undefined) config.dns = dnsConfig(merged.dns as Record<string, unknown>, (v, what) => parseHostPort(v, what))
  return config
}
