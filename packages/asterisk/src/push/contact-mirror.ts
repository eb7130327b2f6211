/**
 * Registrations in push mode (docs/asterisk.md, "Push mode"): Asterisk keeps
 * its contacts itself (`contact = astdb,registrar`, surviving its restarts),
 * and this feature mirrors them into the node's soft state through the same
 * RegistrationBook the realtime path writes (`ps_contacts/store`), so routing
 * sees them on every node and a restart of the node loses nothing.
 *
 * - ARI `ContactStatusChange` events: `Removed` removes the contact; another
 *   status of a contact the node does not hold yet reads it (ARI `GET
 *   …/res_pjsip/contact/<id>`, id = `<aor>;@md5(uri)`, a few at a time) and
 *   publishes it; when many wait (a registration storm) and AMI is there, one
 *   full listing reads them all instead. Qualify results (Reachable/Unreachable)
 *   of known contacts change nothing.
 * - A refreshed registration raises no event, so every `refreshMs` the
 *   contacts whose expiry is within `refreshLeadMs` are read again: a new
 *   expiry is published, a 404 removes them.
 * - On every ARI connect: the full listing, AMI `PJSIPShowContacts` (ARI has
 *   no listing of contacts): every contact published, this node's contacts
 *   Asterisk no longer holds removed. Without AMI, the node's own contacts
 *   are read again one by one (a contact made while the node was away is then
 *   learnt at its first status change only).
 */
import type { Logger } from 'pino'
import { PS_CONTACT_COLUMNS, amiContactColumn, asteriskContactId, contactFromAsterisk, isFedError, type Metric, type PjsipContact } from '@federator/core'
import type { AriClient, AriEvent } from '../ari-client.js'
import type { AmiClient, AmiMessage } from '../ami-client.js'
import type { AsteriskFeature } from '../link.js'
import type { OwnContacts } from '../ports.js'

export const MIRROR_TUNABLES = {
  /** contacts read from Asterisk at once (ARI) */
  readConcurrency: 8,
  /** with AMI, this many contacts waiting to be read are read by one full listing instead (a registration storm) */
  listingThreshold: 100,
  /** how often contacts near their expiry are read again */
  refreshMs: 15_000,
  /** contacts expiring within this are read again */
  refreshLeadMs: 30_000
}
export type MirrorTunables = typeof MIRROR_TUNABLES

export interface ContactMirrorOptions {
  ari: AriClient
  ami?: AmiClient
  book: OwnContacts
  log: Logger
  tunables?: Partial<MirrorTunables>
  now?: () => number
}

const COLUMNS = new Set<string>(PS_CONTACT_COLUMNS)
const QUALIFY = new Set(['Reachable', 'Unreachable'])

interface ContactObjectField { attribute: string, value: string }

export class ContactMirror implements AsteriskFeature {
  readonly name = 'contact-mirror'
  readonly tunables: MirrorTunables
  readonly counters = { events: 0, reads: 0, published: 0, removed: 0, listings: 0, listingFailures: 0, errors: 0 }
  private timer: NodeJS.Timeout | null = null
  private readonly now: () => number
  private readonly log: Logger
  private listing: Promise<void> | null = null
  private closed = false
  /** contact ids to read from Asterisk (events of contacts the node does not hold yet) */
  private readonly toRead = new Set<string>()
  private readers = 0

  constructor (private readonly o: ContactMirrorOptions) {
    this.tunables = { ...MIRROR_TUNABLES, ...o.tunables }
    this.now = o.now ?? Date.now
    this.log = o.log.child({ component: 'contact-mirror' })
  }

  private readonly onEvent = (e: AriEvent): void => { if (e.type === 'ContactStatusChange') void this.onContactEvent(e) }
  private readonly onConnect = (): void => { void this.fullListing() }

  start (): void {
    this.o.ari.on('event', this.onEvent)
    this.o.ari.on('connect', this.onConnect)
    this.timer = setInterval(() => { void this.refresh() }, this.tunables.refreshMs)
    this.timer.unref()
    if (this.o.ari.connected) void this.fullListing()
  }

  close (): void {
    this.closed = true
    this.o.ari.off('event', this.onEvent)
    this.o.ari.off('connect', this.onConnect)
    if (this.timer !== null) clearInterval(this.timer)
  }

  /** The current listing (if one runs), for tests. */
  async listed (): Promise<void> { await this.listing }

  private async onContactEvent (e: AriEvent): Promise<void> {
    this.counters.events++
    const info = e.contact_info as { uri?: unknown, aor?: unknown, contact_status?: unknown } | undefined
    if (typeof info?.uri !== 'string' || typeof info.aor !== 'string') return
    const id = asteriskContactId(info.aor, info.uri)
    if (info.contact_status === 'Removed') { this.remove(id); return }
    if (QUALIFY.has(String(info.contact_status)) && this.o.book.get(id) !== undefined) return
    this.toRead.add(id)
    this.pump()
  }

  /** Read the waiting contacts, a few at a time; a storm of them with AMI: one full listing. */
  private pump (): void {
    if (this.o.ami !== undefined && this.toRead.size >= this.tunables.listingThreshold && this.listing === null) {
      this.toRead.clear()
      void this.fullListing()
      return
    }
    while (this.readers < this.tunables.readConcurrency && this.toRead.size > 0 && !this.closed) {
      const id = this.toRead.values().next().value as string
      this.toRead.delete(id)
      this.readers++
      void this.read(id).finally(() => { this.readers--; this.pump() })
    }
  }

  /** Read one contact from Asterisk: publish it, or remove it when Asterisk no longer has it. */
  private async read (id: string): Promise<void> {
    this.counters.reads++
    try {
      const fields = await this.o.ari.request<ContactObjectField[]>('GET', `asterisk/config/dynamic/res_pjsip/contact/${encodeURIComponent(id)}`)
      this.publish(contactFromAsterisk(id, fields.filter((f) => COLUMNS.has(f.attribute))))
    } catch (err) {
      if (isFedError(err) && (err.details as { status?: number } | undefined)?.status === 404) { this.remove(id); return }
      this.counters.errors++
      this.log.warn({ err, id }, 'contact mirror: reading a contact from Asterisk failed')
    }
  }

  private publish (c: PjsipContact): void {
    const had = this.o.book.get(c.id)
    if (had !== undefined && had.expiration_time === c.expiration_time && had.uri === c.uri && had.via_port === c.via_port) return
    try {
      this.o.book.put(c)
      this.counters.published++
    } catch (err) {
      this.counters.errors++
      this.log.warn({ err, id: c.id }, 'contact mirror: the soft state refused a contact')
    }
  }

  private remove (id: string): void {
    if (this.o.book.remove(id)) this.counters.removed++
  }

  /** Read again the contacts whose expiry is near (a refreshed registration raises no event). */
  async refresh (): Promise<void> {
    if (!this.o.ari.connected || this.closed) return
    const limit = (this.now() + this.tunables.refreshLeadMs) / 1000
    const due = this.o.book.all().filter((c) => c.expiration_time <= limit)
    for (const c of due) await this.read(c.id)
  }

  /** Every contact Asterisk holds, published; this node's others removed. */
  fullListing (): Promise<void> {
    this.listing ??= this.list().finally(() => { this.listing = null; this.pump() })
    return this.listing
  }

  private async list (): Promise<void> {
    if (this.o.ami === undefined) {
      for (const c of this.o.book.all()) await this.read(c.id)
      return
    }
    let items: AmiMessage[]
    try {
      items = await this.o.ami.list('PJSIPShowContacts')
    } catch (err) {
      this.counters.listingFailures++
      this.log.warn({ err }, 'contact mirror: listing the contacts over AMI failed; reading this node\'s contacts one by one')
      for (const c of this.o.book.all()) await this.read(c.id)
      return
    }
    this.counters.listings++
    const seen = new Set<string>()
    for (const m of items) {
      const id = m.ObjectName
      if (id === undefined || m.ObjectType !== 'contact') continue
      const fields: ContactObjectField[] = []
      for (const [k, v] of Object.entries(m)) {
        const column = amiContactColumn(k)
        if (COLUMNS.has(column) && column !== 'id') fields.push({ attribute: column, value: v })
      }
      try {
        this.publish(contactFromAsterisk(id, fields))
        seen.add(id)
      } catch (err) {
        this.counters.errors++
        this.log.warn({ err, id }, 'contact mirror: a listed contact is not one')
      }
    }
    for (const c of this.o.book.all()) if (!seen.has(c.id)) this.remove(c.id)
    this.log.info({ contacts: seen.size }, 'contact mirror: contacts listed from Asterisk')
  }

  metrics (): Metric[] {
    const c = this.counters
    const m = (name: string, help: string, value: number): Metric => ({ name, help, type: 'counter', samples: [{ value }] })
    return [
      m('federator_contact_mirror_events_total', 'ContactStatusChange events from the local Asterisk', c.events),
      m('federator_contact_mirror_published_total', 'Registrations mirrored from Asterisk into the soft state', c.published),
      m('federator_contact_mirror_removed_total', 'Registrations removed because Asterisk no longer holds them', c.removed),
      m('federator_contact_mirror_listings_total', 'Full listings of Asterisk\'s contacts (AMI PJSIPShowContacts)', c.listings),
      m('federator_contact_mirror_listing_failures_total', 'Full listings that failed', c.listingFailures),
      m('federator_contact_mirror_errors_total', 'Contacts that could not be read or published', c.errors)
    ]
  }
}
