/**
 * `ps_contacts`: PJSIP registrations, soft state owned by this node (core
 * contacts.ts; this node's own in contacts-book.ts). Lookups and writes only ever see this
 * node's own contacts: another node's Asterisk never prunes or replaces
 * them, and this Asterisk never learns bindings it did not accept.
 *
 * `id LIKE <aor>;@%` (every REGISTER, every call to a device) reads the AOR's
 * contacts from the ContactBook; `expiration_time <= now` (pruning,
 * every 30 s) and `id LIKE %` scan this node's contacts, which are few.
 * `store` publishes a contact (`1`), `update` replaces the columns of the
 * matching contacts (`0` for an unknown id: sorcery then forgets the
 * binding), `destroy` removes them.
 */
import {
  compileCriteria, contactAor, contactFromStore, contactIdOf, contactRow, contactWithUpdate, familyIndexes, isNumericColumn,
  planLookup, type Criterion, type DestroyRequest, type LookupPlan, type PjsipContact, type Row, type StoreRequest, type UpdateRequest
} from '@federator/core'
import { tag, type CacheTag } from './cache-tags.js'
import { exactKey, keyPrefix, WriteRefused, type FamilyHandler, type LookupContext } from './context.js'

const FAMILY = 'ps_contacts'
const numeric = (c: string): boolean => isNumericColumn(FAMILY, c)

function ownCandidates (ctx: LookupContext, plan: LookupPlan, tags: CacheTag[]): PjsipContact[] {
  const id = exactKey(plan, 'id')
  if (id !== undefined) {
    const aor = contactAor(id)
    tags.push(aor === undefined ? tag.allContacts : tag.contacts(aor))
    const c = ctx.contacts.get(id)
    return c === undefined ? [] : [c]
  }
  const prefix = keyPrefix(plan, 'id')
  const at = prefix.indexOf(';@')
  if (at > 0) {
    const aor = prefix.slice(0, at)
    tags.push(tag.contacts(aor))
    return ctx.contacts.ofAor(aor)
  }
  tags.push(tag.allContacts)
  return ctx.contacts.all()
}

/** This node's contacts matching the criteria. */
function matching (ctx: LookupContext, criteria: readonly Criterion[]): PjsipContact[] {
  const id = contactIdOf(criteria)
  const plan: LookupPlan = id !== undefined ? { kind: 'index', index: ['id'], values: [id], exact: true } : planLookup(criteria, familyIndexes(FAMILY), numeric)
  const match = compileCriteria(criteria, numeric)
  return ownCandidates(ctx, plan, []).filter((c) => match(contactRow(c)))
}

function publish (ctx: LookupContext, c: PjsipContact): void {
  try {
    ctx.contacts.put(c)
  } catch (err) {
    throw new WriteRefused('soft_state_refused', `ps_contacts: the contact ${c.id} cannot be published: ${(err as Error).message}`)
  }
}

export function contactsHandler (ctx: LookupContext): FamilyHandler {
  return {
    indexes: () => familyIndexes(FAMILY),
    candidates: (_family, _req, plan, tags): Row[] => ownCandidates(ctx, plan, tags).map(contactRow),
    async store (_family: string, req: StoreRequest): Promise<number> {
      publish(ctx, contactFromStore(req.values))
      return 1
    },
    async update (_family: string, req: UpdateRequest): Promise<number> {
      const found = matching(ctx, req.where)
      for (const c of found) publish(ctx, contactWithUpdate(c, req.set))
      return found.length
    },
    async destroy (_family: string, req: DestroyRequest): Promise<number> {
      let n = 0
      for (const c of matching(ctx, req.criteria)) if (ctx.contacts.remove(c.id)) n++
      return n
    }
  }
}
