/**
 * Cluster members (`/api/v1/nodes`). Each node writes its own record (name,
 * SIP address, version) when it starts, so through the API a node record is
 * read-only except `revoked`; `POST /nodes/:id/revoke` fills in the log
 * length to cut at (what this node holds of that writer's log) and the time.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { FedError, assertId } from '@federator/core'
import { IdParams, errors, recordOut } from '../http/schemas.js'
import { recordJson, type AdminContext } from './context.js'
import { collectionPlugin } from './collection-plugin.js'

export const NODE_PATCHABLE = ['revoked'] as const

export function nodesPlugin (ctx: AdminContext): FastifyPluginAsync {
  const { store } = ctx
  return async (plain) => {
    // a node's own revocation would cut the very entry that sets it: revoke it from another node (as POST …/revoke says)
    const guard = async (_kind: string, id: string, set: Record<string, unknown> | undefined): Promise<void> => {
      if (id === store.writerKey && set?.revoked !== undefined) throw new FedError('FED_ERR_VALIDATION', 'A node cannot revoke itself; revoke it from another node')
    }
    await plain.register(collectionPlugin({ ctx, type: 'node', writable: false, patchable: NODE_PATCHABLE, guard }))
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/:id/revoke', {
      // the body is optional: no body means {}
      preValidation: async (req) => { if (req.body === undefined || req.body === null) req.body = {} },
      schema: {
        tags: ['nodes'],
        summary: 'Revoke a node: its log entries from `length` on are ignored everywhere, its connections refused',
        params: IdParams,
        body: Type.Object({
          reason: Type.Optional(Type.String({ maxLength: 255 })),
          length: Type.Optional(Type.Integer({ minimum: 0, description: 'default: the length of that node\'s log held here' }))
        }, { additionalProperties: false }),
        response: { 200: recordOut('node'), ...errors(400, 404) }
      }
    }, async (req: FastifyRequest) => {
      const id = (req.params as { id: string }).id
      assertId('node', id)
      const body = req.body as { reason?: string, length?: number }
      if (id === store.writerKey) throw new FedError('FED_ERR_VALIDATION', 'A node cannot revoke itself; revoke it from another node')
      if (await store.get('node', id) === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No node ${id}`)
      const length = body.length ?? store.writers().find((w) => w.key === id)?.length
      if (length === undefined) throw new FedError('FED_ERR_VALIDATION', 'This node does not hold that writer\'s log: give "length" explicitly')
      const revoked: Record<string, unknown> = { length, at: new Date().toISOString() }
      if (body.reason !== undefined) revoked.reason = body.reason
      const r = await store.write({ op: 'patch', type: 'node', id, set: { revoked } })
      return recordJson(id, r.fields)
    })
  }
}
