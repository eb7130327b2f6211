/**
 * A cluster is a 32-byte random secret. Everything else is derived from it
 * with HMAC-SHA256 under fixed labels, so that what is published never
 * reveals the secret:
 *   topic    = HMAC(secret, "federator/topic/v1")   the hyperswarm DHT topic
 *   authKey  = HMAC(secret, "federator/admit/v1")   the admission proof key
 *   lanId    = HMAC(secret, "federator/lan/v1")     announced on LAN multicast
 *   id       = first 8 bytes of SHA-256(topic), hex: a public name for logs/status
 *
 * Join string (what `federator init` prints and `--join` takes), version 1:
 *   fed1:<56 base32 chars>[/<hint>,<hint>,...]
 * The base32 (RFC 4648 alphabet, lower case, no padding) holds the secret
 * followed by a 3-byte checksum (SHA-256 of "federator/join/v1" + secret), so a
 * typo gives a clear error instead of a silent, separate cluster. Hints are
 * optional: `<public key>@<host>:<port>` is a static peer, `<host>:<port>` a
 * DHT bootstrap node.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { FedError } from '@federator/core'
import { parseHostPort, parseStaticPeer, formatHostPort, formatStaticPeer, type HostPort, type StaticPeer } from './peer-address.js'

export const JOIN_PREFIX = 'fed1:'
const SECRET_BYTES = 32
const CHECKSUM_BYTES = 3
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

export interface ClusterKeys {
  secret: Buffer
  topic: Buffer
  authKey: Buffer
  lanId: Buffer
  /** public 16-hex cluster id (safe to log) */
  id: string
}

export interface JoinInfo {
  cluster: ClusterKeys
  peers: StaticPeer[]
  bootstrap: HostPort[]
}

function hmac (key: Buffer, label: string): Buffer {
  return createHmac('sha256', key).update(label).digest()
}

export function clusterKeys (secret: Buffer): ClusterKeys {
  if (secret.length !== SECRET_BYTES) throw new FedError('FED_ERR_JOIN_STRING', `A cluster secret is ${SECRET_BYTES} bytes`)
  const topic = hmac(secret, 'federator/topic/v1')
  return {
    secret: Buffer.from(secret),
    topic,
    authKey: hmac(secret, 'federator/admit/v1'),
    lanId: hmac(secret, 'federator/lan/v1'),
    id: createHash('sha256').update(topic).digest().subarray(0, 8).toString('hex')
  }
}

export function newClusterSecret (): Buffer {
  return randomBytes(SECRET_BYTES)
}

function checksum (secret: Buffer): Buffer {
  return createHash('sha256').update('federator/join/v1').update(secret).digest().subarray(0, CHECKSUM_BYTES)
}

export function base32Encode (buf: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of buf) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/** Decodes RFC 4648 base32 (any case, no padding); null on a foreign character. */
export function base32Decode (text: string): Buffer | null {
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of text.toLowerCase()) {
    const v = ALPHABET.indexOf(ch)
    if (v < 0) return null
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255)
      bits -= 8
      value &= (1 << bits) - 1
    }
  }
  return Buffer.from(out)
}

export function formatJoinString (secret: Buffer, hints: { peers?: StaticPeer[], bootstrap?: HostPort[] } = {}): string {
  clusterKeys(secret) // validates the length
  const body = base32Encode(Buffer.concat([secret, checksum(secret)]))
  const list = [...(hints.peers ?? []).map(formatStaticPeer), ...(hints.bootstrap ?? []).map(formatHostPort)]
  return JOIN_PREFIX + body + (list.length > 0 ? '/' + list.join(',') : '')
}

function bad (reason: string, details: Record<string, unknown> = {}): never {
  throw new FedError('FED_ERR_JOIN_STRING', `Invalid join string: ${reason}`, { reason, ...details })
}

export function parseJoinString (input: string): JoinInfo {
  if (typeof input !== 'string') bad('not a string')
  const s = input.trim()
  const colon = s.indexOf(':')
  if (colon < 0 || !/^fed[0-9]+$/i.test(s.slice(0, colon))) bad('it must start with "fed1:"')
  if (s.slice(0, colon).toLowerCase() !== 'fed1') bad(`unsupported version "${s.slice(0, colon)}" (this node reads fed1)`, { version: s.slice(0, colon) })
  const rest = s.slice(colon + 1)
  const slash = rest.indexOf('/')
  const body = slash < 0 ? rest : rest.slice(0, slash)
  const expected = Math.ceil((SECRET_BYTES + CHECKSUM_BYTES) * 8 / 5)
  if (body.length !== expected) bad(`the secret part must be ${expected} characters, got ${body.length}`)
  const raw = base32Decode(body)
  if (raw === null) bad('the secret part has a character outside a–z and 2–7')
  const secret = raw.subarray(0, SECRET_BYTES)
  if (!timingSafeEqual(raw.subarray(SECRET_BYTES, SECRET_BYTES + CHECKSUM_BYTES), checksum(secret))) {
    bad('checksum mismatch (a typo in the secret?)')
  }
  const peers: StaticPeer[] = []
  const bootstrap: HostPort[] = []
  if (slash >= 0) {
    for (const hint of rest.slice(slash + 1).split(',')) {
      if (hint.trim() === '') continue
      try {
        if (hint.includes('@')) peers.push(parseStaticPeer(hint))
        else bootstrap.push(parseHostPort(hint))
      } catch (err) {
        bad(`hint "${hint}": ${(err as Error).message}`, { hint })
      }
    }
  }
  return { cluster: clusterKeys(Buffer.from(secret)), peers, bootstrap }
}
