/**
 * `GET /api/v1/conflicts`: records whose fields were edited concurrently on
 * two nodes (neither had seen the other's write). For each field: the value
 * that won and the values that lost, each with its HLC (also as ISO time) and
 * its writer (tag, and the node's name when its node record is known).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { hlcWall, type Conflict, type Hlc } from '@federator/core'
import type { Store } from '../ports.js'
import { errors, pageOf, pageQuery } from '../http/schemas.js'
import type { AdminContext } from './context.js'

const SEP = '\u0000'
/** node records read to name writers (a cluster has far fewer) */
const MAX_NODES = 10_000

const Version = {
  hlc: Type.Integer({ description: 'hybrid logical clock: wall ms × 1024 + counter' }),
  time: Type.String({ description: 'the HLC wall time, ISO 8601' }),
  writer: Type.String({ description: 'writer tag: first 16 hex digits of the writer key (= node id)' }),
  node: Type.Optional(Type.String({ description: 'the writer node\'s name, when known' }))
}
const ConflictOut = Type.Object({
  type: Type.String(),
  id: Type.String(),
  conflicts: Type.Array(Type.Object({
    field: Type.String({ description: 'a field name, or $ for the record\'s existence (put against delete)' }),
    value: Type.Unknown({ description: 'the winning value (null: absent / deleted)' }),
    ...Version,
    losers: Type.Array(Type.Object({ value: Type.Unknown(), ...Version }))
  }))
})

async function nodeNames (store: Store): Promise<Map<string, string>> {
  const names = new Map<string, string>()
  for (const n of await store.list('node', { limit: MAX_NODES })) {
    if (typeof n.fields.name === 'string') names.set(n.id.slice(0, 16), n.fields.name)
  }
  return names
}

function version (hlc: Hlc, writer: string, names: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { hlc, time: new Date(hlcWall(hlc)).toISOString(), writer }
  const node = names.get(writer)
  if (node !== undefined) out.node = node
  return out
}

export function conflictJson (c: Conflict, names: Map<string, string>): Record<string, unknown> {
  return {
    field: c.field,
    value: c.value,
    ...version(c.hlc, c.writer, names),
    losers: c.losers.map((l) => ({ value: l.value, ...version(l.hlc, l.writer, names) }))
  }
}

/** A token record's hash is never answered, not even as a conflict's value. */
function hideTokenHash (type: string, c: Conflict): Conflict {
  if (type !== 'token' || c.field !== 'hash') return c
  const hidden = (v: unknown): unknown => v === undefined || v === null ? v : '(hidden)'
  return { ...c, value: hidden(c.value), losers: c.losers.map((l) => ({ ...l, value: hidden(l.value) })) } as Conflict
}

export function conflictsPlugin (ctx: AdminContext): FastifyPluginAsync {
  const { store, limits, cursors } = ctx
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/', {
      schema: {
        tags: ['conflicts'],
        summary: 'Records with concurrent edits (winner and losers per field)',
        querystring: pageQuery(limits),
        response: { 200: pageOf(ConflictOut), ...errors(400) }
      }
    }, async (req: FastifyRequest) => {
      const q = req.query as { limit?: number, cursor?: string }
      const limit = q.limit ?? limits.listLimit
      const opts: { after?: string, limit: number } = { limit: limit + 1 }
      if (q.cursor !== undefined) opts.after = cursors.decode('conflicts', q.cursor)
      const list = await store.conflicts(opts)
      const page = list.slice(0, limit)
      const names = page.length > 0 ? await nodeNames(store) : new Map<string, string>()
      const last = page[page.length - 1]
      return {
        items: page.map((r) => ({ type: r.type, id: r.id, conflicts: r.conflicts.map((c) => conflictJson(hideTokenHash(r.type, c), names)) })),
        nextCursor: list.length > limit && last !== undefined ? cursors.encode('conflicts', last.type + SEP + last.id) : null
      }
    })
  }
}
