/**
 * The durable membership of the cluster as this node sees it: every `node`
 * record (keyed by writer key: name, swarm key, SIP address, revocation),
 * kept up to date from the store's change events. It answers "is this swarm
 * key revoked?" for the network's firewall and names writers for status.
 */
import { nodeRecordOf, type Fields, type NodeRecordFields } from '@federator/core'
import type { Change, Store } from '@federator/store'

/** a `node` record (core nodeRecordOf) and the writer it describes */
export interface Member extends NodeRecordFields {
  writer: string
}

function toMember (writer: string, f: Fields): Member {
  return { writer, ...nodeRecordOf(f) }
}

export class Membership {
  private readonly byWriter = new Map<string, Member>()
  private readonly revokedSwarmKeys = new Set<string>()
  private readonly onchanges = (changes: Change[]): void => {
    for (const c of changes) if (c.type === 'node') this.set(c.id, c.after)
  }

  constructor (private readonly store: Store) {}

  async ready (): Promise<void> {
    this.store.on('changes', this.onchanges)
    for await (const r of this.store.scan('node')) this.set(r.id, r.fields)
  }

  close (): void {
    this.store.off('changes', this.onchanges)
  }

  private set (writer: string, fields: Fields | undefined): void {
    const old = this.byWriter.get(writer)
    if (old?.swarmKey !== undefined) this.revokedSwarmKeys.delete(old.swarmKey)
    if (fields === undefined) { this.byWriter.delete(writer); return }
    const m = toMember(writer, fields)
    this.byWriter.set(writer, m)
    if (m.revoked !== undefined && m.swarmKey !== undefined) this.revokedSwarmKeys.add(m.swarmKey)
  }

  isRevokedSwarmKey (swarmKey: string): boolean {
    return this.revokedSwarmKeys.has(swarmKey)
  }

  get (writer: string): Member | undefined {
    return this.byWriter.get(writer)
  }

  bySwarmKey (swarmKey: string): Member | undefined {
    for (const m of this.byWriter.values()) if (m.swarmKey === swarmKey) return m
    return undefined
  }

  /** Find members by name, writer key or writer-key prefix (for `federator revoke <node>`). */
  find (ref: string): Member[] {
    const exact = this.byWriter.get(ref)
    if (exact !== undefined) return [exact]
    return [...this.byWriter.values()].filter((m) => m.name === ref || (ref.length >= 8 && m.writer.startsWith(ref)))
  }

  all (): Member[] {
    return [...this.byWriter.values()]
  }
}
