/** Validating the routing tunables once, at start-up (a bad value is a configuration error, not a per-call one). */
import { FedError } from '../errors.js'
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from './types.js'

const CONTEXT = /^[A-Za-z0-9_.-]{1,80}$/
const PREFIX = /^[A-Za-z0-9._+-]{0,40}$/

function positiveInt (name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new FedError('FED_ERR_CONFIG', `routing ${name} must be an integer from 1 to ${max}`)
}

/** Defaults merged with `partial`, checked. Throws FED_ERR_CONFIG. */
export function routingSettings (partial: Partial<RoutingSettings> = {}): RoutingSettings {
  const s: RoutingSettings = { ...DEFAULT_ROUTING_SETTINGS }
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v
  if (s.tech !== 'PJSIP' && s.tech !== 'SIP') throw new FedError('FED_ERR_CONFIG', 'routing tech must be PJSIP or SIP')
  if (!CONTEXT.test(s.inboundContext)) throw new FedError('FED_ERR_CONFIG', 'routing inboundContext is not a valid context name')
  if (!PREFIX.test(s.endpointPrefix)) throw new FedError('FED_ERR_CONFIG', 'routing endpointPrefix may only hold letters, digits and . _ + -')
  positiveInt('ringTimeout', s.ringTimeout, 86400)
  positiveInt('trunkTimeout', s.trunkTimeout, 86400)
  positiveInt('maxAlternatives', s.maxAlternatives, 32)
  return Object.freeze(s)
}
