/**
 * CRUD routes of one record collection (`/api/v1/users`, …): list with
 * filters and cursor pagination, create, read, replace-or-create, field-level
 * change (JSON merge patch), delete. One generic plugin, instantiated per
 * record type; tables and nodes pass guards (see admin.ts).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { FedError, PLURAL, assertId, type Fields, type RecordType } from '@federator/core'
import { filterNames, planFilters } from './list/filters.js'
import { listPage } from './list/page.js'
import { applyMergePatch, isPlainObject } from '../http/merge-patch.js'
import { IdParams, errors, listQuery, pageOf, patchBody, recordBody, recordOut } from '../http/schemas.js'
import { locationOf, recordJson, type AdminContext } from './context.js'

export type WriteKind = 'create' | 'replace' | 'patch' | 'delete'

export interface CollectionOptions {
  ctx: AdminContext
  type: RecordType
  /** create, replace and delete through the API (default true) */
  writable?: boolean
  /** only these fields may be changed by PATCH (others: FED_ERR_READ_ONLY_FIELD) */
  patchable?: readonly string[]
  /** extra id check (throws FedError) */
  checkId?: (id: string) => void
  /** runs before a write with the fields it sets (throws FedError to refuse) */
  guard?: (kind: WriteKind, id: string, set: Record<string, unknown> | undefined) => Promise<void>
}

type Body = Record<string, unknown>
type Params = { id: string }
type Query = Record<string, unknown> & { limit?: number, cursor?: string }

/** Register `application/merge-patch+json` (RFC 7386) beside JSON in this context. */
export function acceptMergePatch (app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string', bodyLimit }, app.getDefaultJsonParser('error', 'error'))
}

export function splitBodyId (body: Body, urlId: string): Body {
  const { id, ...fields } = body
  if (id !== undefined && id !== urlId) {
    throw new FedError('FED_ERR_ID_MISMATCH', `The id in the body (${JSON.stringify(id)}) differs from the id in the URL (${JSON.stringify(urlId)})`)
  }
  return fields
}

/** A merge patch → the store's field-level set/unset, merging object values into `current`. */
export function patchToChange (patch: Body, current: Fields | undefined): { set: Body, unset: string[] } {
  const set: Body = {}
  const unset: string[] = []
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) unset.push(k)
    else if (isPlainObject(v)) set[k] = applyMergePatch(current?.[k], v)
    else set[k] = v
  }
  return { set, unset }
}

export function collectionPlugin (o: CollectionOptions): FastifyPluginAsync {
  const { ctx, type } = o
  const { store, limits, cursors } = ctx
  const writable = o.writable ?? true
  const tag = PLURAL[type]
  const checkId = (id: unknown): string => { assertId(type, id); o.checkId?.(id); return id }
  const guard = async (kind: WriteKind, id: string, set?: Body): Promise<void> => { await o.guard?.(kind, id, set) }

  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()
    const one = recordOut(type)

    app.get('/', {
      schema: { tags: [tag], summary: `List ${tag}`, querystring: listQuery(limits, filterNames(type).join(', ')), response: { 200: pageOf(one), ...errors(400) } }
    }, async (req: FastifyRequest) => {
      const q = req.query as Query
      const plan = planFilters(type, q)
      const scope = type + '?' + plan.scope
      const page = await listPage(store, {
        type, plan, limit: q.limit ?? limits.listLimit, scanMax: limits.listScanMax,
        ...(q.cursor !== undefined ? { after: cursors.decode(scope, q.cursor) } : {})
      })
      return {
        items: page.items.map((r) => recordJson(r.id, r.fields)),
        nextCursor: page.next === undefined ? null : cursors.encode(scope, page.next)
      }
    })

    app.get('/:id', {
      schema: { tags: [tag], summary: `Read one ${type}`, params: IdParams, response: { 200: one, ...errors(400, 404) } }
    }, async (req: FastifyRequest) => {
      const id = checkId((req.params as Params).id)
      const fields = await store.get(type, id)
      if (fields === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No ${type} ${id}`)
      return recordJson(id, fields)
    })

    if (writable) {
      app.post('/', {
        schema: { tags: [tag], summary: `Create a ${type}`, body: recordBody(type, true), response: { 201: one, ...errors(400, 409, 413, 415) } }
      }, async (req: FastifyRequest, reply: FastifyReply) => {
        const { id: rawId, ...fields } = req.body as Body
        const id = checkId(rawId)
        await guard('create', id, fields)
        const r = await store.write({ op: 'create', type, id, fields })
        void reply.code(201).header('location', locationOf(req.url, id))
        return recordJson(id, r.fields)
      })

      app.put('/:id', {
        schema: { tags: [tag], summary: `Replace (or create) a ${type}`, params: IdParams, body: recordBody(type, false), response: { 200: one, 201: one, ...errors(400, 413, 415) } }
      }, async (req: FastifyRequest, reply: FastifyReply) => {
        const id = checkId((req.params as Params).id)
        const fields = splitBodyId(req.body as Body, id)
        await guard('replace', id, fields)
        const r = await store.write({ op: 'replace', type, id, fields })
        void reply.code(r.created ? 201 : 200)
        return recordJson(id, r.fields)
      })

      app.delete('/:id', {
        schema: { tags: [tag], summary: `Delete a ${type}`, params: IdParams, response: { 204: { type: 'null', description: 'deleted' }, ...errors(400, 404, 409) } }
      }, async (req: FastifyRequest, reply: FastifyReply) => {
        const id = checkId((req.params as Params).id)
        await guard('delete', id, undefined)
        await store.write({ op: 'delete', type, id })
        return reply.code(204).send()
      })
    }

    // PATCH lives in a child context: only it accepts application/merge-patch+json
    await app.register(async (child) => {
      acceptMergePatch(child, limits.bodyLimit)
      child.patch('/:id', {
        schema: {
          tags: [tag],
          summary: `Change fields of a ${type} (JSON merge patch: null removes a field, objects merge)`,
          params: IdParams,
          consumes: ['application/json', 'application/merge-patch+json'],
          body: patchBody(type),
          response: { 200: one, ...errors(400, 404, 413, 415) }
        }
      }, async (req: FastifyRequest) => {
        const id = checkId((req.params as Params).id)
        const patch = splitBodyId(req.body as Body, id)
        if (o.patchable !== undefined) {
          const fixed = Object.keys(patch).filter((k) => !o.patchable!.includes(k))
          if (fixed.length > 0) {
            throw new FedError('FED_ERR_READ_ONLY_FIELD', `${type} fields ${fixed.join(', ')} cannot be changed here (changeable: ${o.patchable.join(', ')})`,
              fixed.map((f) => ({ path: '/' + f, message: 'read-only' })))
          }
        }
        const needsCurrent = Object.keys(patch).length === 0 || Object.values(patch).some(isPlainObject)
        const current = needsCurrent ? await store.get(type, id) : undefined
        if (needsCurrent && current === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No ${type} ${id}`)
        if (Object.keys(patch).length === 0) return recordJson(id, current)
        const { set, unset } = patchToChange(patch, current)
        await guard('patch', id, set)
        const r = await store.write({ op: 'patch', type, id, set, unset })
        return recordJson(id, r.fields)
      })
    })
  }
}
