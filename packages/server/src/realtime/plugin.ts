/**
 * The realtime HTTP surface (res_config_curl), registered at `/realtime`:
 *
 *   POST /realtime/<family>/{single,multi,update,store,destroy,require}
 *   GET  /realtime/<family>/update?…,…   (Asterisk's GET when a key value has an unbalanced `(`)
 *   GET  /realtime/static?file=<name>
 *
 * Bodies and query strings are handed to the service raw: every content type
 * is read as a string (no form decoding: `+` is a literal plus), and the
 * query is cut from the raw URL. Always HTTP 200: an error page would be
 * parsed by Asterisk as data, so oversized bodies, bad paths, refused access
 * and anything unexpected answer nothing (reads) or `-1` (writes), counted
 * and warned by the service. The realtime scope has its own error and 404
 * handlers; the rest of the app is not affected.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ANSWER_FAILED, ANSWER_NONE } from '@federator/core'
import { accessCheck, type AccessOptions } from './access.js'
import type { RealtimeService } from './service.js'

export const REALTIME_PREFIX = '/realtime'

export type RealtimeHttpOptions = AccessOptions

const WRITES = new Set(['update', 'store', 'destroy'])

function paramsOf (req: FastifyRequest): { family: string, op: string } {
  const p = (req.params ?? {}) as { family?: string, op?: string }
  return { family: p.family ?? '', op: p.op ?? '' }
}

function rawQuery (req: FastifyRequest): string {
  const url = req.url
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q + 1)
}

/** The Fastify plugin; `service.start()` is awaited when it is registered (the other indexes load in the background). */
export function realtimePlugin (service: RealtimeService, access: RealtimeHttpOptions = {}): FastifyPluginAsync {
  const check = accessCheck(access)
  const bodyLimit = service.limits.bodyLimit
  return async (app) => {
    await service.start()
    // no per-request child logger: the service logs through its own (rate-limited) logger
    app.setChildLoggerFactory((logger) => logger)
    app.removeAllContentTypeParsers()
    const raw = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void => { done(null, body) }
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, raw)
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, raw)

    app.setErrorHandler((err: FastifyError, req, reply) => {
      const { family, op } = paramsOf(req)
      const reason = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : err.statusCode !== undefined && err.statusCode < 500 ? 'bad_request' : 'internal'
      void reply.code(200).type('text/plain; charset=utf-8').send(service.refuse(err, family, op, reason))
    })
    app.setNotFoundHandler((req, reply) => {
      service.counters.problem('bad_request', { method: req.method, url: req.url.slice(0, 120) }, 'No such realtime path')
      void reply.code(200).type('text/plain; charset=utf-8').send(ANSWER_NONE)
    })
    if (check !== undefined) {
      app.addHook('onRequest', (req, reply, done) => {
        const denied = check(req.socket.remoteAddress, req.headers.authorization)
        if (denied === undefined) { done(); return }
        const { family, op } = paramsOf(req)
        service.counters.problem(denied, { address: req.socket.remoteAddress, family, op }, denied === 'forbidden' ? 'Realtime request from an address not on the allow-list' : 'Realtime request without the right basic auth (res_curl.conf userpwd)')
        void reply.code(200).type('text/plain; charset=utf-8').send(WRITES.has(op) ? ANSWER_FAILED : ANSWER_NONE)
      })
    }

    const handler = (req: FastifyRequest, _reply: FastifyReply): string | Promise<string> => {
      const { family, op } = paramsOf(req)
      return service.handle(family, op, rawQuery(req), typeof req.body === 'string' ? req.body : '')
    }
    app.get('/static', { schema: { hide: true }, exposeHeadRoute: false }, (req) => service.staticFile(rawQuery(req)))
    app.post('/:family/:op', { bodyLimit, schema: { hide: true } }, handler)
    app.get('/:family/:op', { schema: { hide: true }, exposeHeadRoute: false }, handler)
  }
}
