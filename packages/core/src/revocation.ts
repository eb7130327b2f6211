/**
 * The one reader of a `node` record's `revoked` field. Every part of a node
 * that asks "is this writer revoked, and from which log position?" (the
 * view's cut, the membership's firewall list, routing, status) reads it here,
 * schema-checked against NodeFields.revoked, whether the record was written
 * here or arrived in a peer's log entries (which are not validated on apply).
 * A value that does not match the schema is no revocation: every reader
 * treats it the same way, so every node draws the same cut.
 */
import { Compile } from 'typebox/compile'
import type { TSchema } from 'typebox'
import { NodeFields } from './records.js'

export interface Revocation {
  /** entries of the writer at log positions >= length are ignored */
  length: number
  at: string
  reason?: string
}

let check: ReturnType<typeof Compile> | undefined

/** The revocation of a `node` record's fields, or undefined (not revoked, or a malformed value). */
export function revocationOf (fields: Readonly<Record<string, unknown>> | undefined): Revocation | undefined {
  const r = fields?.revoked
  if (r === undefined || r === null || typeof r !== 'object') return undefined
  check ??= Compile(NodeFields.revoked as unknown as TSchema)
  if (!check.Check(r)) return undefined
  return r as Revocation
}

/** The log position from which a writer's entries are ignored, or undefined when it is not revoked. */
export function revokedLength (fields: Readonly<Record<string, unknown>> | undefined): number | undefined {
  return revocationOf(fields)?.length
}
