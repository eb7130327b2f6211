/**
 * In-memory indexes over the records, for the lookups the store's own
 * indexes do not serve, kept current from the store's 'changes' events:
 *
 * - TrunkTable: every trunk (few, read on every PJSIP request through
 *   `ps_endpoint_id_ips id LIKE %`), so trunk scans need no disk read;
 * - HostIndex: chan_sip peers by their static `host` (trunks, and devices
 *   with a `sip.host` override), for `host=<ip>&port=<p>` lookups;
 * - MailboxIndex: users by voicemail mailbox and by uniqueid.
 *
 * Each holds ids only (and trunk fields), never computed rows.
 */
import {
  obj, str, trunkSipPeer, userMailbox, voicemailUniqueId, type Fields, type ProjectionOptions
} from '@federator/core'
import type { RecordChange } from '../ports.js'
import { addTo, removeFrom } from './multimap.js'

export class TrunkTable {
  readonly trunks = new Map<string, Fields>()
  /** trunk ids that are also device ids: the device owns the id, the trunk yields no rows */
  readonly shadowed = new Set<string>()

  /** `deviceExists`: whether a device has this id now. */
  apply (c: RecordChange, deviceExists: boolean): void {
    if (c.after === undefined) this.trunks.delete(c.id)
    else this.trunks.set(c.id, c.after)
    this.shadow(c.id, deviceExists)
  }

  /** Record whether a device has this trunk id; true when that changed anything. */
  shadow (id: string, deviceExists: boolean): boolean {
    const was = this.shadowed.has(id)
    const now = deviceExists && this.trunks.has(id)
    if (now) this.shadowed.add(id)
    else this.shadowed.delete(id)
    return was !== now
  }

  get (id: string): Fields | undefined { return this.trunks.get(id) }
  has (id: string): boolean { return this.trunks.has(id) }
  get size (): number { return this.trunks.size }

  clear (): void {
    this.trunks.clear()
    this.shadowed.clear()
  }
}

/** The static chan_sip host of a device (only a `sip.host` override gives one) or of a trunk (its sippeers row). */
export function sipHostOf (type: string, id: string, fields: Fields | undefined, opts: Partial<ProjectionOptions>): string | undefined {
  if (fields === undefined) return undefined
  if (type === 'device') {
    const host = str(obj(fields.sip)?.host)
    return host === undefined || host === 'dynamic' ? undefined : host
  }
  const host = trunkSipPeer({ id, fields }, undefined, opts)?.host
  return host === undefined || host === 'dynamic' ? undefined : host
}

/** Peers by static host: values are `<type>:<id>` (`device:alice`, `trunk:carrier`: a device and a trunk may share a name). */
export class HostIndex {
  private readonly byHost = new Map<string, Set<string>>()

  constructor (private readonly opts: Partial<ProjectionOptions>) {}

  /** Returns the hosts whose peer set changed. */
  apply (c: RecordChange): string[] {
    const peer = c.type + ':' + c.id
    const before = sipHostOf(c.type, c.id, c.before, this.opts)
    const after = sipHostOf(c.type, c.id, c.after, this.opts)
    if (before === after) return []
    if (before !== undefined) removeFrom(this.byHost, before, peer)
    if (after !== undefined) addTo(this.byHost, after, peer)
    return [before, after].filter((h): h is string => h !== undefined)
  }

  /** The names of the peers (devices and trunks) with this static host. */
  peers (host: string): string[] {
    return [...this.byHost.get(host) ?? []].map((p) => p.slice(p.indexOf(':') + 1))
  }

  clear (): void { this.byHost.clear() }
}

/** Users with a mailbox, by mailbox number and by voicemail uniqueid. */
export class MailboxIndex {
  private readonly byMailbox = new Map<string, Set<string>>()
  private readonly byUniqueId = new Map<string, string>()

  constructor (private readonly opts: Partial<ProjectionOptions>) {}

  /** Returns the mailbox numbers whose users changed (before and after). */
  apply (c: RecordChange): string[] {
    const before = c.before === undefined ? undefined : userMailbox({ id: c.id, fields: c.before }, this.opts)?.mailbox
    const after = c.after === undefined ? undefined : userMailbox({ id: c.id, fields: c.after }, this.opts)?.mailbox
    if (before !== undefined) removeFrom(this.byMailbox, before, c.id)
    if (after !== undefined) addTo(this.byMailbox, after, c.id)
    const uid = voicemailUniqueId(c.id)
    if (after !== undefined) this.byUniqueId.set(uid, c.id)
    else if (this.byUniqueId.get(uid) === c.id) this.byUniqueId.delete(uid)
    return [before, after].filter((m): m is string => m !== undefined)
  }

  users (mailbox: string): string[] {
    return [...this.byMailbox.get(mailbox) ?? []]
  }

  user (uniqueid: string): string | undefined {
    return this.byUniqueId.get(uniqueid)
  }

  clear (): void {
    this.byMailbox.clear()
    this.byUniqueId.clear()
  }
}
