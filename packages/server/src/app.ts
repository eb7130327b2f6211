/**
 * buildApp(): the node's Fastify application, without listening. It wires the
 * shared pieces — pino logger, TypeBox validation, JSON serialisation, the one
 * error handler and 404 handler, JSON body limits — and registers the
 * health probes, the OpenAPI docs, the admin API (/api/v1) and any plugins
 * the composition root passes in. The caller owns listen() and close().
 *
 * Extension: pass `plugins` (registered at the root, e.g. /realtime, /route,
 * /metrics; each does its own auth) and `apiPlugins` (registered inside the
 * token-protected /api/v1 scope, e.g. /cluster). Since buildApp() does not
 * call ready(), root-level plugins can also be registered on the returned app
 * before listen().
 *
 * Auth: `app.adminAuth` (http/auth.ts) is the admin API's bearer-token check; a root
 * plugin that serves admins (e.g. a web UI) adds `app.adminAuth.hook` as its
 * onRequest hook.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import pino, { type Logger } from 'pino'
import type { Store } from './ports.js'
import { FedError } from '@federator/core'
import { CursorCodec } from './admin/list/cursor.js'
import { errorHandler, notFoundHandler } from './http/http-errors.js'
import { API_PREFIX, adminPlugin, type ApiPlugin } from './admin/plugin.js'
import { AdminAuth } from './http/auth.js'
import { registerDocs } from './http/docs.js'
import { healthPlugin, type ReadyCheck } from './http/health.js'
import { resolveLimits, type Limits } from './http/limits.js'

export interface RootPlugin {
  /** a short name: the plugin's child logger is tagged with it */
  name: string
  plugin: FastifyPluginAsync<{ log: Logger }>
  /** URL prefix, e.g. '/realtime' */
  prefix?: string
}

export interface BuildAppOptions {
  store: Store
  /**
   * a local admin token of this node (non-empty; full scope, this node only). The
   * cluster's `token` records in the store are accepted too (http/auth.ts).
   */
  adminToken?: string
  /** pino logger; the app logs through a child `{ component: 'http' }`; default: silent */
  logger?: Logger
  /** version string shown by /healthz and in the OpenAPI document */
  version?: string
  /** limits (body sizes, page sizes, import chunking); defaults in http/limits.ts */
  limits?: Partial<Limits>
  /** secret of the pagination cursor MAC; default: derived from adminToken (cursors survive restarts); required without adminToken */
  cursorSecret?: string | Buffer
  /** extra readiness condition for /readyz: false or a reason string → 503 */
  ready?: ReadyCheck
  /** plugins registered at the root (after the built-in ones), with their own auth */
  plugins?: RootPlugin[]
  /** plugins registered inside /api/v1, behind the bearer token */
  apiPlugins?: ApiPlugin[]
  /** serve /docs (default true) */
  docs?: boolean
  /** log every request (default false: only errors and the plugins' own logs) */
  logRequests?: boolean
}

/** The default logger: silent, without a destination stream (pino's default one registers an exit listener per instance). */
const SILENT: Logger = pino({ level: 'silent' }, { write () {} })

export async function buildApp (opts: BuildAppOptions): Promise<FastifyInstance> {
  const limits = resolveLimits(opts.limits)
  const auth = new AdminAuth({ store: opts.store, ...(opts.adminToken !== undefined ? { localToken: opts.adminToken } : {}) })
  const cursorSecret = opts.cursorSecret ?? opts.adminToken
  if (cursorSecret === undefined) throw new FedError('FED_ERR_CONFIG', 'buildApp needs cursorSecret when there is no adminToken')
  const version = opts.version ?? '0.0.0'
  const root = (opts.logger ?? SILENT).child({ component: 'http' })
  const app = Fastify({
    loggerInstance: root,
    bodyLimit: limits.bodyLimit,
    logController: new LogController({ disableRequestLogging: opts.logRequests !== true }),
    return503OnClosing: true
  }) as unknown as FastifyInstance
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  // response schemas document; answers are plain JSON.stringify (keeps fields of newer nodes)
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  app.decorate('adminAuth', auth)

  if (opts.docs !== false) await registerDocs(app, version)
  await app.register(healthPlugin({ store: opts.store, version, ...(opts.ready !== undefined ? { ready: opts.ready } : {}) }))
  const ctx = {
    store: opts.store,
    limits,
    cursors: new CursorCodec(cursorSecret, limits.cursorMax),
    log: root.child({ plugin: 'admin' })
  }
  await app.register(adminPlugin({ ctx, auth, ...(opts.apiPlugins !== undefined ? { apiPlugins: opts.apiPlugins } : {}) }), { prefix: API_PREFIX })
  for (const p of opts.plugins ?? []) {
    await app.register(p.plugin, { log: root.child({ plugin: p.name }), ...(p.prefix !== undefined ? { prefix: p.prefix } : {}) })
  }
  return app
}
