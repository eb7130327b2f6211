/**
 * chan_sip families (`sippeers`, `sipusers`, `sipregs`) as views of devices
 * and trunks (core chansip.ts), with this node's chan_sip registrations
 * merged into the peer rows, so a lookup by `ipaddr`+`port` finds the
 * registered peer (docs/asterisk-protocol.md §6, chan_sip).
 *
 * Lookups: `name=` reads one device (else trunk, else extra row); `ipaddr=`
 * takes the peers registered from that address (SipRegBook);
 * `host=<ip>` the peers with that static host (HostIndex); `host=dynamic`,
 * name prefixes and the start-up `name LIKE %` scan.
 *
 * Writes: chan_sip only ever updates registration columns of an existing
 * peer (`update?name=…`); that becomes this node's soft-state registration
 * (or clears it). Updates of other columns, stores and destroys are refused.
 */
import {
  applySipRegistration, compileCriteria, deviceSipPeer, familyIndexes, isNumericColumn, sipRegistrationColumns, sipRegsRow,
  splitSipUpdate, trunkSipPeer, type LookupPlan, type Row, type UpdateRequest
} from '@federator/core'
import { tag, type CacheTag } from './cache-tags.js'
import { read, userOf, WriteRefused, type FamilyHandler, type LookupContext } from './context.js'

/** The peer row of one name in `family` (sipregs: name + registration columns). */
export function sipPeerRow (ctx: LookupContext, family: string, name: string, tags: CacheTag[]): Row | undefined {
  tags.push(tag.device(name), tag.sipReg(name))
  const reg = ctx.sipRegs.get(name)
  const device = read(ctx, 'device', name)
  let peer: Row | undefined
  if (device !== undefined) {
    peer = deviceSipPeer({ id: name, fields: device }, userOf(ctx, device, tags), reg, ctx.projection)
  } else {
    tags.push(tag.trunk(name))
    const trunk = ctx.trunks.get(name)
    if (trunk !== undefined) {
      peer = trunkSipPeer({ id: name, fields: trunk }, reg, ctx.projection)
    } else {
      tags.push(tag.extraRows)
      const extra = ctx.extra.byId('sippeers', name)
      peer = extra === undefined || reg === undefined ? extra : { ...extra, ...sipRegistrationColumns(reg) }
    }
  }
  if (peer === undefined) return undefined
  return family === 'sipregs' ? sipRegsRow(name, reg) : peer
}

async function scan (ctx: LookupContext, family: string, prefix: string, tags: CacheTag[]): Promise<Row[]> {
  tags.push(tag.allDevices, tag.allTrunks, tag.extraRows, tag.allSipRegs)
  const out: Row[] = []
  const push = (row: Row | undefined): void => { if (row !== undefined) out.push(row) }
  for await (const d of ctx.store.scan('device', prefix)) {
    const reg = ctx.sipRegs.get(d.id)
    const peer = deviceSipPeer({ id: d.id, fields: d.fields }, userOf(ctx, d.fields, []), reg, ctx.projection)
    push(peer === undefined ? undefined : family === 'sipregs' ? sipRegsRow(d.id, reg) : peer)
  }
  for (const id of ctx.trunks.trunks.keys()) {
    if (id.startsWith(prefix) && !ctx.trunks.shadowed.has(id)) push(sipPeerRow(ctx, family, id, []))
  }
  for (const row of ctx.extra.rowsWithId('sippeers')) {
    const name = row.name!
    if (name.startsWith(prefix) && !ctx.trunks.has(name) && read(ctx, 'device', name) === undefined) push(sipPeerRow(ctx, family, name, []))
  }
  return out
}

function byHost (ctx: LookupContext, family: string, host: string, tags: CacheTag[]): Row[] {
  tags.push(tag.host(host), tag.extraRows)
  const out: Row[] = []
  for (const name of ctx.hosts.peers(host)) {
    const row = sipPeerRow(ctx, family, name, tags)
    if (row !== undefined) out.push(row)
  }
  for (const row of ctx.extra.rowsWithId('sippeers')) {
    const name = row.name!
    if (row.host !== host || ctx.trunks.has(name) || read(ctx, 'device', name) !== undefined) continue
    const extra = sipPeerRow(ctx, family, name, tags)
    if (extra !== undefined) out.push(extra)
  }
  return out
}

export function sipHandler (ctx: LookupContext): FamilyHandler {
  return {
    indexes: (family) => familyIndexes(family),
    candidates (family: string, _req, plan: LookupPlan, tags: CacheTag[]) {
      if (plan.kind === 'index' && plan.values.length > 0) {
        const first = plan.values[0]!
        switch (plan.index[0]) {
          case 'name': {
            const row = sipPeerRow(ctx, family, first, tags)
            return row === undefined ? [] : [row]
          }
          case 'ipaddr':
            tags.push(tag.sipRegsAt(first))
            return ctx.sipRegs.at(first).map((n) => sipPeerRow(ctx, family, n, tags)).filter((r): r is Row => r !== undefined)
          case 'host':
            if (first !== 'dynamic') return byHost(ctx, family, first, tags)
        }
      }
      const prefix = plan.kind === 'index' && plan.index[0] === 'name' && plan.values.length === 0 ? plan.prefix ?? '' : ''
      return scan(ctx, family, prefix, tags)
    },
    async update (family: string, req: UpdateRequest): Promise<number> {
      const key = req.where.find((c) => c.column === 'name' && c.op === '=' && !c.truncated)
      if (key === undefined) throw new WriteRefused('bad_update', `chan_sip updates address a peer by name, got ${req.where.map((c) => c.column).join(', ')}`)
      const name = key.value
      const row = sipPeerRow(ctx, family === 'sipregs' ? 'sippeers' : family, name, [])
      if (row === undefined || !compileCriteria(req.where, (c) => isNumericColumn(family, c))(row)) return 0
      const { registration, other } = splitSipUpdate(req.set)
      if (other.length > 0) {
        throw new WriteRefused('read_only', `${family}: only registration columns can be written through realtime, not ${other.map((a) => a.column).join(', ')} (change the device or trunk instead)`)
      }
      ctx.sipRegs.put(name, applySipRegistration(name, ctx.sipRegs.get(name), registration))
      return 1
    }
  }
}
