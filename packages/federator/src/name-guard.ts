/**
 * One live node per name. Identity is the writer key, but Asterisk sees the
 * name (`fed-<name>` endpoints, `trunk.nodes`): two live nodes with one name
 * (two nodes on one host, two hosts called `pbx`) would make routing flap.
 * Routing on every node keeps only the name's holder (core nameHolders():
 * live first, then the older claim of the name, then the writer key); this
 * guard makes the clash visible on both sides. It watches node health and the
 * node records; when this node is the one refused it logs an error
 * (FED_ERR_NAME_TAKEN) and reports not ready; when it holds the name it logs
 * an error naming the refused node. Both show in /api/v1/cluster.
 */
import { nameClashes, type NameCandidate } from '@federator/core'
import type { Logger } from 'pino'
import type { Store, Change } from '@federator/store'
import type { Network } from '@federator/net'
import type { Membership } from './membership.js'

export interface NameClash {
  name: string
  /** writer key of the node that keeps the name */
  holder: string
  /** writer keys of the live nodes refused under that name */
  refused: string[]
}

export interface NameGuardOptions {
  store: Store
  membership: Membership
  network: Network | null
  name: string
  log: Logger
}

export class NameGuard {
  private current: NameClash[] = []
  private readonly reported = new Set<string>()
  private readonly onchanges = (changes: Change[]): void => { if (changes.some((c) => c.type === 'node')) this.check() }
  private readonly onstate = (): void => { this.check() }

  constructor (private readonly o: NameGuardOptions) {}

  start (): void {
    this.o.store.on('changes', this.onchanges)
    this.o.network?.on('node-state', this.onstate)
    this.check()
  }

  close (): void {
    this.o.store.off('changes', this.onchanges)
    this.o.network?.off('node-state', this.onstate)
  }

  /** The live candidates for each name: this node and every live, not revoked node heard from. */
  candidates (): NameCandidate[] {
    const { store, membership, network } = this.o
    const self = store.writerKey
    const out: NameCandidate[] = [{ id: self, name: this.o.name, live: true, since: store.fieldVersion('node', self, 'name') }]
    for (const n of network?.nodes() ?? []) {
      if (n.self || n.state === 'dead') continue
      const writer = typeof n.info.writerKey === 'string' ? n.info.writerKey : membership.bySwarmKey(n.swarmKey)?.writer
      if (writer === undefined || writer === self) continue
      const m = membership.get(writer)
      if (m?.revoked !== undefined) continue
      const name = typeof n.info.name === 'string' ? n.info.name : m?.name
      if (name === undefined) continue
      out.push({ id: writer, name, live: true, since: store.fieldVersion('node', writer, 'name') })
    }
    return out
  }

  /** Recompute the clashes; log each new one once. */
  check (): NameClash[] {
    const self = this.o.store.writerKey
    this.current = nameClashes(this.candidates())
    const now = new Set<string>()
    for (const c of this.current) {
      for (const r of c.refused) {
        const key = `${c.name}\u0000${c.holder}\u0000${r}`
        now.add(key)
        if (this.reported.has(key)) continue
        if (r === self) {
          this.o.log.error({ code: 'FED_ERR_NAME_TAKEN', name: c.name, holder: c.holder }, `the node name "${c.name}" is taken by another live node (writer ${c.holder}): this node is left out of routing everywhere and reports not ready; restart it with another --name`)
        } else if (c.holder === self) {
          this.o.log.error({ code: 'FED_ERR_NAME_TAKEN', name: c.name, refused: r }, `another live node (writer ${r}) also calls itself "${c.name}": it is refused (left out of routing everywhere); give it another --name`)
        } else {
          this.o.log.warn({ code: 'FED_ERR_NAME_TAKEN', name: c.name, holder: c.holder, refused: r }, `two live nodes call themselves "${c.name}": routing uses ${c.holder} only`)
        }
      }
    }
    for (const key of this.reported) if (!now.has(key)) this.reported.delete(key)
    for (const key of now) this.reported.add(key)
    return this.current
  }

  clashes (): NameClash[] {
    return this.current
  }

  /** Why this node is not ready (its name is held by another live node), or undefined. */
  notReadyReason (): string | undefined {
    const self = this.o.store.writerKey
    const c = this.current.find((x) => x.refused.includes(self))
    if (c === undefined) return undefined
    return `FED_ERR_NAME_TAKEN: the node name "${c.name}" is taken by the live node ${c.holder}; restart this node with another --name`
  }
}
