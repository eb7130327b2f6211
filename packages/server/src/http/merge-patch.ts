/**
 * JSON merge patch (RFC 7386) and the JSON schema of a merge patch of a value.
 * The store merges top-level fields; a PATCH whose field value is an object is
 * merged into the current object here (so `{ "pjsip": { "direct_media": null } }`
 * removes one override and keeps the others), then written as the new value of
 * that top-level field.
 */
import type { TSchema } from 'typebox'

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json }

export function isPlainObject (x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x)
}

/** RFC 7386 §2 MergePatch(target, patch). */
export function applyMergePatch (target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = applyMergePatch(out[k], v)
  }
  return out
}

const NULL = { type: 'null' }

/**
 * The schema of a merge patch for a value of `schema`: objects keep their
 * property names (so unknown names are still refused) but every property
 * becomes optional and nullable, recursively; other values are unchanged.
 * The result is checked again, after merging, against the real schema.
 */
export function mergePatchSchema (schema: TSchema): TSchema {
  const s = schema as Record<string, unknown>
  if (s.type !== 'object') return schema
  const out: Record<string, unknown> = { ...s }
  delete out.required
  if (isPlainObject(s.properties)) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, nullable(mergePatchSchema(v as TSchema))]))
  }
  if (isPlainObject(s.patternProperties)) {
    out.patternProperties = Object.fromEntries(Object.entries(s.patternProperties).map(([k, v]) => [k, nullable(v as TSchema)]))
  }
  return out as TSchema
}

export function nullable (schema: TSchema): TSchema {
  return { anyOf: [schema, NULL] } as unknown as TSchema
}
