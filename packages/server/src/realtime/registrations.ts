/**
 * Registrations as soft state (docs/federation.md, "Soft state"): PJSIP contacts
 * (`ps_contacts`) and chan_sip registrations (the registration columns of
 * `sippeers`/`sipregs`) are published by the node whose Asterisk accepted
 * them, with their expiry as TTL, and relayed to every node (routing reads
 * them there). The local Asterisk only ever sees and removes this node's own.
 *
 * The plugin takes a `Registrations` table (ports.ts) — a `SoftState` of
 * @federator/net satisfies it (the network's when in a cluster, a local one otherwise) — and
 * keeps, in RegistrationBook, the indexes its lookups need over this node's
 * own items: contacts by id and by AOR, chan_sip registrations by peer name
 * and by address. The book follows the table's 'change' events (so it also
 * sees a removal or an expiry done elsewhere) and bumps the answer cache tags
 * of what changed. Items stay in soft state `graceMs` past their expiry, so
 * Asterisk's own pruning (`expiration_time <= now`, then destroy) still finds
 * them; the book drops its own expired items itself every `checkMs`, in case
 * nobody sweeps the table.
 */
import { CONTACT_KIND, SIPREG_KIND, type PjsipContact, type SipRegistration, type SoftChange } from '@federator/core'
import type { Registrations } from '../ports.js'
import { tag, type CacheTag } from './cache-tags.js'
import { addTo, removeFrom } from './multimap.js'

export { CONTACT_KIND, SIPREG_KIND }

interface Own<T> { value: T, expiresAt: number }

export interface BookOptions {
  graceMs: number
  checkMs: number
  now?: () => number
  /** called with the cache tags of every change */
  bump: (...tags: CacheTag[]) => void
}

function isContact (v: unknown): v is PjsipContact {
  const c = v as PjsipContact | null
  return c !== null && typeof c === 'object' && typeof c.id === 'string' && typeof c.aor === 'string' && typeof c.expiration_time === 'number'
}

function isSipReg (v: unknown): v is SipRegistration {
  const r = v as SipRegistration | null
  return r !== null && typeof r === 'object' && typeof r.name === 'string' && typeof r.ipaddr === 'string' && typeof r.port === 'number' && typeof r.regseconds === 'number'
}

export class RegistrationBook {
  private readonly contacts = new Map<string, Own<PjsipContact>>()
  private readonly byAor = new Map<string, Set<string>>()
  private readonly sipRegs = new Map<string, Own<SipRegistration>>()
  private readonly byAddress = new Map<string, Set<string>>()
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null
  private readonly onChange = (c: SoftChange): void => { this.apply(c) }

  constructor (private readonly table: Registrations, private readonly opts: BookOptions) {
    this.now = opts.now ?? Date.now
  }

  /** Load this node's current items and follow changes (idempotent). */
  ready (): void {
    if (this.timer !== null) return
    this.table.on('change', this.onChange)
    for (const kind of [CONTACT_KIND, SIPREG_KIND]) {
      for (const it of this.table.get(kind)) if (it.owner === this.table.owner) this.apply({ kind, key: it.key, owner: it.owner, value: it.value })
    }
    this.timer = setInterval(() => this.expire(), this.opts.checkMs)
    this.timer.unref()
  }

  close (): void {
    if (this.timer === null) return
    clearInterval(this.timer)
    this.timer = null
    this.table.off('change', this.onChange)
  }

  get contactCount (): number { return this.contacts.size }
  get sipRegCount (): number { return this.sipRegs.size }

  // ---- writes: publish to the table; the 'change' event updates the indexes ----

  /** Publish (or replace) one of this node's contacts. Throws when the table refuses it (too big). */
  putContact (c: PjsipContact): void {
    this.table.publish(CONTACT_KIND, c.id, c, this.ttl(c.expiration_time))
  }

  removeContact (id: string): boolean {
    if (!this.contacts.has(id)) return false
    this.table.remove(CONTACT_KIND, id)
    this.drop(CONTACT_KIND, id)
    return true
  }

  /** Set (reg) or clear (null) the registration of a chan_sip peer. */
  putSipReg (name: string, reg: SipRegistration | null): void {
    if (reg === null) {
      if (this.sipRegs.has(name)) { this.table.remove(SIPREG_KIND, name); this.drop(SIPREG_KIND, name) }
      return
    }
    this.table.publish(SIPREG_KIND, name, reg, this.ttl(reg.regseconds))
  }

  // ---- reads (this node's own, unexpired) ----

  contact (id: string): PjsipContact | undefined {
    return this.contacts.get(id)?.value
  }

  contactsOfAor (aor: string): PjsipContact[] {
    const ids = this.byAor.get(aor)
    return ids === undefined ? [] : [...ids].map((id) => this.contacts.get(id)!.value)
  }

  allContacts (): PjsipContact[] {
    return [...this.contacts.values()].map((o) => o.value)
  }

  sipReg (name: string): SipRegistration | undefined {
    return this.sipRegs.get(name)?.value
  }

  /** Names of the peers registered from this address. */
  sipRegsAt (ipaddr: string): string[] {
    return [...this.byAddress.get(ipaddr) ?? []]
  }

  allSipRegs (): SipRegistration[] {
    return [...this.sipRegs.values()].map((o) => o.value)
  }

  // ---- internals ----

  /** Soft-state TTL of an item expiring at `epochSeconds`: until then, plus the grace period. */
  private ttl (epochSeconds: number): number {
    return Math.max(1000, epochSeconds * 1000 + this.opts.graceMs - this.now())
  }

  private apply (c: Pick<SoftChange, 'kind' | 'key' | 'owner' | 'value'>): void {
    if (c.owner !== this.table.owner) return
    if (c.kind === CONTACT_KIND) {
      if (!isContact(c.value)) { this.drop(CONTACT_KIND, c.key); return }
      const old = this.contacts.get(c.key)
      if (old !== undefined && old.value.aor !== c.value.aor) removeFrom(this.byAor, old.value.aor, c.key)
      this.contacts.set(c.key, { value: c.value, expiresAt: c.value.expiration_time * 1000 + this.opts.graceMs })
      addTo(this.byAor, c.value.aor, c.key)
      this.opts.bump(tag.contacts(c.value.aor), tag.allContacts)
    } else if (c.kind === SIPREG_KIND) {
      if (!isSipReg(c.value)) { this.drop(SIPREG_KIND, c.key); return }
      const old = this.sipRegs.get(c.key)
      if (old !== undefined) { removeFrom(this.byAddress, old.value.ipaddr, c.key); this.opts.bump(tag.sipRegsAt(old.value.ipaddr)) }
      this.sipRegs.set(c.key, { value: c.value, expiresAt: c.value.regseconds * 1000 + this.opts.graceMs })
      addTo(this.byAddress, c.value.ipaddr, c.key)
      this.opts.bump(tag.sipReg(c.key), tag.sipRegsAt(c.value.ipaddr), tag.allSipRegs)
    }
  }

  private drop (kind: string, key: string): void {
    if (kind === CONTACT_KIND) {
      const old = this.contacts.get(key)
      if (old === undefined) return
      this.contacts.delete(key)
      removeFrom(this.byAor, old.value.aor, key)
      this.opts.bump(tag.contacts(old.value.aor), tag.allContacts)
    } else {
      const old = this.sipRegs.get(key)
      if (old === undefined) return
      this.sipRegs.delete(key)
      removeFrom(this.byAddress, old.value.ipaddr, key)
      this.opts.bump(tag.sipReg(key), tag.sipRegsAt(old.value.ipaddr), tag.allSipRegs)
    }
  }

  /** Drop this node's items whose soft-state TTL has run out (whether or not the table was swept). */
  expire (): void {
    const now = this.now()
    for (const [id, o] of this.contacts) if (o.expiresAt <= now) this.drop(CONTACT_KIND, id)
    for (const [name, o] of this.sipRegs) if (o.expiresAt <= now) this.drop(SIPREG_KIND, name)
  }
}
