/**
 * Validation of local writes against the record schemas. Every error is a
 * FedError whose `details` lists each problem as `{ path, message }`.
 */
import { Compile } from 'typebox/compile'
import type { TSchema } from 'typebox'
import { FedError } from './errors.js'
import { ID_PATTERN, RECORD_FIELDS, RECORD_SCHEMAS, isRecordType, requiredFields, type RecordType } from './records.js'

type Validator = ReturnType<typeof Compile>
const full = new Map<RecordType, Validator>()
const perField = new Map<string, Validator>()

function fullValidator (type: RecordType): Validator {
  let v = full.get(type)
  if (v === undefined) { v = Compile(RECORD_SCHEMAS[type] as TSchema); full.set(type, v) }
  return v
}

function fieldValidator (type: RecordType, field: string): Validator | undefined {
  const key = type + '.' + field
  let v = perField.get(key)
  if (v === undefined) {
    const props = RECORD_FIELDS[type] as Record<string, TSchema>
    if (!Object.hasOwn(props, field)) return undefined
    v = Compile(props[field] as TSchema)
    perField.set(key, v)
  }
  return v
}

const ID_RE = new RegExp(ID_PATTERN)
/** Generic rows are identified by `<family>/<key values>` (see rowId()). */
const ROW_ID_RE = /^[a-z][a-z0-9_]{0,63}\/[^\u0000]{1,1024}$/

export function assertType (type: unknown): asserts type is RecordType {
  if (!isRecordType(type)) throw new FedError('FED_ERR_UNKNOWN_TYPE', `Unknown record type: ${String(type)}`)
}

export function assertId (type: RecordType, id: unknown): asserts id is string {
  const ok = typeof id === 'string' && (type === 'row' ? ROW_ID_RE.test(id) : ID_RE.test(id))
  if (!ok) {
    throw new FedError('FED_ERR_INVALID_ID', `Invalid ${type} id: ${JSON.stringify(id)}` +
      (type === 'row' ? '' : ' (letters, digits and . _ + -, 1–80 characters, starting with a letter or digit)'))
  }
}

function problems (v: Validator, value: unknown, prefix = ''): Array<{ path: string, message: string }> {
  return [...v.Errors(value)]
    .filter((e) => e.keyword !== 'boolean') // typebox reports additionalProperties twice
    .map((e) => ({ path: prefix + (e.instancePath === '' ? '/' : e.instancePath), message: e.message }))
}

function unknownFields (type: RecordType, fields: Record<string, unknown>): string[] {
  const props = RECORD_FIELDS[type]
  return Object.keys(fields).filter((k) => !Object.hasOwn(props, k))
}

function assertPlainObject (fields: unknown, what: string): asserts fields is Record<string, unknown> {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new FedError('FED_ERR_VALIDATION', `${what} must be a JSON object`)
  }
}

/** Validate a whole record's fields (create or replace). */
export function validateRecord (type: RecordType, fields: unknown): Record<string, unknown> {
  assertPlainObject(fields, 'A record')
  const unknown = unknownFields(type, fields)
  if (unknown.length > 0) {
    throw new FedError('FED_ERR_UNKNOWN_FIELD', `Unknown field${unknown.length > 1 ? 's' : ''} for ${type}: ${unknown.join(', ')}`,
      unknown.map((f) => ({ path: '/' + f, message: 'unknown field' })))
  }
  const v = fullValidator(type)
  if (!v.Check(fields)) {
    const list = problems(v, fields)
    throw new FedError('FED_ERR_VALIDATION', `Invalid ${type}: ` + list.map((p) => `${p.path} ${p.message}`).join('; '), list)
  }
  return fields
}

/** Validate a field-level change: fields to set and fields to unset. */
export function validatePatch (type: RecordType, set: unknown, unset: unknown = []): { set: Record<string, unknown>, unset: string[] } {
  assertPlainObject(set, 'A patch')
  if (!Array.isArray(unset) || unset.some((f) => typeof f !== 'string')) {
    throw new FedError('FED_ERR_VALIDATION', 'unset must be an array of field names')
  }
  const unknown = [...unknownFields(type, set), ...unset.filter((f) => !Object.hasOwn(RECORD_FIELDS[type], f))]
  if (unknown.length > 0) {
    throw new FedError('FED_ERR_UNKNOWN_FIELD', `Unknown field${unknown.length > 1 ? 's' : ''} for ${type}: ${unknown.join(', ')}`,
      unknown.map((f) => ({ path: '/' + f, message: 'unknown field' })))
  }
  const required = new Set(requiredFields(type))
  const list: Array<{ path: string, message: string }> = []
  for (const [k, value] of Object.entries(set)) {
    if (value === null) {
      if (required.has(k)) list.push({ path: '/' + k, message: 'is required and cannot be removed' })
      continue
    }
    list.push(...problems(fieldValidator(type, k)!, value, '/' + k))
  }
  for (const k of unset) if (required.has(k)) list.push({ path: '/' + k, message: 'is required and cannot be removed' })
  if (list.length > 0) {
    throw new FedError('FED_ERR_VALIDATION', `Invalid change to ${type}: ` + list.map((p) => `${p.path} ${p.message}`).join('; '), list)
  }
  // `null` in a JSON merge patch means "remove the field"
  const cleanSet: Record<string, unknown> = {}
  const cleanUnset = [...unset]
  for (const [k, value] of Object.entries(set)) {
    if (value === null) cleanUnset.push(k)
    else cleanSet[k] = value
  }
  return { set: cleanSet, unset: [...new Set(cleanUnset)] }
}
