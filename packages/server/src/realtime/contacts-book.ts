/**
 * This node's PJSIP contacts (core contacts.ts), as the `ps_contacts`
 * lookups read them (family-contacts.ts): by id and by AOR. Kept from the
 * soft-state table by the RegistrationBook (registrations.ts).
 */
import { CONTACT_KIND, type PjsipContact } from '@federator/core'
import { tag } from './cache-tags.js'
import { addTo, removeFrom } from './multimap.js'
import { OwnItems, type BookContext } from './own-items.js'

function isContact (v: unknown): v is PjsipContact {
  const c = v as PjsipContact | null
  return c !== null && typeof c === 'object' && typeof c.id === 'string' && typeof c.aor === 'string' && typeof c.expiration_time === 'number'
}

export class ContactBook extends OwnItems<PjsipContact> {
  private readonly byAor = new Map<string, Set<string>>()

  constructor (o: BookContext) {
    super(CONTACT_KIND, o)
  }

  /** Publish (or replace) one of this node's contacts. Throws when the table refuses it (too big). */
  put (c: PjsipContact): void {
    this.publish(c.id, c, c.expiration_time)
  }

  remove (id: string): boolean {
    return this.unpublish(id)
  }

  get (id: string): PjsipContact | undefined {
    return this.items.get(id)?.value
  }

  ofAor (aor: string): PjsipContact[] {
    const ids = this.byAor.get(aor)
    return ids === undefined ? [] : [...ids].map((id) => this.items.get(id)!.value)
  }

  all (): PjsipContact[] {
    return [...this.items.values()].map((o) => o.value)
  }

  apply (key: string, value: unknown): void {
    if (!isContact(value)) { this.drop(key); return }
    const old = this.items.get(key)
    if (old !== undefined && old.value.aor !== value.aor) removeFrom(this.byAor, old.value.aor, key)
    this.keep(key, value, value.expiration_time)
    addTo(this.byAor, value.aor, key)
    this.o.bump(tag.contacts(value.aor), tag.allContacts)
  }

  drop (key: string): void {
    const old = this.items.get(key)
    if (old === undefined) return
    this.items.delete(key)
    removeFrom(this.byAor, old.value.aor, key)
    this.o.bump(tag.contacts(old.value.aor), tag.allContacts)
  }
}
