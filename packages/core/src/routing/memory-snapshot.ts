/**
 * `MemorySnapshot`: the routing snapshot held in memory, built from plain
 * record lists and kept current incrementally — `applyChange()` takes the
 * store's change events (type, id, fields after), the contact/node/channel
 * setters take soft state. Every update touches only the indexes of the one
 * record it concerns (route trie, prefix map, extension map, devices by user,
 * contacts by device), so a change costs about what one lookup costs.
 *
 * Records that cannot be used for routing (malformed fields from a peer, an
 * invalid pattern) are left out and listed by `invalid()`.
 */
import { deviceView, providerView, routeView, trunkView, userView } from './normalize.js'
import { PrefixIndex } from './prefix-index.js'
import { RouteIndex, type RouteIndexOptions } from './route-index.js'
import { routingSettings } from './settings.js'
import {
  type DeviceView, type LcrOffer, type ProviderRate, type ProviderView, type RouteMatch, type RoutingContact, type RoutingNode,
  type RoutingSettings, type RoutingSnapshot, type TrunkView, type UserView
} from './types.js'

export type RoutingRecordType = 'user' | 'device' | 'trunk' | 'provider' | 'route'
export const ROUTING_RECORD_TYPES: readonly RoutingRecordType[] = ['user', 'device', 'trunk', 'provider', 'route']

type Raw = Record<string, unknown>
export type RecordInput = { id: string } & Raw
export type NodeInput = Omit<RoutingNode, 'self'> & { self?: boolean }

export interface SnapshotInput {
  /** id of the answering node */
  self: string
  nodes?: NodeInput[]
  users?: RecordInput[]
  devices?: RecordInput[]
  trunks?: RecordInput[]
  providers?: RecordInput[]
  routes?: RecordInput[]
  contacts?: RoutingContact[]
  /** trunk id → channels in use */
  channels?: Record<string, number>
  /** ids of devices that are busy */
  busy?: string[]
  settings?: Partial<RoutingSettings>
  index?: RouteIndexOptions
}

/**
 * Heap bytes per snapshot entry, measured (Node 20, 20k–100k entries, heap growth after GC; the strings of a
 * record included): a user with one extension (each further extension: `extension`), a device, a trunk, a
 * (prefix, provider) pair of the LCR trie, a route pattern, a registration (its strings are shared with soft
 * state: not counted).
 */
export const SNAPSHOT_ENTRY_BYTES = Object.freeze({ user: 300, extension: 80, device: 250, trunk: 120, prefix: 460, route: 1300, contact: 200 })

const byId = (a: { id: string }, b: { id: string }): number => a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/**
 * A new array with `item` in id order. Lists here are built exact-size: a list grown by push() or
 * splice() from [] gets room for 17 elements (≈190 bytes for one), and most of these lists hold one.
 */
function withSorted<T extends { id: string }> (list: readonly T[] | undefined, item: T): T[] {
  if (list === undefined || list.length === 0) return [item]
  let i = list.length
  while (i > 0 && byId(list[i - 1]!, item) > 0) i--
  return list.slice(0, i).concat([item], list.slice(i)) // concat allocates exactly
}

/** A new array without the elements `drop` says; undefined when none is left (exact-size, as withSorted). */
function without<T> (list: readonly T[] | undefined, drop: (x: T) => boolean): T[] | undefined {
  if (list === undefined) return undefined
  const out = list.filter((x) => !drop(x))
  return out.length === 0 ? undefined : out.slice()
}

export class MemorySnapshot implements RoutingSnapshot {
  readonly settings: RoutingSettings
  readonly #selfId: string
  readonly #nodes = new Map<string, RoutingNode>()
  readonly #nodeByName = new Map<string, string>()
  readonly #users = new Map<string, UserView>()
  /** extension → the user that gets its calls (the first by id of those that have it): one map read per call */
  readonly #userByExt = new Map<string, UserView>()
  /** extension → ids of the users that have it, sorted: only for an extension that more than one user has */
  readonly #extShared = new Map<string, string[]>()
  /** no extension is longer (an upper bound: longer numbers skip the map) */
  #extMaxLen = 0
  readonly #devices = new Map<string, DeviceView>()
  readonly #devicesByUser = new Map<string, DeviceView[]>()
  readonly #contacts = new Map<string, RoutingContact[]>()
  /** owner node → contact id → contact (no joined key string per contact: a node id alone is 64 characters) */
  readonly #contactsByNode = new Map<string, Map<string, RoutingContact>>()
  #contactCount = 0
  readonly #trunks = new Map<string, TrunkView>()
  readonly #providers = new Map<string, ProviderView>()
  readonly #routes: RouteIndex
  readonly #prefixes = new PrefixIndex()
  readonly #channels = new Map<string, number>()
  readonly #busy = new Set<string>()
  readonly #invalid = new Map<string, string>()
  #version = 0

  constructor (input: SnapshotInput) {
    this.#selfId = input.self
    this.settings = routingSettings(input.settings)
    this.#routes = new RouteIndex([], input.index)
    for (const n of input.nodes ?? []) this.setNode(n)
    const lists: Array<[RoutingRecordType, RecordInput[] | undefined]> = [
      ['user', input.users], ['device', input.devices], ['trunk', input.trunks],
      ['provider', input.providers], ['route', input.routes]
    ]
    for (const [type, list] of lists) for (const { id, ...fields } of list ?? []) this.put(type, id, fields)
    for (const c of input.contacts ?? []) this.putContact(c)
    for (const [trunk, n] of Object.entries(input.channels ?? {})) this.setChannels(trunk, n)
    for (const d of input.busy ?? []) this.setBusy(d, true)
  }

  // ---- updates -------------------------------------------------------------

  /** Applies a store change event: `after` undefined means the record is gone. Other types are ignored. */
  applyChange (change: { type: string, id: string, after?: Raw | undefined }): void {
    if (!(ROUTING_RECORD_TYPES as readonly string[]).includes(change.type)) return
    const type = change.type as RoutingRecordType
    if (change.after === undefined) this.remove(type, change.id)
    else this.put(type, change.id, change.after)
  }

  /** Adds or replaces a record from its fields. */
  put (type: RoutingRecordType, id: string, fields: Raw): void {
    this.remove(type, id) // bumps the version
    const f = typeof fields === 'object' && fields !== null ? fields : {}
    switch (type) {
      case 'user': {
        const u = userView(id, f)
        if (u === undefined) break
        this.#users.set(id, u)
        for (const e of u.extensions) {
          const first = this.#userByExt.get(e)
          if (e.length > this.#extMaxLen) this.#extMaxLen = e.length
          if (first === undefined) { this.#userByExt.set(e, u); continue }
          const list = (this.#extShared.get(e) ?? [first.id]).concat([id]).sort()
          this.#extShared.set(e, list)
          this.#userByExt.set(e, this.#users.get(list[0]!)!)
        }
        return
      }
      case 'device': {
        const d = deviceView(id, f)
        if (d === undefined) break
        this.#devices.set(id, d)
        if (d.user !== undefined) this.#devicesByUser.set(d.user, withSorted(this.#devicesByUser.get(d.user), d))
        return
      }
      case 'trunk': {
        const t = trunkView(id, f)
        if (t === undefined) break
        this.#trunks.set(id, t)
        return
      }
      case 'provider': {
        const p = providerView(id, f)
        if (p === undefined) break
        this.#providers.set(id, p)
        this.#prefixes.put(p)
        return
      }
      case 'route': {
        const r = routeView(id, f)
        if (r === undefined) break
        this.#routes.put(r)
        const why = this.#routes.invalid().get(id)
        if (why !== undefined) this.#invalid.set('route/' + id, why)
        return
      }
    }
    this.#invalid.set(type + '/' + id, 'fields unusable for routing')
  }

  remove (type: RoutingRecordType, id: string): void {
    this.#version++
    this.#invalid.delete(type + '/' + id)
    switch (type) {
      case 'user': {
        const u = this.#users.get(id)
        if (u === undefined) return
        this.#users.delete(id)
        for (const e of u.extensions) {
          const shared = this.#extShared.get(e)
          if (shared === undefined) {
            if (this.#userByExt.get(e)?.id === id) this.#userByExt.delete(e)
            continue
          }
          const list = shared.filter((x) => x !== id)
          if (list.length <= 1) this.#extShared.delete(e)
          else this.#extShared.set(e, list.slice())
          if (list.length === 0) this.#userByExt.delete(e)
          else this.#userByExt.set(e, this.#users.get(list[0]!)!)
        }
        return
      }
      case 'device': {
        const d = this.#devices.get(id)
        if (d === undefined) return
        this.#devices.delete(id)
        if (d.user !== undefined) {
          const list = without(this.#devicesByUser.get(d.user), (x) => x.id === id)
          if (list === undefined) this.#devicesByUser.delete(d.user)
          else this.#devicesByUser.set(d.user, list)
        }
        return
      }
      case 'trunk': this.#trunks.delete(id); return
      case 'provider': this.#providers.delete(id); this.#prefixes.delete(id); return
      case 'route': this.#routes.delete(id)
    }
  }

  setNode (n: NodeInput): void {
    this.#version++
    const old = this.#nodes.get(n.id)
    if (old !== undefined && this.#nodeByName.get(old.name) === old.id) this.#nodeByName.delete(old.name)
    const node: RoutingNode = Object.freeze({ ...n, self: n.id === this.#selfId })
    this.#nodes.set(n.id, node)
    const holder = this.#nodeByName.get(node.name)
    if (holder === undefined || node.id < holder) this.#nodeByName.set(node.name, node.id)
  }

  removeNode (id: string): void {
    this.#version++
    const old = this.#nodes.get(id)
    if (old === undefined) return
    this.#nodes.delete(id)
    if (this.#nodeByName.get(old.name) === id) {
      this.#nodeByName.delete(old.name)
      for (const n of this.#nodes.values()) this.setNode(n) // another node may share the name
    }
  }

  putContact (c: RoutingContact): void {
    this.removeContact(c.node, c.id)
    let byId = this.#contactsByNode.get(c.node)
    if (byId === undefined) this.#contactsByNode.set(c.node, byId = new Map())
    byId.set(c.id, c)
    this.#contactCount++
    const list = this.#contacts.get(c.device)
    this.#contacts.set(c.device, list === undefined ? [c] : list.concat([c]))
  }

  removeContact (node: string, id: string): void {
    const byId = this.#contactsByNode.get(node)
    const c = byId?.get(id)
    if (byId === undefined || c === undefined) return
    byId.delete(id)
    if (byId.size === 0) this.#contactsByNode.delete(node)
    this.#contactCount--
    const list = without(this.#contacts.get(c.device), (x) => x === c)
    if (list === undefined) this.#contacts.delete(c.device)
    else this.#contacts.set(c.device, list)
  }

  /** Replaces every contact owned by `node` (a full soft-state refresh from that node). */
  replaceContacts (node: string, contacts: Iterable<RoutingContact>): void {
    for (const id of [...this.#contactsByNode.get(node)?.keys() ?? []]) this.removeContact(node, id)
    for (const c of contacts) if (c.node === node) this.putContact(c)
  }

  setChannels (trunkId: string, n: number | undefined): void {
    if (n === undefined || !Number.isFinite(n)) this.#channels.delete(trunkId)
    else this.#channels.set(trunkId, n)
  }

  setBusy (deviceId: string, busy: boolean): void {
    if (busy) this.#busy.add(deviceId)
    else this.#busy.delete(deviceId)
  }

  /** `type/id` → why the record is left out of routing */
  invalid (): ReadonlyMap<string, string> { return this.#invalid }

  get routeCount (): number { return this.#routes.size }

  /** What the snapshot holds, by part (entries): for /metrics, next to the memory it costs. */
  sizes (): Record<'users' | 'extensions' | 'devices' | 'trunks' | 'providers' | 'routes' | 'contacts' | 'nodes', number> {
    return {
      users: this.#users.size,
      extensions: this.#userByExt.size,
      devices: this.#devices.size,
      trunks: this.#trunks.size,
      providers: this.#providers.size,
      routes: this.#routes.size,
      contacts: this.#contactCount,
      nodes: this.#nodes.size
    }
  }

  /**
   * Estimated heap the snapshot holds, by part (bytes): entries × SNAPSHOT_ENTRY_BYTES (measured per entry),
   * providers by their (prefix, provider) pairs. For /metrics: the snapshot holds every routing record, so it
   * is sized by the directory, not capped.
   */
  bytes (): Record<'users' | 'devices' | 'trunks' | 'providers' | 'routes' | 'contacts', number> {
    const b = SNAPSHOT_ENTRY_BYTES
    return {
      users: this.#users.size * b.user + (this.#userByExt.size - this.#users.size) * b.extension,
      devices: this.#devices.size * b.device,
      trunks: this.#trunks.size * b.trunk,
      providers: this.#prefixes.size * b.prefix,
      routes: this.#routes.size * b.route,
      contacts: this.#contactCount * b.contact
    }
  }

  // ---- RoutingSnapshot -----------------------------------------------------

  get version (): number { return this.#version }

  self (): RoutingNode {
    return this.#nodes.get(this.#selfId) ?? { id: this.#selfId, name: this.#selfId.slice(0, 16), state: 'alive', self: true }
  }

  node (idOrName: string): RoutingNode | undefined {
    const n = this.#nodes.get(idOrName)
    if (n !== undefined) return n
    const id = this.#nodeByName.get(idOrName)
    return id === undefined ? undefined : this.#nodes.get(id)
  }

  nodes (): Iterable<RoutingNode> { return this.#nodes.values() }

  userByExtension (exten: string): UserView | undefined {
    return exten.length > this.#extMaxLen ? undefined : this.#userByExt.get(exten)
  }

  user (id: string): UserView | undefined { return this.#users.get(id) }
  devicesOfUser (userId: string): readonly DeviceView[] { return this.#devicesByUser.get(userId) ?? [] }
  device (id: string): DeviceView | undefined { return this.#devices.get(id) }
  contactsOf (deviceId: string): readonly RoutingContact[] { return this.#contacts.get(deviceId) ?? [] }
  trunk (id: string): TrunkView | undefined { return this.#trunks.get(id) }
  provider (id: string): ProviderView | undefined { return this.#providers.get(id) }
  matchRoutes (exten: string, context: string | undefined): readonly RouteMatch[] { return this.#routes.match(exten, context) }
  providerRates (number: string): readonly ProviderRate[] { return this.#prefixes.rates(number) }
  lcrOffers (number: string): readonly LcrOffer[] { return this.#prefixes.offers(number) }
  channelsInUse (trunkId: string): number | undefined { return this.#channels.get(trunkId) }
  deviceBusy (deviceId: string): boolean { return this.#busy.has(deviceId) }
}
