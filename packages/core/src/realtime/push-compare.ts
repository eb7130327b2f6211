/**
 * Push mode's drift check, the comparison (docs/asterisk.md, "Push mode"): does the object Asterisk
 * holds still carry the fields the node pushed? Asterisk answers an ARI read
 * (`GET /ari/asterisk/config/dynamic/res_pjsip/<type>/<id>`) with every option of the object in its
 * own spelling, defaults included, so only the attributes that were pushed are compared, each
 * normalised the way Asterisk 20.20.1 echoes it back (seen on a real one):
 *
 * - booleans as `true`/`false` (`yes`, `NO`, `on`, `1`… pushed): compared as Asterisk's ast_true/ast_false read them;
 * - numbers in their own format (`3` → `3.000000`, a DSCP name `ef` → the TOS byte `184`);
 * - the codec list `disallow=all`, `allow=ulaw,alaw` as `allow=(ulaw|alaw)` and no `disallow`;
 * - a caller id `Al <100>` as `"Al" <100>`; lists `a,b` as `a, b`; some enums in lower case
 *   (`dtmf_mode`, `direct_media_method`…);
 * - identify's `match=1.2.3.4,10.0.0.0/8` as one `match` field per entry, `1.2.3.4/255.255.255.255`
 *   and `10.0.0.0/255.0.0.0` (a host name is resolved: not compared);
 * - options Asterisk does not echo under their name (`disallow`, `set_var` — echoed as the variable's
 *   own name —, `permit`/`deny` — echoed as `acl`) are not compared.
 *
 * What this does not know is not guessed: a value it cannot normalise compares as text, and the caller
 * (the push) stops comparing an attribute whose repair did not make it equal (`ignore`).
 */
import type { Row } from './answer.js'

/** One option as ARI returns it (a multi-valued option comes once per value). */
export interface HeldField { attribute: string, value: string }

/** What Asterisk's ast_true() and ast_false() accept. */
const TRUE = /^(yes|true|y|t|1|on)$/i
const FALSE = /^(no|false|n|f|0|off)$/i

/** DSCP names Asterisk accepts for tos_audio/tos_video (echoed as the TOS byte: DSCP << 2). */
const DSCP: Readonly<Record<string, number>> = {
  cs0: 0, cs1: 8, cs2: 16, cs3: 24, cs4: 32, cs5: 40, cs6: 48, cs7: 56,
  af11: 10, af12: 12, af13: 14, af21: 18, af22: 20, af23: 22, af31: 26, af32: 28, af33: 30, af41: 34, af42: 36, af43: 38,
  ef: 46
}

/** Enum options Asterisk echoes in lower case whatever case was pushed. */
const LOWER_CASE = new Set([
  'dtmf_mode', 'direct_media_method', 'connected_line_method', 'callerid_privacy', 'redirect_method', 'media_encryption',
  't38_udptl_ec', 'direct_media_glare_mitigation', 'auth_type', 'identify_by', 'dtls_setup', 'security_negotiation'
])

/** Options never compared: written but echoed under another name, or not at all. */
const NOT_ECHOED = new Set(['id', 'disallow', 'set_var', 'permit', 'deny', 'contact_permit', 'contact_deny'])

function numeric (v: string): number | undefined {
  const s = v.trim()
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s) && !/^0x[0-9a-f]+$/i.test(s)) return undefined
  const n = Number(s)
  return Number.isFinite(n) ? n : undefined
}

function tos (v: string): number | undefined {
  const d = DSCP[v.trim().toLowerCase()]
  return d !== undefined ? d << 2 : numeric(v)
}

/** `"Name" <num>`, `Name <num>` → name and number; undefined when it is not of that form. */
function callerId (v: string): string | undefined {
  const m = /^\s*(?:"(.*)"|([^"<]*?))\s*<([^>]*)>\s*$/.exec(v)
  return m === null ? undefined : `${m[1] ?? m[2] ?? ''}\u0000${m[3]}`
}

/** `allow` as the ordered list of codec names, or undefined when it is not a plain list after `disallow=all`. */
function codecs (allow: string, disallow: string | null | undefined): string[] | undefined {
  if (disallow === undefined || disallow === null || disallow.trim().toLowerCase() !== 'all') return undefined
  const list = allow.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '')
  return list.some((c) => c === 'all' || c.startsWith('!')) ? undefined : list
}

function heldCodecs (held: string): string[] {
  return held.replace(/^\(|\)$/g, '').split('|').map((c) => c.trim().toLowerCase()).filter((c) => c !== '')
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function ipv4 (s: string): number | undefined {
  const m = IPV4.exec(s)
  if (m === null) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
}

function dotted (n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

/** One identify `match` entry as Asterisk echoes it (`net/mask`), or undefined when it cannot tell (host names, IPv6 prefixes). */
function network (entry: string): string | undefined {
  const [addr = '', bits] = entry.trim().split('/')
  const a = ipv4(addr)
  if (a !== undefined) {
    let mask: number | undefined
    if (bits === undefined) mask = 0xffffffff
    else if (/^\d{1,2}$/.test(bits) && Number(bits) <= 32) mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0
    else mask = ipv4(bits)
    if (mask === undefined) return undefined
    return `${dotted((a & mask) >>> 0)}/${dotted(mask)}`
  }
  // an IPv6 address alone (a /128): `addr/ffff:…:ffff`; prefixes are not normalised here
  if (addr.includes(':') && /^[0-9a-f:.]+$/i.test(addr) && (bits === undefined || bits === '128')) return `${addr.toLowerCase()}/${Array(8).fill('ffff').join(':')}`
  return undefined
}

function sameSet (a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const x = [...a].sort()
  const y = [...b].sort()
  return x.every((v, i) => v === y[i])
}

/**
 * Whether one pushed value and what Asterisk holds for it mean the same. `held` lists every value
 * Asterisk gave for the attribute (one, or several for a multi-valued option); `row` is the whole
 * pushed row (an option may depend on another: `allow` on `disallow`).
 */
export function sameHeldValue (attribute: string, pushed: string, held: readonly string[], row: Row): boolean {
  if (attribute === 'match') {
    const want = pushed.split(',').map(network)
    if (want.some((w) => w === undefined)) return true // a host name: Asterisk resolved it, not comparable
    return sameSet(want as string[], held.map((h) => h.trim().toLowerCase()))
  }
  const h = held.join(',')
  if (h === pushed) return true
  if (attribute === 'allow') {
    const want = codecs(pushed, row.disallow)
    return want === undefined || want.join(',') === heldCodecs(h).join(',')
  }
  if ((TRUE.test(pushed) || FALSE.test(pushed)) && (TRUE.test(h) || FALSE.test(h))) return TRUE.test(pushed) === TRUE.test(h)
  if (attribute === 'tos_audio' || attribute === 'tos_video') {
    const a = tos(pushed)
    return a !== undefined && a === numeric(h)
  }
  const a = numeric(pushed)
  const b = numeric(h)
  if (a !== undefined && b !== undefined) return a === b
  if (attribute === 'callerid') {
    const c = callerId(pushed)
    return c !== undefined && c === callerId(h)
  }
  if (LOWER_CASE.has(attribute) && pushed.toLowerCase() === h) return true
  // lists: `a,b` is echoed `a, b`
  return pushed.split(',').map((s) => s.trim()).join(',') === h.split(',').map((s) => s.trim()).join(',')
}

/**
 * The attributes of the pushed `row` whose value Asterisk holds differently (`held`: the ARI read of
 * the object), normalised as above. Attributes Asterisk does not echo, and those in `ignore`, are not
 * compared. Empty: the object is as pushed.
 */
export function heldDiffers (row: Row, held: readonly HeldField[], ignore: ReadonlySet<string> = new Set()): string[] {
  const values = new Map<string, string[]>()
  for (const f of held) {
    const list = values.get(f.attribute)
    if (list === undefined) values.set(f.attribute, [f.value])
    else list.push(f.value)
  }
  const out: string[] = []
  for (const [attribute, value] of Object.entries(row)) {
    if (value === null || value === undefined || NOT_ECHOED.has(attribute) || ignore.has(attribute)) continue
    const h = values.get(attribute)
    if (h === undefined) continue // not echoed under this name
    if (!sameHeldValue(attribute, value, h, row)) out.push(attribute)
  }
  return out
}
