/**
 * A soft-state item: one (owner, kind, key) value, signed by its owner.
 *
 * The signed body is a msgpack map
 *   { v: 1, o: owner public key (32 bytes), k: kind, i: key, s: seq, l: ttl ms, d?: value, x?: 1 (removed) }
 * and travels as `[body, signature (64 bytes), age ms]`. Relays forward the
 * body bytes untouched, so fields a relay does not know survive (and the
 * signature still verifies). `age` is not signed: each hop adds the time it
 * held the item, so expiry needs no synchronised clocks; a relay could only
 * lie about it within the owner's TTL, and relays are admitted members.
 * `seq` grows per owner across restarts (it starts from the wall clock), so
 * the newest version of a key always wins and duplicates are recognised by
 * (owner, kind, key, seq).
 */
import * as hcrypto from 'hypercore-crypto'
import type { KeyPair } from './types.js'
import { isBytes, pack, unpack } from './wire.js'

export const SOFT_ITEM_VERSION = 1

export interface DecodedItem {
  owner: string
  kind: string
  key: string
  seq: number
  ttlMs: number
  value: unknown
  removed: boolean
}

/** An item as carried on the wire. */
export type WireItem = [body: Uint8Array, signature: Uint8Array, ageMs: number]

export type DecodeFailure = 'malformed' | 'bad-signature'

const KIND = /^[a-z][a-z0-9._-]{0,31}$/

export function isKind (x: unknown): x is string {
  return typeof x === 'string' && KIND.test(x)
}

export function signItem (kp: KeyPair, item: Omit<DecodedItem, 'owner'>): { body: Buffer, signature: Buffer } {
  const map: Record<string, unknown> = { v: SOFT_ITEM_VERSION, o: kp.publicKey, k: item.kind, i: item.key, s: item.seq, l: item.ttlMs }
  if (item.removed) map.x = 1
  else map.d = item.value
  const body = pack(map)
  return { body, signature: hcrypto.sign(body, kp.secretKey) }
}

/** Decodes a body without checking the signature (cheap: used to drop duplicates first). */
export function decodeBody (body: Uint8Array, maxBytes: number): DecodedItem | null {
  if (!isBytes(body) || body.length > maxBytes) return null
  let m: unknown
  try {
    m = unpack(body)
  } catch {
    return null
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return null
  const r = m as Record<string, unknown>
  if (typeof r.v !== 'number' || !isBytes(r.o, 32) || !isKind(r.k) || typeof r.i !== 'string' || r.i.length > 512) return null
  if (!Number.isSafeInteger(r.s) || (r.s as number) < 0) return null
  if (!Number.isSafeInteger(r.l) || (r.l as number) <= 0) return null
  return {
    owner: Buffer.from(r.o).toString('hex'),
    kind: r.k,
    key: r.i,
    seq: r.s as number,
    ttlMs: r.l as number,
    value: r.d,
    removed: r.x === 1 || r.x === true
  }
}

export function verifyBody (body: Uint8Array, signature: Uint8Array, ownerHex: string): boolean {
  if (!isBytes(signature, 64)) return false
  return hcrypto.verify(body, signature, Buffer.from(ownerHex, 'hex'))
}

/** Validates the outer shape of a wire item. */
export function isWireItem (x: unknown): x is WireItem {
  return Array.isArray(x) && x.length >= 3 && isBytes(x[0]) && isBytes(x[1], 64) &&
    Number.isSafeInteger(x[2]) && (x[2] as number) >= 0
}
