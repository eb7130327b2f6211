/**
 * Registrations as soft state (docs/federation.md, "Soft state"): PJSIP contacts
 * (`ps_contacts`) and chan_sip registrations (the registration columns of
 * `sippeers`/`sipregs`) are published by the node whose Asterisk accepted
 * them, with their expiry as TTL, and relayed to every node (routing reads
 * them there). The local Asterisk only ever sees and removes this node's own.
 *
 * The plugin takes a `Registrations` table (ports.ts) — a `SoftState` of
 * @federator/net satisfies it (the network's when in a cluster, a local one
 * otherwise) — and keeps, in the RegistrationBook, the indexes its lookups
 * need over this node's own items: contacts by id and by AOR (ContactBook,
 * contacts-book.ts), chan_sip registrations by peer name and by address
 * (SipRegBook, sipreg-book.ts). The book follows the table's 'change' events
 * (so it also sees a removal or an expiry done elsewhere); the two books bump
 * the answer cache tags of what changed. Items stay in soft state `graceMs`
 * past their expiry, so Asterisk's own pruning (`expiration_time <= now`,
 * then destroy) still finds them; the book drops its own expired items itself
 * every `checkMs`, in case nobody sweeps the table.
 */
import { CONTACT_KIND, SIPREG_KIND, type SoftChange } from '@federator/core'
import type { Registrations } from '../ports.js'
import type { CacheTag } from './cache-tags.js'
import { ContactBook } from './contacts-book.js'
import { SipRegBook } from './sipreg-book.js'

export { CONTACT_KIND, SIPREG_KIND }

export interface BookOptions {
  graceMs: number
  checkMs: number
  now?: () => number
  /** called with the cache tags of every change */
  bump: (...tags: CacheTag[]) => void
}

export class RegistrationBook {
  /** this node's PJSIP contacts */
  readonly contacts: ContactBook
  /** this node's chan_sip registrations */
  readonly sipRegs: SipRegBook
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null
  private readonly onChange = (c: SoftChange): void => { this.apply(c) }

  constructor (private readonly table: Registrations, private readonly opts: BookOptions) {
    this.now = opts.now ?? Date.now
    const o = { table, graceMs: opts.graceMs, now: this.now, bump: opts.bump }
    this.contacts = new ContactBook(o)
    this.sipRegs = new SipRegBook(o)
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

  /** Drop this node's items whose soft-state TTL has run out (whether or not the table was swept). */
  expire (): void {
    const now = this.now()
    this.contacts.expire(now)
    this.sipRegs.expire(now)
  }

  private apply (c: Pick<SoftChange, 'kind' | 'key' | 'owner' | 'value'>): void {
    if (c.owner !== this.table.owner) return
    if (c.kind === CONTACT_KIND) this.contacts.apply(c.key, c.value)
    else if (c.kind === SIPREG_KIND) this.sipRegs.apply(c.key, c.value)
  }
}
