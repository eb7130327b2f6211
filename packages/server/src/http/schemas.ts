/**
 * JSON schemas of the admin API, generated from the record schemas of
 * @federator/core (RECORD_FIELDS). Request schemas validate (through the
 * TypeBox compiler); response schemas only document (buildApp serialises
 * with JSON.stringify, so fields written by newer nodes are not dropped).
 */
import Type, { type TSchema } from 'typebox'
import { ID_PATTERN, RECORD_FIELDS, type RecordType } from '@federator/core'
import { mergePatchSchema, nullable } from './merge-patch.js'
import type { Limits } from './limits.js'

export const ErrorSchema = Type.Object({
  code: Type.String({ description: 'a FED_ERR_* code (docs/errors.md)' }),
  message: Type.String(),
  details: Type.Optional(Type.Unknown({ description: 'e.g. [{ path, message }] for validation errors' }))
}, { description: 'An error' })

/** `{ 400: ErrorSchema, 404: ErrorSchema, … }` for a route's `response`. */
export function errors (...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries([401, ...statuses].map((s) => [s, ErrorSchema]))
}

export const Id = Type.String({ pattern: ID_PATTERN, description: 'letters, digits and . _ + - (1–80), starting with a letter or digit' })
export const IdParams = Type.Object({ id: Type.String({ description: 'the record id' }) })

function fieldsOf (type: RecordType): Record<string, TSchema> {
  return RECORD_FIELDS[type] as unknown as Record<string, TSchema>
}

/** A whole record as sent by a client: `{ id, ...fields }`; `idRequired` for POST. */
export function recordBody (type: RecordType, idRequired: boolean, fields = fieldsOf(type)): TSchema {
  return Type.Object({ id: idRequired ? Id : Type.Optional(Id), ...fields }, { additionalProperties: false })
}

/** A JSON merge patch of a record: every field optional; `null` removes a field; objects merge. */
export function patchBody (type: RecordType, only?: readonly string[]): TSchema {
  const props: Record<string, TSchema> = { id: Type.Optional(Id) }
  for (const [k, s] of Object.entries(fieldsOf(type))) {
    if (only !== undefined && !only.includes(k)) continue
    props[k] = Type.Optional(nullable(mergePatchSchema(s)))
  }
  return Type.Object(props, { additionalProperties: false })
}

/** A record as answered (documentation only). */
export function recordOut (type: RecordType, fields = fieldsOf(type)): TSchema {
  return Type.Object({ id: Type.String(), ...fields }, { additionalProperties: true })
}

/** `limit` and `cursor` of a paged list. */
function pageParams (limits: Limits): { limit: TSchema, cursor: TSchema } {
  return {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.listMax, description: `page size (1–${limits.listMax}, default ${limits.listLimit})` })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: limits.cursorMax, description: 'nextCursor of the previous page' }))
  }
}

/** The query string of a paged list without filters. */
export function pageQuery (limits: Limits): TSchema {
  return Type.Object(pageParams(limits), { additionalProperties: false })
}

export function listQuery (limits: Limits, filters: string): TSchema {
  return Type.Object({
    ...pageParams(limits)
    // filters are further query parameters (checked by planFilters); `additionalProperties: true` because
    // TypeBox's Value.Convert stops converting `limit` when additionalProperties is a schema
  }, { additionalProperties: true, description: `equality filters: ${filters}` })
}

export function pageOf (item: TSchema): TSchema {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as ?cursor= for the next page; null on the last page' })
  })
}
