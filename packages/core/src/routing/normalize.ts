/**
 * Defensive conversion of merged record fields into the views routing uses.
 *
 * Records from peers are not schema-validated (a newer node may know more
 * fields), so routing never trusts a field's type: anything malformed becomes
 * a default or makes the record unusable for routing (`undefined`), never an
 * exception at call time. Ids and numbers that end up inside a Dial() string
 * are checked against strict character sets here and again when the dial
 * string is built.
 */
import type { RouteTarget } from '../records.js'
import type { DeviceView, ProviderView, RouteView, TrunkView, UserView } from './types.js'

/** A record id (records.ts ID_PATTERN): safe in a Dial() string and a SIP URI user part. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$/
/** A dialable number as stored in users, routes and provider prefixes. */
export const SAFE_NUMBER = /^[0-9A-Za-z*#+]{1,80}$/
const SAFE_PREFIX = /^[0-9*#+]{0,32}$/
const SAFE_NAME = /^[A-Za-z0-9._-]{1,80}$/
const SAFE_CONTEXT = /^[A-Za-z0-9_.-]{1,80}$/

type Raw = Record<string, unknown>

/** Marks a present but malformed field that makes the record unusable for routing. */
const BAD = Symbol('bad')
const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined
const bool = (v: unknown, dflt: boolean): boolean => typeof v === 'boolean' ? v : dflt
const int = (v: unknown, dflt: number, min: number, max: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : dflt
/** An optional string field: absent → `dflt`, present and matching → it, otherwise BAD. */
const optStr = (v: unknown, re: RegExp, dflt: string | undefined): string | undefined | typeof BAD =>
  v === undefined || v === null ? dflt : typeof v === 'string' && re.test(v) ? v : BAD
/** An optional integer field: absent → `dflt`, present and in range → it, otherwise BAD. */
const optInt = (v: unknown, dflt: number, min: number, max: number): number | typeof BAD =>
  v === undefined || v === null ? dflt : typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : BAD
/** The matching strings, in an exact-size array (filter's own result keeps room for 17: ≈190 bytes for one). */
const strings = (v: unknown, re: RegExp): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && re.test(x)).slice() : []
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

export function userView (id: string, f: Raw): UserView | undefined {
  if (!SAFE_ID.test(id)) return undefined
  const vm = isObj(f.voicemail) ? f.voicemail : undefined
  const extensions = strings(f.extensions, SAFE_NUMBER)
  let voicemail: string | undefined
  if (vm !== undefined && vm.enabled !== false) {
    const box = str(vm.mailbox) ?? extensions[0]
    const ctx = str(vm.context) ?? 'default'
    if (box !== undefined && SAFE_NUMBER.test(box) && SAFE_CONTEXT.test(ctx)) voicemail = `${box}@${ctx}`
  }
  return { id, name: str(f.name) ?? id, extensions, callWaiting: bool(f.callWaiting, true), ...(voicemail !== undefined ? { voicemail } : {}) }
}

export function deviceView (id: string, f: Raw): DeviceView | undefined {
  if (!SAFE_ID.test(id)) return undefined
  const user = str(f.user)
  return { id, enabled: bool(f.enabled, true), ...(user !== undefined && SAFE_ID.test(user) ? { user } : {}) }
}

export function trunkView (id: string, f: Raw): TrunkView | undefined {
  if (!SAFE_ID.test(id)) return undefined
  return {
    id,
    enabled: bool(f.enabled, true),
    maxChannels: int(f.maxChannels, 0, 0, Number.MAX_SAFE_INTEGER),
    nodes: strings(f.nodes, SAFE_NAME)
  }
}

export function providerView (id: string, f: Raw): ProviderView | undefined {
  if (!SAFE_ID.test(id)) return undefined
  const prefixes: Array<{ prefix: string, cost: number }> = []
  if (Array.isArray(f.prefixes)) {
    for (const p of f.prefixes) {
      if (!isObj(p)) continue
      const prefix = str(p.prefix)
      const cost = p.cost
      if (prefix === undefined || !SAFE_PREFIX.test(prefix)) continue
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) continue
      prefixes.push({ prefix, cost })
    }
  }
  const prepend = optStr(f.prepend, SAFE_PREFIX, '')
  const strip = optInt(f.strip, 0, 0, 32)
  if (prepend === BAD || prepend === undefined || strip === BAD) return undefined
  return {
    id,
    name: str(f.name) ?? id,
    trunks: strings(f.trunks, SAFE_ID),
    prefixes,
    priority: int(f.priority, 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    enabled: bool(f.enabled, true),
    maxChannels: int(f.maxChannels, 0, 0, Number.MAX_SAFE_INTEGER),
    strip,
    prepend
  }
}

function targetOf (v: unknown): RouteTarget | undefined {
  if (!isObj(v)) return undefined
  const id = (k: string): string | undefined => { const s = str(v[k]); return s !== undefined && SAFE_ID.test(s) ? s : undefined }
  switch (v.kind) {
    case 'user': { const user = id('user'); return user === undefined ? undefined : { kind: 'user', user } }
    case 'device': { const device = id('device'); return device === undefined ? undefined : { kind: 'device', device } }
    case 'trunk': { const trunk = id('trunk'); return trunk === undefined ? undefined : { kind: 'trunk', trunk } }
    case 'provider': { const provider = id('provider'); return provider === undefined ? undefined : { kind: 'provider', provider } }
    case 'lcr':
      if (v.providers === undefined || v.providers === null) return { kind: 'lcr' }
      return Array.isArray(v.providers) ? { kind: 'lcr', providers: strings(v.providers, SAFE_ID) } : undefined
    default: return undefined
  }
}

export function routeView (id: string, f: Raw): RouteView | undefined {
  const pattern = str(f.pattern)
  const target = targetOf(f.target)
  if (pattern === undefined || pattern.length === 0 || pattern.length > 81 || target === undefined) return undefined
  // a malformed context, rewrite or priority would change what the route does: the route is unusable
  const context = optStr(f.context, SAFE_CONTEXT, undefined)
  const prepend = optStr(f.prepend, SAFE_PREFIX, '')
  const strip = optInt(f.strip, 0, 0, 32)
  const priority = optInt(f.priority, 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  if (context === BAD || prepend === BAD || prepend === undefined || strip === BAD || priority === BAD) return undefined
  return {
    id,
    pattern,
    ...(context !== undefined ? { context } : {}),
    target,
    priority,
    strip,
    prepend,
    enabled: bool(f.enabled, true)
  }
}

/** `prepend + number.slice(strip)` — the number rewriting of routes and providers. */
export function rewrite (number: string, strip: number, prepend: string): string {
  return prepend + (strip > 0 ? number.slice(strip) : number)
}
