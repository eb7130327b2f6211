/**
 * The `routing` settings of a node (config file key `routing`, env
 * `FEDERATOR_ROUTING` as JSON), checked once at start-up: a bad value is a
 * FED_ERR_CONFIG error, never a per-call failure.
 *
 *   tech, inboundContext, endpointPrefix, ringTimeout, trunkTimeout,
 *   maxAlternatives       the decision's settings (core routing/settings.ts)
 *   contexts              contexts served as a generated dialplan (`extensions` rows)
 *   routeUrl              the /route URL as Asterisk reaches it (default: this node's HTTP address)
 *   httpTimeout           CURLOPT(httptimeout) of the generated dialplan, seconds
 *   codecs, pjsipTransport, sipTransport   of the generated inter-node trunks
 */
import { FedError, generatedDialplan, routingSettings, type RoutingSettings, type Tech } from '@federator/core'

export interface RoutingConfig extends Partial<RoutingSettings> {
  contexts?: string[]
  routeUrl?: string
  httpTimeout?: number
  codecs?: string[]
  pjsipTransport?: string
  sipTransport?: string
}

const SETTINGS = ['tech', 'inboundContext', 'endpointPrefix', 'ringTimeout', 'trunkTimeout', 'maxAlternatives'] as const
const OTHER = ['contexts', 'routeUrl', 'httpTimeout', 'codecs', 'pjsipTransport', 'sipTransport'] as const
const CONTEXT = /^[A-Za-z0-9_.-]{1,80}$/
const CODEC = /^[a-z0-9_.-]{1,32}$/
const TRANSPORT = /^[A-Za-z0-9_.-]{1,40}$/

const bad = (message: string): FedError => new FedError('FED_ERR_CONFIG', 'routing: ' + message)

function strings (v: unknown, re: RegExp, what: string, max: number): string[] {
  if (!Array.isArray(v) || v.length > max || !v.every((x) => typeof x === 'string' && re.test(x))) throw bad(`${what} must be a list of at most ${max} names matching ${String(re)}`)
  return [...new Set(v as string[])]
}

/** Parses and checks the routing settings (an object, or its JSON text). Throws FED_ERR_CONFIG. */
export function routingConfig (raw: unknown): RoutingConfig {
  let v = raw
  if (typeof v === 'string') {
    try { v = JSON.parse(v) } catch { throw bad(`expected a JSON object, got ${JSON.stringify(raw).slice(0, 80)}`) }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('expected an object')
  const o = v as Record<string, unknown>
  const unknown = Object.keys(o).filter((k) => !(SETTINGS as readonly string[]).includes(k) && !(OTHER as readonly string[]).includes(k))
  if (unknown.length > 0) throw bad(`unknown setting(s) ${unknown.join(', ')}`)
  const out: RoutingConfig = {}
  const settings: Record<string, unknown> = {}
  for (const k of SETTINGS) if (o[k] !== undefined) settings[k] = o[k]
  if (typeof settings.tech === 'string') settings.tech = settings.tech.toUpperCase() as Tech
  Object.assign(out, settings)
  routingSettings(settings as Partial<RoutingSettings>) // throws FED_ERR_CONFIG
  if (o.contexts !== undefined) out.contexts = strings(o.contexts, CONTEXT, 'contexts', 64)
  if (o.codecs !== undefined) out.codecs = strings(o.codecs, CODEC, 'codecs', 16)
  for (const k of ['pjsipTransport', 'sipTransport'] as const) {
    if (o[k] === undefined) continue
    if (typeof o[k] !== 'string' || !TRANSPORT.test(o[k])) throw bad(`${k} must match ${String(TRANSPORT)}`)
    out[k] = o[k]
  }
  if (o.httpTimeout !== undefined) {
    if (typeof o.httpTimeout !== 'number' || !Number.isInteger(o.httpTimeout) || o.httpTimeout < 1 || o.httpTimeout > 60) throw bad('httpTimeout must be an integer from 1 to 60 (seconds)')
    out.httpTimeout = o.httpTimeout
  }
  if (o.routeUrl !== undefined) {
    if (typeof o.routeUrl !== 'string') throw bad('routeUrl must be a URL')
    try {
      generatedDialplan({ context: 'check', routeUrl: o.routeUrl })
    } catch (err) {
      throw bad(`routeUrl: ${(err as Error).message}`)
    }
    out.routeUrl = o.routeUrl
  }
  for (const c of out.contexts ?? []) {
    if (c === (out.inboundContext ?? routingSettings().inboundContext)) throw bad(`contexts must not list the inbound context ${c} (it is generated anyway)`)
  }
  return out
}

/** The /route URL for a node listening at `host:port` (a wildcard address is reached on loopback). */
export function defaultRouteUrl (host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host
  return `http://${h}:${port}/route`
}
