/**
 * The admin API scope (`/api/v1`): bearer-token auth on every route (also on
 * its 404s, so unauthenticated clients learn nothing about routes; read-only
 * tokens on GET/HEAD only), the record collections, table rows, conflicts,
 * admin tokens, bulk import/export, and the
 * plugins the composition root adds behind the same token (`apiPlugins`).
 */
import type { FastifyPluginAsync } from 'fastify'
import { FedError, PLURAL, RECORD_TYPES, type RecordType } from '@federator/core'
import type { AdminAuth } from '../http/auth.js'
import { sendError } from '../http/http-errors.js'
import { bulkPlugin } from './bulk/plugin.js'
import { conflictsPlugin } from './conflicts-plugin.js'
import type { AdminContext } from './context.js'
import { nodesPlugin } from './nodes-plugin.js'
import { collectionPlugin, type WriteKind } from './collection-plugin.js'
import { checkFamily, rowsPlugin } from './rows-plugin.js'
import { tokensPlugin } from './tokens-plugin.js'

export const API_PREFIX = '/api/v1'

/** Record types served by their own plugins below (not by the generic collection). */
const SPECIAL = new Set<RecordType>(['table', 'row', 'node'])

export interface ApiPlugin {
  plugin: FastifyPluginAsync
  /** below /api/v1, e.g. '/cluster' */
  prefix?: string
}

export interface AdminOptions {
  ctx: AdminContext
  /** who may call (http/auth.ts): the cluster's token records and the node's local token */
  auth: AdminAuth
  apiPlugins?: ApiPlugin[]
}

export function adminPlugin (o: AdminOptions): FastifyPluginAsync {
  const { ctx } = o
  const { store } = ctx

  /** A table definition cannot go away, nor change its key columns, while it has rows. */
  async function tableGuard (kind: WriteKind, id: string, set: Record<string, unknown> | undefined): Promise<void> {
    if (kind === 'create') return
    if (kind !== 'delete' && !(set !== undefined && 'keys' in set)) return
    const hasRows = (await store.list('row', { prefix: id + '/', limit: 1 })).length > 0
    if (!hasRows) return
    if (kind === 'delete') throw new FedError('FED_ERR_TABLE_NOT_EMPTY', `Table ${id} still has rows; delete them first`)
    const current = await store.get('table', id)
    if (current !== undefined && JSON.stringify(current.keys) !== JSON.stringify(set!.keys)) {
      throw new FedError('FED_ERR_TABLE_NOT_EMPTY', `Table ${id} has rows; its key columns cannot change`)
    }
  }

  return async (api) => {
    const known = new Set<string>()
    api.addHook('onRoute', (r) => {
      const first = r.url.slice(API_PREFIX.length).split('/')[1]
      if (first !== undefined && first !== '' && !first.startsWith(':')) known.add(first)
    })
    api.addHook('onRequest', o.auth.hook)
    api.setNotFoundHandler((req, reply) => {
      const path = (req.url.split('?')[0] ?? '').slice(API_PREFIX.length)
      const first = path.split('/')[1] ?? ''
      if (first !== '' && !known.has(first)) {
        return sendError(reply, new FedError('FED_ERR_UNKNOWN_TYPE', `Unknown collection ${JSON.stringify(safeDecode(first))} (collections: ${[...known].sort().join(', ')})`))
      }
      return sendError(reply, new FedError('FED_ERR_ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`))
    })

    // every record type gets the generic collection, except those with routes of their own
    for (const type of RECORD_TYPES.filter((x) => !SPECIAL.has(x))) {
      await api.register(collectionPlugin({ ctx, type }), { prefix: '/' + PLURAL[type] })
    }
    await api.register(collectionPlugin({ ctx, type: 'table', checkId: checkFamily, guard: tableGuard }), { prefix: '/tables' })
    await api.register(rowsPlugin(ctx), { prefix: '/tables/:family/rows' })
    await api.register(nodesPlugin(ctx), { prefix: '/nodes' })
    await api.register(conflictsPlugin(ctx), { prefix: '/conflicts' })
    await api.register(tokensPlugin(ctx), { prefix: '/tokens' })
    await api.register(bulkPlugin(ctx))
    for (const p of o.apiPlugins ?? []) await api.register(p.plugin, p.prefix !== undefined ? { prefix: p.prefix } : {})
  }
}

function safeDecode (s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}
