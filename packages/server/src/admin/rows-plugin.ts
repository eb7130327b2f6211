/**
 * Rows of the generic realtime tables: `/api/v1/tables/:family/rows[/<key>]`.
 * A row is the record `{ type: "row", id: "<family>/<key>", family, columns }`;
 * its key is made from its key column values (core's rowId(): escaped and
 * `/`-joined), the key columns being the table record's `keys`, else the
 * defaults for well-known families (DEFAULT_KEY_COLUMNS); writing a row of a
 * family without either is FED_ERR_UNKNOWN_TABLE. Reading needs neither.
 * In URLs the key is the rest of the path (`…/rows/from-internal/_9X./1`),
 * each segment URL-encoded.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type, { type TSchema } from 'typebox'
import { FedError, RowFields, assertId, defaultKeyColumns, keyValuesOf, rowId } from '@federator/core'
import { planFilters } from './list/filters.js'
import { listPage } from './list/page.js'
import { applyMergePatch, isPlainObject, mergePatchSchema, nullable } from '../http/merge-patch.js'
import { errors, listQuery, pageOf } from '../http/schemas.js'
import { locationOf, recordJson, type AdminContext } from './context.js'
import { acceptMergePatch } from './collection-plugin.js'

const FAMILY = /^[a-z][a-z0-9_]{0,63}$/
const TAG = 'table rows'

const FamilyParams = Type.Object({ family: Type.String({ description: 'the realtime family (table name)' }) })
// the row key is the wildcard `*` (the id after `<family>/`: key values joined by /, `%` and `/` escaped as %25, %2F);
// it is not declared here: TypeBox's Value.Convert cannot handle a property named `*`
const RowParams = Type.Object({ family: Type.String() })
const RowOut: TSchema = Type.Object({ id: Type.String(), family: Type.String(), columns: RowFields.columns }, { additionalProperties: true })
const RowBody = Type.Object({
  id: Type.Optional(Type.String({ description: 'if given: <family>/<key>' })),
  family: Type.Optional(Type.String()),
  columns: RowFields.columns
}, { additionalProperties: false })
const RowPatch = Type.Object({
  id: Type.Optional(Type.String()),
  columns: Type.Optional(nullable(mergePatchSchema(RowFields.columns)))
}, { additionalProperties: false })

type Body = { id?: string, family?: string, columns?: Record<string, unknown> | null }

export function checkFamily (family: string): string {
  if (!FAMILY.test(family)) throw new FedError('FED_ERR_INVALID_ID', `Invalid family ${JSON.stringify(family)} (lower-case letters, digits and _, starting with a letter)`)
  return family
}

export function rowsPlugin (ctx: AdminContext): FastifyPluginAsync {
  const { store, limits, cursors } = ctx

  async function keysOf (family: string): Promise<readonly string[]> {
    const table = await store.get('table', family)
    const keys = (table?.keys as string[] | undefined) ?? defaultKeyColumns(family)
    if (keys === undefined) throw new FedError('FED_ERR_UNKNOWN_TABLE', `No table ${family}: define its key columns first (PUT /api/v1/tables/${family} { "keys": [...] })`)
    return keys
  }

  async function idOf (family: string, columns: Record<string, unknown>): Promise<string> {
    return rowId(family, keyValuesOf(family, columns as Record<string, string>, await keysOf(family)))
  }

  function checkBody (body: Body, family: string, id?: string): void {
    if (body.family !== undefined && body.family !== family) {
      throw new FedError('FED_ERR_ID_MISMATCH', `The family in the body (${JSON.stringify(body.family)}) differs from the URL (${family})`)
    }
    if (id !== undefined && body.id !== undefined && body.id !== id) {
      throw new FedError('FED_ERR_ID_MISMATCH', `The id in the body (${JSON.stringify(body.id)}) differs from the row's id (${JSON.stringify(id)}, from its key columns)`)
    }
  }

  /** family and (for one row) the row id from the URL */
  const params = (req: FastifyRequest): { family: string, id: string } => {
    const p = req.params as { family: string, '*'?: string }
    const family = checkFamily(p.family)
    const id = family + '/' + (p['*'] ?? '')
    if (p['*'] !== undefined) assertId('row', id)
    return { family, id }
  }

  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()

    app.get('/', {
      schema: { tags: [TAG], summary: 'List the rows of a table', params: FamilyParams, querystring: listQuery(limits, 'any column, e.g. ?name=support'), response: { 200: pageOf(RowOut), ...errors(400) } }
    }, async (req: FastifyRequest) => {
      const { family } = params(req)
      const q = req.query as Record<string, unknown> & { limit?: number, cursor?: string }
      const plan = planFilters('row', q)
      const scope = 'row?' + family + '?' + plan.scope
      const page = await listPage(store, {
        type: 'row', plan, prefix: family + '/', limit: q.limit ?? limits.listLimit, scanMax: limits.listScanMax,
        ...(q.cursor !== undefined ? { after: cursors.decode(scope, q.cursor) } : {})
      })
      return { items: page.items.map((r) => recordJson(r.id, r.fields)), nextCursor: page.next === undefined ? null : cursors.encode(scope, page.next) }
    })

    app.post('/', {
      schema: { tags: [TAG], summary: 'Create a row (its key comes from its key columns)', params: FamilyParams, body: RowBody, response: { 201: RowOut, ...errors(400, 404, 409, 413, 415) } }
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const { family } = params(req)
      const body = req.body as Body
      checkBody(body, family)
      const columns = body.columns as Record<string, unknown>
      const id = await idOf(family, columns)
      checkBody(body, family, id)
      const r = await store.write({ op: 'create', type: 'row', id, fields: { family, columns } })
      void reply.code(201).header('location', locationOf(req.url, id.slice(family.length + 1)).replace(/%2F/g, '/'))
      return recordJson(id, r.fields)
    })

    app.get('/*', {
      schema: { tags: [TAG], summary: 'Read a row', params: RowParams, response: { 200: RowOut, ...errors(400, 404) } }
    }, async (req: FastifyRequest) => {
      const { id } = params(req)
      const fields = await store.get('row', id)
      if (fields === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No row ${id}`)
      return recordJson(id, fields)
    })

    app.put('/*', {
      schema: { tags: [TAG], summary: 'Replace (or create) a row', params: RowParams, body: RowBody, response: { 200: RowOut, 201: RowOut, ...errors(400, 404, 413, 415) } }
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const { family, id } = params(req)
      const body = req.body as Body
      checkBody(body, family, id)
      const columns = body.columns as Record<string, unknown>
      const computed = await idOf(family, columns)
      if (computed !== id) {
        throw new FedError('FED_ERR_ID_MISMATCH', `The key columns give the row id ${JSON.stringify(computed)}, the URL says ${JSON.stringify(id)}`)
      }
      const r = await store.write({ op: 'replace', type: 'row', id, fields: { family, columns } })
      void reply.code(r.created ? 201 : 200)
      return recordJson(id, r.fields)
    })

    app.delete('/*', {
      schema: { tags: [TAG], summary: 'Delete a row', params: RowParams, response: { 204: { type: 'null', description: 'deleted' }, ...errors(400, 404) } }
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const { id } = params(req)
      await store.write({ op: 'delete', type: 'row', id })
      return reply.code(204).send()
    })

    await app.register(async (child) => {
      acceptMergePatch(child, limits.bodyLimit)
      child.patch('/*', {
        schema: { tags: [TAG], summary: 'Change columns of a row (merge patch on columns; key columns cannot change)', params: RowParams, consumes: ['application/json', 'application/merge-patch+json'], body: RowPatch, response: { 200: RowOut, ...errors(400, 404, 413, 415) } }
      }, async (req: FastifyRequest) => {
        const { family, id } = params(req)
        const body = req.body as Body
        checkBody(body, family, id)
        if (body.columns === null) throw new FedError('FED_ERR_VALIDATION', 'columns is required and cannot be removed', [{ path: '/columns', message: 'is required and cannot be removed' }])
        const current = await store.get('row', id)
        if (current === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No row ${id}`)
        if (body.columns === undefined) return recordJson(id, current)
        const columns = applyMergePatch(current.columns, body.columns) as Record<string, unknown>
        if (isPlainObject(columns) && await idOf(family, columns) !== id) {
          throw new FedError('FED_ERR_ID_MISMATCH', 'Key columns cannot change (that would be another row): create the new row and delete this one')
        }
        const r = await store.write({ op: 'patch', type: 'row', id, set: { columns } })
        return recordJson(id, r.fields)
      })
    })
  }
}
