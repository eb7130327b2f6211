/**
 * Bearer-token authentication for the admin API.
 *
 * Two kinds of tokens are accepted (AdminAuth):
 * - the cluster's tokens, `fedt_<id>_<secret>` (core tokens.ts): replicated
 *   `token` records holding the SHA-256 of the secret, found by id in the view
 *   at each request, so a token created on one node works on every node once
 *   replicated, and a revoked one (its record deleted) is refused as soon as
 *   the deletion is applied here;
 * - an optional local token of this node (FEDERATOR_ADMIN_TOKEN, or an admin
 *   token file of an older version): full scope, this node only.
 *
 * Comparisons are constant-time over SHA-256 digests (lengths never leak).
 * Missing or wrong → 401 FED_ERR_UNAUTHORIZED with `WWW-Authenticate: Bearer`;
 * a `read` token on anything but GET/HEAD → 403 FED_ERR_FORBIDDEN.
 *
 * Other HTTP surfaces (e.g. a web UI) protect their routes with the same hook:
 * `app.adminAuth.hook` (buildApp decorates the root instance), or check a
 * token from elsewhere (a cookie) with `app.adminAuth.verify(token)`.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { FedError, parseToken, scopeAllows, secretHash, type TokenScope } from '@federator/core'
import type { Store } from '../ports.js'

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** Who a request is authenticated as: a cluster token (its id) or this node's local token. */
export interface Principal {
  scope: TokenScope
  /** the token record's id, or 'local' */
  token: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the admin auth hook */
    principal?: Principal
  }
  interface FastifyInstance {
    /** the admin API's authentication (buildApp) */
    adminAuth: AdminAuth
  }
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerOf (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  return m === null ? undefined : m[1]
}

export function bearerMatches (header: string | undefined, expected: Buffer): boolean {
  const token = bearerOf(header)
  if (token === undefined) return false
  return timingSafeEqual(digest(token), expected)
}

export interface AdminAuthOptions {
  /** the store whose `token` records are accepted (omit: only the local token) */
  store?: Store
  /** a token of this node only, full scope (non-empty) */
  localToken?: string
}

export class AdminAuth {
  private readonly store: Store | undefined
  private readonly local: Buffer | undefined

  constructor (opts: AdminAuthOptions) {
    if (opts.localToken !== undefined && opts.localToken.length === 0) throw new FedError('FED_ERR_CONFIG', 'The admin token must not be empty')
    if (opts.store === undefined && opts.localToken === undefined) throw new FedError('FED_ERR_CONFIG', 'The admin API needs a token store or a local admin token')
    this.store = opts.store
    this.local = opts.localToken === undefined ? undefined : digest(opts.localToken)
  }

  /** The principal a token authenticates, or undefined (unknown, revoked or malformed). */
  async verify (token: string): Promise<Principal | undefined> {
    if (this.local !== undefined && timingSafeEqual(digest(token), this.local)) return { scope: 'admin', token: 'local' }
    const parsed = parseToken(token)
    if (parsed === undefined || this.store === undefined) return undefined
    const rec = await this.store.get('token', parsed.id)
    if (rec === undefined || typeof rec.hash !== 'string' || !/^[0-9a-f]{64}$/.test(rec.hash)) return undefined
    if (!timingSafeEqual(Buffer.from(secretHash(parsed.secret), 'hex'), Buffer.from(rec.hash, 'hex'))) return undefined
    return { scope: rec.scope === 'admin' ? 'admin' : 'read', token: parsed.id }
  }

  /** An `onRequest` hook: authenticates the bearer token and checks its scope against the method; sets `req.principal`. */
  readonly hook = async (req: FastifyRequest): Promise<void> => {
    const token = bearerOf(req.headers.authorization)
    if (token === undefined) {
      throw new FedError('FED_ERR_UNAUTHORIZED', req.headers.authorization === undefined
        ? 'Missing bearer token (Authorization: Bearer <token>)'
        : 'Malformed Authorization header (expected: Bearer <token>)')
    }
    const principal = await this.verify(token)
    if (principal === undefined) throw new FedError('FED_ERR_UNAUTHORIZED', 'Wrong bearer token (unknown or revoked)')
    if (!scopeAllows(principal.scope, req.method)) {
      throw new FedError('FED_ERR_FORBIDDEN', `This token is read-only: ${req.method} needs a token with the admin scope`)
    }
    req.principal = principal
  }
}

/** An `onRequest` hook that lets only requests with this one bearer token through (full scope). */
export function requireBearer (token: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (token.length === 0) throw new FedError('FED_ERR_CONFIG', 'The admin token must not be empty')
  const auth = new AdminAuth({ localToken: token })
  return async (req) => { await auth.hook(req) }
}
