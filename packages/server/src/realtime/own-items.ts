/**
 * This node's own soft-state items of one kind, each with the time it
 * expires (its soft-state expiry plus the grace period): the common part of
 * ContactBook (contacts-book.ts) and SipRegBook (sipreg-book.ts). Writes
 * publish to the soft-state table and come back through its 'change' event
 * (`apply`, called by the RegistrationBook); a removal also drops the item at
 * once.
 */
import type { Registrations } from '../ports.js'
import type { CacheTag } from './cache-tags.js'

export interface Own<T> { value: T, expiresAt: number }

/** What the books share: the table, the grace period, the clock, the answer cache's bump. */
export interface BookContext {
  table: Registrations
  graceMs: number
  now: () => number
  /** called with the cache tags of every change */
  bump: (...tags: CacheTag[]) => void
}

export abstract class OwnItems<T> {
  protected readonly items = new Map<string, Own<T>>()

  constructor (protected readonly kind: string, protected readonly o: BookContext) {}

  get size (): number { return this.items.size }

  /** An item of this node published (or replaced) in the table, or not one of this kind (dropped). */
  abstract apply (key: string, value: unknown): void

  /** Forget an item (removed, expired, or no longer valid), bumping its tags. */
  abstract drop (key: string): void

  /** Drop the items whose soft-state TTL has run out at `now` (whether or not the table was swept). */
  expire (now: number): void {
    for (const [key, o] of this.items) if (o.expiresAt <= now) this.drop(key)
  }

  /** Publish (or replace) an item expiring at `epochSeconds`. Throws when the table refuses it (too big). */
  protected publish (key: string, value: T, epochSeconds: number): void {
    this.o.table.publish(this.kind, key, value, this.ttl(epochSeconds))
  }

  /** Remove one of this node's items from the table and drop it; false when there is none. */
  protected unpublish (key: string): boolean {
    if (!this.items.has(key)) return false
    this.o.table.remove(this.kind, key)
    this.drop(key)
    return true
  }

  /** Keep an item expiring at `epochSeconds` (plus the grace period). */
  protected keep (key: string, value: T, epochSeconds: number): void {
    this.items.set(key, { value, expiresAt: epochSeconds * 1000 + this.o.graceMs })
  }

  /** Soft-state TTL of an item expiring at `epochSeconds`: until then, plus the grace period. */
  private ttl (epochSeconds: number): number {
    return Math.max(1000, epochSeconds * 1000 + this.o.graceMs - this.o.now())
  }
}
