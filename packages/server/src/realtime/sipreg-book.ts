/**
 * This node's chan_sip registrations (core sipreg.ts), as the `sippeers`
 * lookups read them (family-chansip.ts): by peer name and by address. Kept
 * from the soft-state table by the RegistrationBook (registrations.ts).
 */
import { SIPREG_KIND, type SipRegistration } from '@federator/core'
import { tag } from './cache-tags.js'
import { addTo, removeFrom } from './multimap.js'
import { OwnItems, type BookContext } from './own-items.js'

function isSipReg (v: unknown): v is SipRegistration {
  const r = v as SipRegistration | null
  return r !== null && typeof r === 'object' && typeof r.name === 'string' && typeof r.ipaddr === 'string' && typeof r.port === 'number' && typeof r.regseconds === 'number'
}

export class SipRegBook extends OwnItems<SipRegistration> {
  private readonly byAddress = new Map<string, Set<string>>()

  constructor (o: BookContext) {
    super(SIPREG_KIND, o)
  }

  /** Set (reg) or clear (null) the registration of a chan_sip peer. */
  put (name: string, reg: SipRegistration | null): void {
    if (reg === null) this.unpublish(name)
    else this.publish(name, reg, reg.regseconds)
  }

  get (name: string): SipRegistration | undefined {
    return this.items.get(name)?.value
  }

  /** Names of the peers registered from this address. */
  at (ipaddr: string): string[] {
    return [...this.byAddress.get(ipaddr) ?? []]
  }

  all (): SipRegistration[] {
    return [...this.items.values()].map((o) => o.value)
  }

  apply (key: string, value: unknown): void {
    if (!isSipReg(value)) { this.drop(key); return }
    const old = this.items.get(key)
    if (old !== undefined) { removeFrom(this.byAddress, old.value.ipaddr, key); this.o.bump(tag.sipRegsAt(old.value.ipaddr)) }
    this.keep(key, value, value.regseconds)
    addTo(this.byAddress, value.ipaddr, key)
    this.o.bump(tag.sipReg(key), tag.sipRegsAt(value.ipaddr), tag.allSipRegs)
  }

  drop (key: string): void {
    const old = this.items.get(key)
    if (old === undefined) return
    this.items.delete(key)
    removeFrom(this.byAddress, old.value.ipaddr, key)
    this.o.bump(tag.sipReg(key), tag.sipRegsAt(old.value.ipaddr), tag.allSipRegs)
  }
}
