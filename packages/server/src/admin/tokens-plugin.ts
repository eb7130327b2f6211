/**
 * `/api/v1/tokens`: the cluster's admin tokens (core tokens.ts). POST creates
 * one and answers its secret once (`token`); GET lists them and GET /:id
 * shows one, never with the hash; DELETE revokes (deletes the record: once
 * replicated, every node refuses the token). Writes need the admin scope
 * (the auth hook refuses read tokens before this plugin runs).
 */
import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type, { type Static } from 'typebox'
import { FedError, TokenFields, assertId, formatToken, secretHash, tokenJson, type Fields, type TokenScope } from '@federator/core'
import type { Store } from '../ports.js'
import { errors, pageOf, pageQuery } from '../http/schemas.js'
import type { AdminContext } from './context.js'

/** Bytes of a token's random id (16 hex digits) and secret (43 base64url characters). */
export const TOKEN_ID_BYTES = 8
export const TOKEN_SECRET_BYTES = 32

const TokenOut = Type.Object({
  id: Type.String(),
  name: TokenFields.name,
  scope: TokenFields.scope,
  created: TokenFields.created,
  createdBy: TokenFields.createdBy
})
const CreatedOut = Type.Object({
  ...TokenOut.properties,
  token: Type.String({ description: 'the token (fedt_<id>_<secret>): shown this once, never again' })
})
const CreateBody = Type.Object({
  name: TokenFields.name,
  scope: Type.Optional(TokenFields.scope)
}, { additionalProperties: false })

/** A new token: the record's fields (with the hash only) and the token string. */
export function newToken (name: string, scope: TokenScope, createdBy?: string): { id: string, token: string, fields: Fields } {
  const id = randomBytes(TOKEN_ID_BYTES).toString('hex')
  const secret = randomBytes(TOKEN_SECRET_BYTES).toString('base64url')
  const fields: Fields = { name, scope, hash: secretHash(secret), created: new Date().toISOString() }
  if (createdBy !== undefined) fields.createdBy = createdBy
  return { id, token: formatToken(id, secret), fields }
}

/** Create a token record in the store; answers the token string (the only time it exists outside its holder). */
export async function createToken (store: Store, name: string, scope: TokenScope, createdBy?: string): Promise<{ id: string, token: string, fields: Fields }> {
  const t = newToken(name, scope, createdBy)
  await store.write({ op: 'create', type: 'token', id: t.id, fields: t.fields })
  return t
}

export function tokensPlugin (ctx: AdminContext): FastifyPluginAsync {
  const { store, limits, cursors } = ctx
  const checkId = (id: unknown): string => { assertId('token', id); return id }
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()
    const params = Type.Object({ id: Type.String({ description: 'the token id (16 hex digits, the part after fedt_)' }) })

    app.get('/', {
      schema: {
        tags: ['tokens'],
        summary: 'List the admin tokens (without secrets or hashes)',
        querystring: pageQuery(limits),
        response: { 200: pageOf(TokenOut), ...errors(400, 403) }
      }
    }, async (req: FastifyRequest) => {
      const q = req.query as { limit?: number, cursor?: string }
      const limit = q.limit ?? limits.listLimit
      const opts: { after?: string, limit: number } = { limit: limit + 1 }
      if (q.cursor !== undefined) opts.after = cursors.decode('tokens', q.cursor)
      const list = await store.list('token', opts)
      const page = list.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page.map((r) => tokenJson(r.id, r.fields)),
        nextCursor: list.length > limit && last !== undefined ? cursors.encode('tokens', last.id) : null
      }
    })

    app.post('/', {
      schema: {
        tags: ['tokens'],
        summary: 'Create an admin token; the answer holds its secret, shown this once',
        body: CreateBody,
        response: { 201: CreatedOut, ...errors(400, 403) }
      }
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const body = req.body as { name: string, scope?: TokenScope }
      const t = await createToken(store, body.name, body.scope ?? 'admin', req.principal?.token)
      ctx.log.info({ tokenId: t.id, name: body.name, scope: body.scope ?? 'admin', by: req.principal?.token }, 'admin token created')
      reply.code(201).header('location', `${(req.url.split('?')[0] ?? '').replace(/\/+$/, '')}/${t.id}`)
      return { ...tokenJson(t.id, t.fields), token: t.token } as Static<typeof CreatedOut>
    })

    app.get('/:id', {
      schema: { tags: ['tokens'], summary: 'One admin token (without secret or hash)', params, response: { 200: TokenOut, ...errors(400, 404) } }
    }, async (req: FastifyRequest) => {
      const id = checkId((req.params as { id: string }).id)
      const rec = await store.get('token', id)
      if (rec === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No token ${id}`)
      return tokenJson(id, rec) as Static<typeof TokenOut>
    })

    app.delete('/:id', {
      schema: { tags: ['tokens'], summary: 'Revoke an admin token (every node refuses it once replicated)', params, response: { 204: Type.Null(), ...errors(400, 403, 404) } }
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const id = checkId((req.params as { id: string }).id)
      if (await store.get('token', id) === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No token ${id}`)
      await store.write({ op: 'delete', type: 'token', id })
      ctx.log.info({ tokenId: id, by: req.principal?.token }, 'admin token revoked')
      return await reply.code(204).send()
    })
  }
}
