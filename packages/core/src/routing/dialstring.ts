/**
 * Dial() strings and the inter-node hop extensions, in one place so that the
 * route decision, the generated inter-node trunks and the generated dialplan
 * agree on names.
 *
 * Safety. A dial string is pasted into `Dial(${HASH(r,dial)},…)` or
 * `Dial(${CURL(…)})`; Asterisk splits application arguments *after* variable
 * expansion, at commas outside `()`, `[]` and `"…"`, and treats `\` as an
 * escape; `&` separates parallel targets. So every piece is checked against
 * `DIAL_SAFE` (letters, digits and `. _ + * # ~ -`) before it is used, and a
 * piece that fails makes that leg unusable instead of leaking a separator.
 *
 * Hop extensions. A call handed to another node arrives there in the inbound
 * context with one of these extensions, which the receiving node routes to
 * itself only (never onwards, so hops cannot loop):
 *   `<exten>`               a user's extension: that node's registrations of the user;
 *   `u~<user>`              a user without extensions;
 *   `d~<device>`            one device registered there;
 *   `t~<trunk>~<number>`    send `<number>` (already rewritten) out on `<trunk>`.
 * `~` never occurs in ids or numbers, so the forms are unambiguous.
 */
import type { Tech } from './types.js'

const DIAL_SAFE = /^[A-Za-z0-9._+*#~-]+$/
export const HOP_SEPARATOR = '~'

export const isDialSafe = (piece: string): boolean => DIAL_SAFE.test(piece)

/** Name of the inter-node endpoint (PJSIP endpoint/AOR, chan_sip peer) that reaches a node. */
export function interNodeEndpoint (nodeName: string, prefix: string): string {
  return prefix + nodeName
}

/** A device registered on this node. */
export function localDial (tech: Tech, device: string): string | undefined {
  return isDialSafe(device) ? `${tech}/${device}` : undefined
}

/** `user` (an extension or hop extension) at the node behind inter-node endpoint `endpoint`. */
export function endpointDial (tech: Tech, endpoint: string, user: string): string | undefined {
  if (!isDialSafe(endpoint) || !isDialSafe(user)) return undefined
  return tech === 'PJSIP' ? `PJSIP/${user}@${endpoint}` : `SIP/${endpoint}/${user}`
}

/** `number` out on trunk `trunk` (the trunk's endpoint/peer is named after its id). */
export function trunkDial (tech: Tech, trunk: string, number: string): string | undefined {
  return endpointDial(tech, trunk, number)
}

export type Hop =
  | { kind: 'exten', exten: string }
  | { kind: 'user', user: string }
  | { kind: 'device', device: string }
  | { kind: 'trunk', trunk: string, number: string }

export function hopExten (hop: Hop): string {
  switch (hop.kind) {
    case 'exten': return hop.exten
    case 'user': return `u~${hop.user}`
    case 'device': return `d~${hop.device}`
    case 'trunk': return `t~${hop.trunk}~${hop.number}`
  }
}

const HOP_RE = /^([udt])~([A-Za-z0-9][A-Za-z0-9._+-]{0,79})(?:~([0-9A-Za-z*#+]{1,80}))?$/

/** Parses a hop extension; `undefined` when `exten` has `~` but is not a valid hop form. */
export function parseHop (exten: string): Hop | undefined {
  if (!exten.includes(HOP_SEPARATOR)) return { kind: 'exten', exten }
  const m = HOP_RE.exec(exten)
  if (m === null) return undefined
  const [, k, id, number] = m as unknown as [string, string, string, string | undefined]
  if (k === 't') return number === undefined ? undefined : { kind: 'trunk', trunk: id, number }
  if (number !== undefined) return undefined
  return k === 'u' ? { kind: 'user', user: id } : { kind: 'device', device: id }
}

/** Hop-extension patterns the inbound context must route (besides plain numbers). */
export const HOP_PATTERNS: readonly string[] = ['_u~.', '_d~.', '_t~.']
