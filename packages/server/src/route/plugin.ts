/**
 * `GET|POST /route`: the per-call routing answer for Asterisk's `CURL()`.
 *
 * Per request: parse the query string and the form body (params.ts) into one
 * object, call the pure `routeFromParams(snapshot, params, { now, trace })`
 * (trace only for JSON), encode in the asked format. Nothing is prepared per
 * call: the snapshot holds every index.
 *
 * While the node is starting and its snapshot is not built yet (`building`
 * returns a promise), a request waits for it at most `buildWaitMs` (default
 * ROUTE_BUILD_WAIT_MS, under the generated dialplan's 3 s CURL timeout) and
 * is then decided as usual; if the snapshot is still not built it answers
 * `status=CONGESTION reason=starting` (cause 34 → SIP 503: try again or
 * elsewhere) — never an answer from a partial snapshot, which could say
 * NOTFOUND for a user not loaded yet.
 *
 * Always HTTP 200 — Asterisk ignores the status and would dial an error page:
 * bad input (garbage, repeated or oversized parameters, a body over the
 * limit, an unknown format) answers `status=INVALID` with a reason; a fault
 * answers `status=ERROR`. hashcompat and plain are `text/plain`, JSON is
 * `application/json`. The plugin parses every body as form text itself
 * (whatever its Content-Type) and has its own error handler, so nothing of
 * the admin API's JSON error shape leaks here.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { encodeHashcompat, encodeJson, encodePlain, routeFromParams, type Metric, type RouteDecision, type RouteStatus, type RoutingSnapshot } from '@federator/core'
import { formatFromAccept, formatOf, parseForm, queryOf, type Params, type RouteFormat } from './params.js'
import { noValidation, ROUTE_SCHEMA } from './schema.js'

/** Largest accepted `/route` body (bytes): a dialplan's post data is a few hundred bytes. */
export const ROUTE_BODY_LIMIT = 8 * 1024
export const ROUTE_PATH = '/route'
/** Longest a `/route` request waits for the snapshot being built after a start before answering CONGESTION `starting` (ms). */
export const ROUTE_BUILD_WAIT_MS = 2000

const TEXT = 'text/plain; charset=utf-8'
const JSON_TYPE = 'application/json; charset=utf-8'
const STATUSES: readonly RouteStatus[] = ['OK', 'NOTFOUND', 'BUSY', 'UNAVAILABLE', 'CONGESTION', 'INVALID', 'ERROR']

export type { Metric }

/** Answers per status and format, for /metrics. */
export class RouteCounters {
  readonly byStatus: Record<RouteStatus, number> = { OK: 0, NOTFOUND: 0, BUSY: 0, UNAVAILABLE: 0, CONGESTION: 0, INVALID: 0, ERROR: 0 }
  readonly byFormat: Record<RouteFormat, number> = { hashcompat: 0, plain: 0, json: 0 }

  count (status: RouteStatus, format: RouteFormat): void {
    this.byStatus[status]++
    this.byFormat[format]++
  }

  metrics (): Metric[] {
    return [
      { name: 'federator_route_answers_total', help: '/route answers by status', type: 'counter', samples: STATUSES.map((status) => ({ labels: { status }, value: this.byStatus[status] })) },
      { name: 'federator_route_format_total', help: '/route answers by format', type: 'counter', samples: Object.entries(this.byFormat).map(([format, value]) => ({ labels: { format }, value })) }
    ]
  }
}

export interface RoutePluginOptions {
  /** the routing snapshot, or where to read the current one on every request */
  snapshot: RoutingSnapshot | (() => RoutingSnapshot)
  counters?: RouteCounters
  bodyLimit?: number
  now?: () => number
  /** while the snapshot is being built: a promise settled when it is; undefined once built */
  building?: () => Promise<void> | undefined
  /** longest wait for `building` per request (ms, default ROUTE_BUILD_WAIT_MS) */
  buildWaitMs?: number
  /** called with every decision answered to a dialplan (hashcompat and plain; not JSON, which people and tests ask) */
  onDecision?: (d: RouteDecision) => void
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
function within (p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    const done = (): void => { clearTimeout(timer); resolve(true) }
    p.then(done, done)
  })
}

function starting (exten: string | undefined, waitedMs: number): RouteDecision {
  const shown = typeof exten === 'string' && exten.length <= 80 ? exten.replace(/[^\x21-\x7e]/g, '?') : ''
  return { status: 'CONGESTION', reason: 'starting', exten: shown, why: [`the node is starting: its routing snapshot was not built within ${waitedMs} ms`] }
}

function invalid (message: string, exten: string | undefined): RouteDecision {
  const shown = typeof exten === 'string' && exten.length <= 80 ? exten.replace(/[^\x21-\x7e]/g, '?') : ''
  return { status: 'INVALID', reason: 'invalid-param', exten: shown, why: [message] }
}

/** Sets status and content type; returns the body. */
function answer (reply: FastifyReply, format: RouteFormat, d: RouteDecision): string {
  reply.code(200)
  if (format === 'json') {
    reply.header('content-type', JSON_TYPE)
    return encodeJson(d)
  }
  reply.header('content-type', TEXT)
  return format === 'plain' ? encodePlain(d) : encodeHashcompat(d)
}

export function routePlugin (opts: RoutePluginOptions): FastifyPluginAsync<{ log?: Logger }> {
  const counters = opts.counters ?? new RouteCounters()
  const now = opts.now ?? Date.now
  const bodyLimit = opts.bodyLimit ?? ROUTE_BODY_LIMIT
  const given = opts.snapshot
  const building = opts.building
  const waitMs = opts.buildWaitMs ?? ROUTE_BUILD_WAIT_MS
  const snapshot = typeof given === 'function' ? given : () => given
  const onDecision = opts.onDecision
  const decided = (d: RouteDecision, format: RouteFormat): void => {
    if (onDecision === undefined || format === 'json') return
    try { onDecision(d) } catch { /* a listener's fault is not the call's */ }
  }

  return async (app) => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => { done(null, body) })

    app.setErrorHandler((err: Error & { code?: string, statusCode?: number }, req, reply) => {
      const format = formatFromAccept(req.headers.accept)
      const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `body over ${bodyLimit} bytes` : `bad request: ${err.message}`
      const fault = err.statusCode === undefined || err.statusCode >= 500
      const d: RouteDecision = fault
        ? { status: 'ERROR', reason: 'internal', exten: '', why: [message] }
        : invalid(message, undefined)
      if (fault) req.log.error({ err }, '/route failed')
      counters.count(d.status, format)
      return answer(reply, format, d)
    })

    // synchronous, answering with reply.send(): no promise per request on the hot path
    const handler = (req: FastifyRequest, reply: FastifyReply): void => {
      const params: Params = Object.create(null) as Params
      const count = { n: 0 }
      let error = parseForm(queryOf(req.raw.url), params, count)
      if (typeof req.body === 'string') error = parseForm(req.body, params, count) ?? error
      const asked = formatOf(params.format, req.headers.accept)
      const format = asked ?? formatFromAccept(req.headers.accept)
      let d: RouteDecision
      if (error !== undefined) d = invalid(error, params.exten)
      else if (asked === undefined) d = invalid(`format ${JSON.stringify(params.format?.slice(0, 40))} is not one of hashcompat, plain, json`, params.exten)
      else {
        const pending = building?.()
        if (pending !== undefined) {
          void within(pending, waitMs).then((built) => {
            const late = built ? routeFromParams(snapshot(), params, { now: now(), trace: format === 'json' }) : starting(params.exten, waitMs)
            counters.count(late.status, format)
            decided(late, format)
            void reply.send(answer(reply, format, late))
          })
          return
        }
        d = routeFromParams(snapshot(), params, { now: now(), trace: format === 'json' })
      }
      counters.count(d.status, format)
      decided(d, format)
      void reply.send(answer(reply, format, d))
    }

    // the schema documents (/docs); the handler parses and checks the input itself
    app.route({ method: ['GET', 'POST'], url: ROUTE_PATH, schema: ROUTE_SCHEMA, validatorCompiler: noValidation, handler })
  }
}
