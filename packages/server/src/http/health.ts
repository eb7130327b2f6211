/**
 * `/healthz`: the process answers. `/readyz`: the store has opened, can read
 * its view and is not closing, the app is not closing, this node is not
 * revoked (a revoked node refuses writes: FED_ERR_REVOKED), and every extra
 * condition of the composition root (`ready` callback) holds — e.g. nothing
 * is still loading in the background after a start (`loadingCheck`);
 * otherwise 503 FED_ERR_NOT_READY with the reason. Both are open (no token):
 * probes.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { FedError } from '@federator/core'
import type { Store } from '../ports.js'
import { ErrorSchema } from './schemas.js'

/** An extra readiness condition: true/false, or a reason string when not ready. */
export type ReadyCheck = () => boolean | string | Promise<boolean | string>

/** Something that loads in the background after a start: names of the parts still loading (empty when loaded). */
export interface Loading { loading (): string[] }

/** A ReadyCheck that is not ready while any of `sources` still loads: `still loading: <part>, <part>`. */
export function loadingCheck (...sources: Loading[]): ReadyCheck {
  return () => {
    const parts = sources.flatMap((s) => s.loading())
    return parts.length === 0 ? true : `still loading: ${parts.join(', ')}`
  }
}

export interface HealthOptions {
  store: Store
  version: string
  ready?: ReadyCheck
}

export function healthPlugin (o: HealthOptions): FastifyPluginAsync {
  const { store } = o
  let storeOpen = false
  let closing = false
  store.ready().then(() => { storeOpen = true }, () => {})

  async function notReadyReason (): Promise<string | undefined> {
    if (closing) return 'the server is closing'
    if (!storeOpen) return 'the store is not open yet'
    try {
      await store.get('node', store.writerKey) // a read through the view: fails once the store is closed
    } catch (err) {
      return `the store cannot read its view: ${(err as Error).message}`
    }
    const revoked = store.revocation()
    if (revoked !== undefined) return `this node was revoked${revoked.reason !== undefined ? ' (' + revoked.reason + ')' : ''}: it refuses writes; set up a new node with a fresh data directory`
    if (o.ready !== undefined) {
      const r = await o.ready()
      if (r === false) return 'not ready'
      if (typeof r === 'string') return r
    }
    return undefined
  }

  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()
    app.addHook('preClose', async () => { closing = true })

    app.get('/healthz', {
      schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), uptime: Type.Number({ description: 'seconds' }) }) } }
    }, async () => ({ status: 'ok' as const, version: o.version, uptime: Math.round(process.uptime()) }))

    app.get('/readyz', {
      schema: { tags: ['health'], summary: 'Readiness: the store is open and not closing (and the node\'s own conditions)', response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: ErrorSchema } }
    }, async (_req: FastifyRequest) => {
      const reason = await notReadyReason()
      if (reason !== undefined) throw new FedError('FED_ERR_NOT_READY', `Not ready: ${reason}`)
      return { status: 'ready' as const }
    })
  }
}
