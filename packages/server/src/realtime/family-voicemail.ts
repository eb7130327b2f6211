/**
 * `voicemail` as a view of users (core voicemail.ts). Lookups by mailbox
 * (`mailbox=…&context=…`, VM_INFO, login) and by uniqueid go through the
 * MailboxIndex; `context=…` lists and `mailbox LIKE %` scan the users.
 *
 * Writes: app_voicemail's password change (update2 `context`+`mailbox` →
 * `password`) and other column changes become a patch of each matching user
 * (core voicemailPatch), written through the store like any admin change.
 * Stores and destroys are refused: mailboxes come from users.
 */
import {
  compileCriteria, familyIndexes, isNumericColumn, planLookup, voicemailPatch, voicemailRow, type Criterion, type FedError,
  type LookupPlan, type RecordLike, type Row, type UpdateRequest
} from '@federator/core'
import type { WriteOp } from '../ports.js'
import { tag, type CacheTag } from './cache-tags.js'
import { read, WriteRefused, type FamilyHandler, type LookupContext } from './context.js'

const FAMILY = 'voicemail'
const numeric = (c: string): boolean => isNumericColumn(FAMILY, c)

function userRecord (ctx: LookupContext, id: string, tags: CacheTag[]): RecordLike | undefined {
  tags.push(tag.user(id))
  const fields = read(ctx, 'user', id)
  return fields === undefined ? undefined : { id, fields }
}

/** Users whose mailbox may match the plan, with their rows. */
function matching (ctx: LookupContext, plan: LookupPlan, tags: CacheTag[]): Promise<Array<{ user: RecordLike, row: Row }>> | Array<{ user: RecordLike, row: Row }> {
  const out: Array<{ user: RecordLike, row: Row }> = []
  const add = (user: RecordLike | undefined): void => {
    if (user === undefined) return
    const row = voicemailRow(user, ctx.projection)
    if (row !== undefined) out.push({ user, row })
  }
  if (plan.kind === 'index') {
    const mailbox = plan.index.length === 2 && plan.values.length === 2 ? plan.values[1] : plan.index[0] === 'mailbox' && plan.values.length === 1 ? plan.values[0] : undefined
    if (mailbox !== undefined) {
      tags.push(tag.mailbox(mailbox))
      for (const id of ctx.mailboxes.users(mailbox)) add(userRecord(ctx, id, tags))
      return out
    }
    if (plan.index[0] === 'uniqueid' && plan.values.length === 1) {
      tags.push(tag.voicemailUniqueId(plan.values[0]!))
      const id = ctx.mailboxes.user(plan.values[0]!)
      if (id !== undefined) add(userRecord(ctx, id, tags))
      return out
    }
  }
  tags.push(tag.allUsers)
  return (async () => {
    for await (const u of ctx.store.scan('user')) add({ id: u.id, fields: u.fields })
    return out
  })()
}

function planFor (criteria: readonly Criterion[]): LookupPlan {
  return planLookup(criteria, familyIndexes(FAMILY), numeric)
}

export function voicemailHandler (ctx: LookupContext): FamilyHandler {
  return {
    indexes: () => familyIndexes(FAMILY),
    candidates (_family, _req, plan, tags) {
      const found = matching(ctx, plan, tags)
      return Array.isArray(found) ? found.map((f) => f.row) : found.then((list) => list.map((f) => f.row))
    },
    async update (_family: string, req: UpdateRequest): Promise<number> {
      const match = compileCriteria(req.where, numeric)
      const users = (await matching(ctx, planFor(req.where), [])).filter((f) => match(f.row))
      if (users.length === 0) return 0
      let ops: WriteOp[]
      try {
        ops = users.map(({ user }) => ({ op: 'patch', type: 'user', id: user.id, set: voicemailPatch(user, req.set) }))
      } catch (err) {
        throw new WriteRefused('read_only', (err as Error).message)
      }
      const results = await ctx.store.writeMany(ops)
      const failed = results.filter((r): r is FedError => r instanceof Error)
      if (failed.length === results.length) throw new WriteRefused('invalid_row', `voicemail: ${failed[0]!.message}`)
      return results.length - failed.length
    }
  }
}
