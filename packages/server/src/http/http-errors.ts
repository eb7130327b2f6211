/**
 * Errors in one place. `STATUS` maps every FED_ERR_* code to its HTTP status;
 * `toHttpError()` turns anything thrown in a route (a FedError, one of
 * Fastify's own errors, or an unexpected failure) into the JSON answer
 * `{ code, message, details? }`; `errorHandler` and `notFoundHandler` are what
 * buildApp() installs at the root, so plugins added later answer errors the
 * same way unless they install their own handler (the realtime protocol does).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS, FedError, isFedError, type ErrorCode } from '@federator/core'

/** HTTP status of each code. A code missing here answers 500 (a test checks that none is missing). */
export const STATUS: Partial<Record<ErrorCode, number>> = {
  FED_ERR_INVALID_JSON: 400,
  FED_ERR_VALIDATION: 400,
  FED_ERR_UNKNOWN_FIELD: 400,
  FED_ERR_UNKNOWN_TYPE: 404,
  FED_ERR_INVALID_ID: 400,
  FED_ERR_ID_MISMATCH: 400,
  FED_ERR_NOT_FOUND: 404,
  FED_ERR_EXISTS: 409,
  FED_ERR_BAD_CURSOR: 400,
  FED_ERR_BAD_QUERY: 400,
  FED_ERR_BODY_TOO_LARGE: 413,
  FED_ERR_UNSUPPORTED_MEDIA: 415,
  FED_ERR_UNAUTHORIZED: 401,
  FED_ERR_FORBIDDEN: 403,
  FED_ERR_ROUTE_NOT_FOUND: 404,
  FED_ERR_CLOSED: 503,
  FED_ERR_NOT_READY: 503,
  FED_ERR_CONFIG: 500,
  FED_ERR_JOIN_STRING: 400,
  FED_ERR_CLUSTER_MISMATCH: 409,
  FED_ERR_CLUSTER_MISSING: 409,
  FED_ERR_PEER_ADDRESS: 400,
  FED_ERR_IMPORT_LINE: 400,
  FED_ERR_REALTIME_REQUEST: 400,
  FED_ERR_BAD_REQUEST: 400,
  FED_ERR_UNKNOWN_TABLE: 404,
  FED_ERR_TABLE_NOT_EMPTY: 409,
  FED_ERR_READ_ONLY_FIELD: 400,
  FED_ERR_REVOKED: 403,
  FED_ERR_DATA_LOCKED: 409,
  FED_ERR_NAME_TAKEN: 409,
  FED_ERR_NODE_UNREACHABLE: 503,
  FED_ERR_ARI: 502,
  FED_ERR_AMI: 502,
  FED_ERR_INTERNAL: 500
}

export function statusOf (code: ErrorCode): number {
  return STATUS[code] ?? 500
}

export interface ErrorBody {
  code: ErrorCode
  message: string
  details?: unknown
}

export interface HttpError {
  status: number
  body: ErrorBody
  /** extra response headers (WWW-Authenticate) */
  headers?: Record<string, string>
}

interface Problem { path: string, message: string }

/** One schema-validation problem as Fastify hands it over (TypeBox or Ajv shape). */
interface ValidationItem {
  keyword?: string
  instancePath?: string
  params?: Record<string, unknown>
  message?: string
}

function fastifyValidation (err: FastifyError & { validationContext?: string }): FedError {
  const items = (err.validation ?? []) as ValidationItem[]
  const where = err.validationContext ?? 'body'
  const unknown: Problem[] = []
  const problems: Problem[] = []
  const seen = new Set<string>()
  for (const v of items) {
    if (v.keyword === 'boolean') continue // TypeBox reports an additional property twice
    const path = v.instancePath === undefined || v.instancePath === '' ? '/' : v.instancePath
    if (v.keyword === 'additionalProperties') {
      const extra = v.params?.additionalProperties
      for (const name of Array.isArray(extra) ? extra : [extra]) {
        const p = { path: (path === '/' ? '' : path) + '/' + String(name), message: 'unknown field' }
        if (path === '/') unknown.push(p); else problems.push(p)
      }
      continue
    }
    const message = v.message ?? 'is invalid'
    const key = path + '\0' + message
    if (!seen.has(key)) { seen.add(key); problems.push({ path, message }) }
  }
  if (where === 'querystring') {
    const list = [...unknown, ...problems]
    return new FedError('FED_ERR_BAD_QUERY', 'Invalid query: ' + list.map((p) => `${p.path.slice(1)} ${p.message}`).join('; '), list)
  }
  if (where === 'params') {
    return new FedError('FED_ERR_INVALID_ID', 'Invalid URL parameter: ' + problems.map((p) => `${p.path.slice(1)} ${p.message}`).join('; '), problems)
  }
  if (unknown.length > 0) {
    return new FedError('FED_ERR_UNKNOWN_FIELD', `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.map((p) => p.path.slice(1)).join(', ')}`, unknown)
  }
  return new FedError('FED_ERR_VALIDATION', 'Invalid request body: ' + problems.map((p) => `${p.path} ${p.message}`).join('; '), problems)
}

/** Fastify's own error codes → ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'FED_ERR_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'FED_ERR_INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'FED_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'FED_ERR_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'FED_ERR_BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'FED_ERR_ROUTE_NOT_FOUND',
  FST_ERR_BAD_URL: 'FED_ERR_BAD_REQUEST'
}

/** Map anything thrown into the answer; `internal` is true when it was unexpected (log it). */
export function toHttpError (err: unknown): HttpError & { internal: boolean } {
  let fed: FedError | undefined
  if (isFedError(err)) {
    fed = err
  } else if (err instanceof Error) {
    const fe = err as FastifyError
    if (Array.isArray(fe.validation)) {
      fed = fastifyValidation(fe)
    } else if (typeof fe.code === 'string' && FASTIFY_CODES[fe.code] !== undefined) {
      const code = FASTIFY_CODES[fe.code]!
      fed = new FedError(code, code === 'FED_ERR_INVALID_JSON' ? `${ERRORS[code]}: ${fe.message}` : fe.message)
    } else if (err instanceof SyntaxError && fe.statusCode === 400) {
      fed = new FedError('FED_ERR_INVALID_JSON', `${ERRORS.FED_ERR_INVALID_JSON}: ${err.message}`)
    } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      // another client error raised by Fastify or a plugin: keep its status
      return { status: fe.statusCode, body: { code: 'FED_ERR_BAD_REQUEST', message: fe.message }, internal: false }
    }
  }
  if (fed === undefined) {
    return { status: 500, body: { code: 'FED_ERR_INTERNAL', message: ERRORS.FED_ERR_INTERNAL }, internal: true }
  }
  const body: ErrorBody = { code: fed.code, message: fed.message }
  if (fed.details !== undefined) body.details = fed.details
  const out: HttpError & { internal: boolean } = { status: statusOf(fed.code), body, internal: fed.code === 'FED_ERR_INTERNAL' }
  if (fed.code === 'FED_ERR_UNAUTHORIZED') out.headers = { 'www-authenticate': 'Bearer realm="federator"' }
  return out
}

export function sendError (reply: FastifyReply, err: unknown): FastifyReply {
  const h = toHttpError(err)
  if (h.internal) reply.log.error({ err }, 'unexpected error')
  else if (h.status >= 500) reply.log.warn({ code: h.body.code, msg: h.body.message }, 'request failed')
  else reply.log.debug({ code: h.body.code }, 'request refused')
  if (h.headers !== undefined) void reply.headers(h.headers)
  return reply.code(h.status).type('application/json; charset=utf-8').send(h.body)
}

/** The root error handler (`app.setErrorHandler(errorHandler)`). */
export function errorHandler (err: unknown, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, err)
}

export function notFoundHandler (req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = req.url.split('?')[0] ?? req.url
  return sendError(reply, new FedError('FED_ERR_ROUTE_NOT_FOUND', `No route ${req.method} ${path}`))
}
