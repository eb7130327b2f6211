/**
 * Admin tokens: `fedt_<id>_<secret>`. The id (16 hex digits) names the token
 * record (records.ts, TokenFields) so a node finds it with one lookup; the
 * secret (32 random bytes, base64url) is shown once and only its SHA-256 is
 * kept. A plain hash is enough for a secret of 256 random bits (nothing to
 * guess); the comparison is constant-time (server auth.ts).
 */
import { createHash } from 'node:crypto'

export const TOKEN_PREFIX = 'fedt_'
export const TOKEN_SCOPES = ['read', 'admin'] as const
export type TokenScope = typeof TOKEN_SCOPES[number]

const TOKEN_RE = /^fedt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

/** The token string of a record id and its secret. */
export function formatToken (id: string, secret: string): string {
  return `${TOKEN_PREFIX}${id}_${secret}`
}

/** `{ id, secret }` of a well-formed token, else undefined. */
export function parseToken (token: string): { id: string, secret: string } | undefined {
  const m = TOKEN_RE.exec(token)
  return m === null ? undefined : { id: m[1]!, secret: m[2]! }
}

/** The hash kept in the token record: SHA-256 of the secret, hex. */
export function secretHash (secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Whether a scope allows a request method: read tokens only read. */
export function scopeAllows (scope: TokenScope, method: string): boolean {
  return scope === 'admin' || method === 'GET' || method === 'HEAD'
}

/** A token's public view (what the API lists): everything but the hash. */
export function tokenJson (id: string, fields: Record<string, unknown>): Record<string, unknown> {
  const { hash: _hash, ...rest } = fields
  return { id, ...rest }
}
