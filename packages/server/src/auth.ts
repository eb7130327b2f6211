/**
 * Bearer-token authentication for the admin API. The token is compared in
 * constant time (both sides are hashed first, so lengths never leak either).
 * Missing or wrong → 401 FED_ERR_UNAUTHORIZED with `WWW-Authenticate: Bearer`.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { FedError } from '@federator/core'

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

export function bearerMatches (header: string | undefined, expected: Buffer): boolean {
  if (header === undefined) return false
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  if (m === null) return false
  return timingSafeEqual(digest(m[1]!), expected)
}

/** An `onRequest` hook that lets only requests with this bearer token through. */
export function requireBearer (token: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (token.length === 0) throw new FedError('FED_ERR_CONFIG', 'The admin token must not be empty')
  const expected = digest(token)
  return async (req) => {
    if (!bearerMatches(req.headers.authorization, expected)) {
      throw new FedError('FED_ERR_UNAUTHORIZED', req.headers.authorization === undefined
        ? 'Missing bearer token (Authorization: Bearer <token>)'
        : 'Wrong bearer token')
    }
  }
}
