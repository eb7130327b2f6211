/**
 * PJSIP families as views of devices and trunks (core pjsip.ts):
 * `ps_endpoints`, `ps_auths`, `ps_aors`, `ps_endpoint_id_ips`,
 * `ps_registrations`, plus the extra rows (inter-node trunks) of the hook.
 *
 * One id, one owner: a device wins over a trunk of the same id, and both win
 * over an extra row (docs/asterisk.md). `id=<x>` is two synchronous reads at
 * most (device from the store, trunk from the in-memory table); `id LIKE
 * <prefix>%` scans the devices with that id prefix; `id LIKE %` and other
 * start-up queries scan. Families devices never yield (identify,
 * registration) are served from the trunk table alone, without touching the
 * store. A trunk this node does not use (disabled, or for other nodes)
 * still yields its auth, so that Asterisk can authenticate the
 * un-REGISTER of its registration at the next reload. Writes are refused:
 * these families are read-only views.
 */
import { devicePjsipRows, familyIndexes, trunkPjsipRows, trunkRetiredAuthRow, type Fields, type LookupPlan, type Row, type ProjectionOptions } from '@federator/core'
import { tag, type CacheTag } from './cache-tags.js'
import { exactKey, keyPrefix, read, userOf, type FamilyHandler, type LookupContext } from './context.js'

/** The families a device yields rows in. */
const DEVICE_FAMILIES = new Set(['ps_endpoints', 'ps_auths', 'ps_aors'])

function deviceRow (ctx: LookupContext, family: string, id: string, fields: Fields, tags: CacheTag[]): Row | undefined {
  const rows = devicePjsipRows({ id, fields }, userOf(ctx, fields, tags), ctx.projection) as Record<string, Row> | undefined
  return rows?.[family]
}

/**
 * The device's rows of all three families at once: the asked one is
 * returned, the two others go into the answer cache (Asterisk asks for the
 * endpoint, then its auth, then its AOR, for the same id).
 */
function deviceRowsPrefilled (ctx: LookupContext, family: string, id: string, fields: Fields, tags: CacheTag[]): Row | undefined {
  const rows = devicePjsipRows({ id, fields }, userOf(ctx, fields, tags), ctx.projection) as Record<string, Row> | undefined
  for (const f of DEVICE_FAMILIES) if (f !== family) ctx.prefill(f, id, rows?.[f], tags)
  return rows?.[family]
}

/** A trunk's row; of a trunk not used here (disabled, other nodes) only the auth, for Asterisk's un-REGISTER. */
function trunkRow (family: string, id: string, fields: Fields, projection: Partial<ProjectionOptions>): Row | undefined {
  const rows = trunkPjsipRows({ id, fields }, projection) as Record<string, Row> | undefined
  if (rows !== undefined) return rows[family]
  return family === 'ps_auths' ? trunkRetiredAuthRow({ id, fields }, projection) as Row | undefined : undefined
}

/** The row of one id: the device's, else the trunk's, else an extra row. */
export function pjsipRowById (ctx: LookupContext, family: string, id: string, tags: CacheTag[]): Row | undefined {
  tags.push(tag.device(id))
  const device = DEVICE_FAMILIES.has(family) || ctx.trunks.has(id) ? read(ctx, 'device', id) : undefined
  if (device !== undefined) return DEVICE_FAMILIES.has(family) ? deviceRowsPrefilled(ctx, family, id, device, tags) : undefined
  tags.push(tag.trunk(id))
  const trunk = ctx.trunks.get(id)
  if (trunk !== undefined) return trunkRow(family, id, trunk, ctx.projection)
  tags.push(tag.extraRows)
  return ctx.extra.byId(family, id)
}

async function scan (ctx: LookupContext, family: string, prefix: string, tags: CacheTag[]): Promise<Row[]> {
  const out: Row[] = []
  tags.push(tag.allTrunks, tag.extraRows)
  if (DEVICE_FAMILIES.has(family)) {
    tags.push(tag.allDevices)
    for await (const d of ctx.store.scan('device', prefix)) {
      const row = deviceRow(ctx, family, d.id, d.fields, [])
      if (row !== undefined) out.push(row)
    }
  }
  for (const [id, fields] of ctx.trunks.trunks) {
    if (!id.startsWith(prefix) || ctx.trunks.shadowed.has(id)) continue
    const row = trunkRow(family, id, fields, ctx.projection)
    if (row !== undefined) out.push(row)
  }
  for (const row of ctx.extra.rowsWithId(family)) {
    const id = row.id!
    if (!id.startsWith(prefix) || ctx.trunks.has(id) || read(ctx, 'device', id) !== undefined) continue
    out.push(row)
  }
  return out
}

export function pjsipHandler (ctx: LookupContext): FamilyHandler {
  return {
    indexes: (family) => familyIndexes(family),
    candidates (family: string, _req, plan: LookupPlan, tags: CacheTag[]) {
      const id = exactKey(plan, 'id')
      if (id !== undefined) {
        const row = pjsipRowById(ctx, family, id, tags)
        return row === undefined ? [] : [row]
      }
      return scan(ctx, family, keyPrefix(plan, 'id'), tags)
    }
  }
}
