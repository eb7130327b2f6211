/**
 * The node's soft state (docs/federation.md, "Soft state"): owner-signed, versioned, TTL-bound items
 * of any kind ('node' health now, PJSIP contacts later), at most one live
 * version per (owner, kind, key). This class is the table and the local
 * publisher; the gossip over connections is soft-gossip.ts.
 *
 * `offer` takes a wire item from a peer: it decodes the body, drops it when it
 * is not newer than what we hold (cheap, before any signature check), then
 * verifies the signature and stores it. `'change'` fires for every visible
 * change (new value, removal, expiry); `'item'` fires for every accepted item
 * with the connection it came from, for relaying. `remove` publishes a
 * tombstone that lives as long as the removed item would have, so a stale
 * copy still circulating cannot bring it back.
 *
 * Across restarts (soft-persist.ts): `restore` puts back this node's own items
 * kept on disk, bodies and signatures as they were published (same seq, so
 * peers see duplicates), and `observeSeq` makes the next seq higher than any
 * the previous run used. When a peer hands us one of our own items newer than
 * what we hold (the previous run published it and we lost it: the last moment
 * before a SIGKILL, or a run that kept nothing), a kind we keep across
 * restarts (`keepsKind`) adopts it — it is the latest thing we said — and any
 * other kind is superseded by a fresh version of what we hold now.
 */
import { EventEmitter } from 'node:events'
import type { SoftChange } from '@federator/core'
import type { KeyPair } from './types.js'
import { decodeBody, isKind, signItem, verifyBody, type DecodedItem, type WireItem } from './soft-item.js'

export interface SoftItem extends DecodedItem {
  body: Uint8Array
  signature: Uint8Array
  /** local-clock estimate of the publication time (receipt time minus the age carried) */
  bornAt: number
  expiresAt: number
  /** true for items this node owns */
  local: boolean
}

export type { SoftChange }

export interface SoftStateOptions {
  keyPair: KeyPair
  now?: () => number
  maxItems: number
  maxItemBytes: number
  maxTtlMs: number
  isRevoked?: (ownerHex: string) => boolean
  /** kinds this node keeps across restarts: its own newer items coming back from peers are adopted */
  keepsKind?: (kind: string) => boolean
}

export type RestoreResult = 'restored' | 'expired' | 'malformed' | 'foreign' | 'older'

export type OfferResult = 'new' | 'duplicate' | 'stale' | 'expired' | 'malformed' | 'bad-signature' | 'revoked' | 'full'

const slot = (owner: string, kind: string, key: string): string => owner + '\0' + kind + '\0' + key

export class SoftState extends EventEmitter {
  readonly owner: string
  private readonly items = new Map<string, SoftItem>()
  private readonly byKind = new Map<string, Map<string, SoftItem>>()
  private readonly now: () => number
  private lastSeq = 0
  readonly counters: Record<OfferResult, number> = { new: 0, duplicate: 0, stale: 0, expired: 0, malformed: 0, 'bad-signature': 0, revoked: 0, full: 0 }

  constructor (private readonly opts: SoftStateOptions) {
    super()
    this.owner = opts.keyPair.publicKey.toString('hex')
    this.now = opts.now ?? Date.now
  }

  get size (): number { return this.items.size }

  /** the highest seq this node has used (or seen of its own) */
  get seq (): number { return this.lastSeq }

  /** The next local item gets a seq above `seq` (one a previous run used). */
  observeSeq (seq: number): void {
    if (Number.isSafeInteger(seq) && seq > this.lastSeq) this.lastSeq = seq
  }

  /**
   * Puts back one of this node's own items as a previous run published it (`bornAt`: its
   * publication time on the wall clock). No event fires: call it before anything follows
   * the table. The signature is not checked (our own data directory wrote it).
   */
  restore (body: Uint8Array, signature: Uint8Array, bornAt: number): RestoreResult {
    const d = decodeBody(body, this.opts.maxItemBytes)
    if (d === null || !Number.isFinite(bornAt)) return 'malformed'
    if (d.owner !== this.owner) return 'foreign'
    this.observeSeq(d.seq)
    const ttlMs = Math.min(d.ttlMs, this.opts.maxTtlMs)
    if (bornAt + ttlMs <= this.now()) return 'expired'
    const key = slot(d.owner, d.kind, d.key)
    const cur = this.items.get(key)
    if (cur !== undefined && cur.seq >= d.seq) return 'older'
    this.put(key, { ...d, ttlMs, body, signature, bornAt, expiresAt: bornAt + ttlMs, local: true })
    return 'restored'
  }

  /** Publishes (or replaces) this node's value for (kind, key). */
  publish (kind: string, key: string, value: unknown, ttlMs: number): SoftItem {
    if (!isKind(kind)) throw new TypeError('soft-state kind must match ' + String(/^[a-z][a-z0-9._-]{0,31}$/))
    if (value === undefined) throw new TypeError('soft-state value must not be undefined (use remove)')
    return this.local(kind, key, value, false, Math.min(Math.max(1, Math.round(ttlMs)), this.opts.maxTtlMs))
  }

  /** Removes this node's value for (kind, key); false when there was none. */
  remove (kind: string, key: string): boolean {
    const cur = this.items.get(slot(this.owner, kind, key))
    if (cur === undefined || cur.removed) return false
    this.local(kind, key, undefined, true, Math.max(1000, cur.expiresAt - this.now()))
    return true
  }

  private local (kind: string, key: string, value: unknown, removed: boolean, ttlMs: number): SoftItem {
    const seq = this.lastSeq = Math.max(this.lastSeq + 1, this.now())
    const { body, signature } = signItem(this.opts.keyPair, { kind, key, seq, ttlMs, value, removed })
    if (body.length > this.opts.maxItemBytes) throw new RangeError(`soft-state item of ${body.length} bytes exceeds ${this.opts.maxItemBytes}`)
    const now = this.now()
    const item: SoftItem = { owner: this.owner, kind, key, seq, ttlMs, value, removed, body, signature, bornAt: now, expiresAt: now + ttlMs, local: true }
    this.store(item, null)
    return item
  }

  /** Takes an item from a peer (`source` is handed back in the 'item' event, so it is not echoed). */
  offer (w: WireItem, source: unknown): OfferResult {
    const r = this.accept(w, source)
    this.counters[r]++
    return r
  }

  private accept ([body, signature, age]: WireItem, source: unknown): OfferResult {
    const d = decodeBody(body, this.opts.maxItemBytes)
    if (d === null) return 'malformed'
    const key = slot(d.owner, d.kind, d.key)
    const cur = this.items.get(key)
    if (cur !== undefined && cur.seq >= d.seq) return cur.seq === d.seq ? 'duplicate' : 'stale'
    const ttlMs = Math.min(d.ttlMs, this.opts.maxTtlMs)
    if (age >= ttlMs) return 'expired'
    if (this.opts.isRevoked?.(d.owner) === true) return 'revoked'
    if (cur === undefined && this.items.size >= this.opts.maxItems) return 'full'
    if (!verifyBody(body, signature, d.owner)) return 'bad-signature'
    if (d.owner === this.owner) return this.echo(d, body, signature, age, ttlMs, source)
    const now = this.now()
    this.store({ ...d, ttlMs, body, signature, bornAt: now - age, expiresAt: now - age + ttlMs, local: false }, source)
    return 'new'
  }

  /**
   * Our own item, newer than what we hold: a previous run of this node published it.
   * A kind we keep across restarts adopts it (the latest thing we said, lost here);
   * any other kind is superseded with the current value, or a removal.
   */
  private echo (d: DecodedItem, body: Uint8Array, signature: Uint8Array, age: number, ttlMs: number, source: unknown): OfferResult {
    this.lastSeq = Math.max(this.lastSeq, d.seq)
    if (this.opts.keepsKind?.(d.kind) === true) {
      const now = this.now()
      this.store({ ...d, ttlMs, body, signature, bornAt: now - age, expiresAt: now - age + ttlMs, local: true }, source)
      return 'new'
    }
    const cur = this.items.get(slot(d.owner, d.kind, d.key))
    if (cur !== undefined && !cur.removed) this.local(d.kind, d.key, cur.value, false, Math.max(1, cur.expiresAt - this.now()))
    else this.local(d.kind, d.key, undefined, true, Math.min(d.ttlMs, this.opts.maxTtlMs))
    return 'stale'
  }

  private put (key: string, item: SoftItem): SoftItem | undefined {
    const prev = this.items.get(key)
    this.items.set(key, item)
    let kindMap = this.byKind.get(item.kind)
    if (kindMap === undefined) this.byKind.set(item.kind, kindMap = new Map())
    kindMap.set(key, item)
    return prev
  }

  private store (item: SoftItem, source: unknown): void {
    const prev = this.put(slot(item.owner, item.kind, item.key), item)
    this.emit('item', item, source)
    if (item.removed && (prev === undefined || prev.removed)) return
    this.emit('change', {
      kind: item.kind,
      key: item.key,
      owner: item.owner,
      value: item.removed ? undefined : item.value,
      reason: item.removed ? 'remove' : 'update',
      local: item.local
    } satisfies SoftChange)
  }

  /** Live values of a kind (all owners). */
  get (kind: string): Array<{ owner: string, key: string, value: unknown, expiresAt: number, seq: number, local: boolean }> {
    const out = []
    const now = this.now()
    for (const it of this.byKind.get(kind)?.values() ?? []) {
      if (it.removed || it.expiresAt <= now) continue
      out.push({ owner: it.owner, key: it.key, value: it.value, expiresAt: it.expiresAt, seq: it.seq, local: it.local })
    }
    return out
  }

  /** Every unexpired item, tombstones included (what a new connection receives). */
  * all (): Generator<SoftItem> {
    const now = this.now()
    for (const it of this.items.values()) if (it.expiresAt > now) yield it
  }

  /** Counts of live values per kind. */
  counts (): Record<string, number> {
    const out: Record<string, number> = {}
    const now = this.now()
    for (const [kind, m] of this.byKind) {
      let n = 0
      for (const it of m.values()) if (!it.removed && it.expiresAt > now) n++
      out[kind] = n
    }
    return out
  }

  /** Drops expired items; returns how many were dropped. */
  sweep (): number {
    const now = this.now()
    let n = 0
    for (const [key, it] of this.items) {
      if (it.expiresAt > now) continue
      this.items.delete(key)
      const kindMap = this.byKind.get(it.kind)
      kindMap?.delete(key)
      if (kindMap?.size === 0) this.byKind.delete(it.kind)
      n++
      if (!it.removed) {
        this.emit('change', { kind: it.kind, key: it.key, owner: it.owner, value: undefined, reason: 'expire', local: it.local } satisfies SoftChange)
      }
    }
    return n
  }
}

/** The item as sent to a peer now: body, signature and its current age. */
export function toWire (it: SoftItem, now: number): WireItem {
  return [it.body, it.signature, Math.max(0, Math.round(now - it.bornAt))]
}
