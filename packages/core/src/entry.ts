/**
 * Log entries and the block format.
 *
 * An entry is one operation on one record: `put` (create or re-create: the
 * record now holds exactly these fields), `patch` (set and unset some fields
 * of an existing record) or `del` (tombstone). It carries its hybrid logical
 * clock timestamp and `ctx`, the writer's causal context for this record: for
 * each *other* writer, the newest timestamp of that writer's entries on this
 * record that the writer had applied when it wrote. The writer itself is not in
 * the entry: it is the log the entry is read from.
 *
 * A log block holds several entries (per-block cost dominates replication):
 * msgpack `{ v: 1, e: [entry…] }`, each entry `{ o, t, i, h, s?, u?, c? }`.
 * Unknown fields of an entry are kept (`extra`); a block of an unknown version
 * or a malformed entry is reported so the store can quarantine it.
 */
import { Packr } from 'msgpackr'
import { isHlc, type Hlc } from './hlc.js'
import { isWriterTag, type WriterTag } from './ids.js'

export const BLOCK_VERSION = 1
export type Op = 'put' | 'patch' | 'del'
export type Value = string | number | boolean | null | Value[] | { [k: string]: Value }
export type Fields = Record<string, Value>
export type Context = Record<string, Hlc>

export interface Entry {
  op: Op
  type: string
  id: string
  hlc: Hlc
  writer: WriterTag
  set?: Fields
  unset?: string[]
  ctx?: Context
  /** Fields of the encoded entry that this version does not know; kept as read. */
  extra?: Record<string, unknown>
}

/** An entry before it is placed in a log (the writer is the log). */
export type NewEntry = Omit<Entry, 'writer'>

const OP_CODE: Record<Op, string> = { put: 'p', patch: 'u', del: 'd' }
const CODE_OP: Record<string, Op> = { p: 'put', u: 'patch', d: 'del' }
const KNOWN_KEYS = new Set(['o', 't', 'i', 'h', 's', 'u', 'c'])

export const MAX_FIELD_NAME = 64
export const MAX_TYPE = 64
export const MAX_ID = 1100

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true })

export function encodeEntry (e: NewEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(e.extra ?? {}), o: OP_CODE[e.op], t: e.type, i: e.id, h: e.hlc }
  if (e.set !== undefined && Object.keys(e.set).length > 0) out.s = e.set
  if (e.unset !== undefined && e.unset.length > 0) out.u = e.unset
  if (e.ctx !== undefined && Object.keys(e.ctx).length > 0) out.c = e.ctx
  return out
}

/** One entry as msgpack bytes (what a block's entry list is made of). */
export function entryBytes (e: NewEntry): Buffer {
  return packr.pack(encodeEntry(e))
}

/**
 * A block from already encoded entries, without packing them again:
 * msgpack `{ v: 1, e: [ …entries ] }` is a 2-map header, the two keys, and an
 * array header followed by the entries' own bytes.
 */
export function blockFromBytes (entries: Buffer[]): Buffer {
  const head = Buffer.from([0x82, 0xa1, 0x76, BLOCK_VERSION, 0xa1, 0x65, 0xdd, 0, 0, 0, 0])
  head.writeUInt32BE(entries.length, 7)
  return Buffer.concat([head, ...entries])
}

export function encodeBlock (entries: NewEntry[]): Buffer {
  return blockFromBytes(entries.map(entryBytes))
}

export interface DecodedBlock {
  entries: Entry[]
  /** Entries that could not be read: their index in the block and why. */
  bad: Array<{ index: number, reason: string }>
}

export class BlockError extends Error {
  constructor (message: string) { super(message); this.name = 'BlockError' }
}

function isPlainObject (x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Uint8Array) &&
    (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)
}

/** True when `x` is plain JSON data (what a field may hold). */
export function isValue (x: unknown, depth = 0): x is Value {
  if (depth > 16) return false
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true
  if (typeof x === 'number') return Number.isFinite(x)
  if (Array.isArray(x)) return x.every((v) => isValue(v, depth + 1))
  if (isPlainObject(x)) return Object.values(x).every((v) => isValue(v, depth + 1))
  return false
}

/**
 * A field name an entry may carry. Not a name every object inherits (`valueOf`, `constructor`,
 * `__proto__`…): merge states and visible fields are plain objects, so such a name would read the
 * inherited member instead of a field. No record type has such a field (local writes take only their
 * schema's fields), so an entry carrying one comes from a broken or hostile writer: it is quarantined.
 */
function isFieldName (x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_FIELD_NAME && x !== '$' && !(x in Object.prototype)
}

/** Read one encoded entry; throws a reason string when it is malformed. */
export function decodeEntry (raw: unknown, writer: WriterTag): Entry {
  if (!isPlainObject(raw)) throw new BlockError('entry is not a map')
  const op = typeof raw.o === 'string' ? CODE_OP[raw.o] : undefined
  if (op === undefined) throw new BlockError(`unknown operation ${JSON.stringify(raw.o)}`)
  if (typeof raw.t !== 'string' || raw.t.length === 0 || raw.t.length > MAX_TYPE) throw new BlockError('bad record type')
  if (typeof raw.i !== 'string' || raw.i.length === 0 || raw.i.length > MAX_ID || raw.i.includes('\u0000')) throw new BlockError('bad record id')
  if (!isHlc(raw.h)) throw new BlockError('bad timestamp')
  const e: Entry = { op, type: raw.t, id: raw.i, hlc: raw.h, writer }
  if (raw.s !== undefined) {
    if (op === 'del') throw new BlockError('a delete carries no fields')
    if (!isPlainObject(raw.s)) throw new BlockError('fields are not a map')
    for (const [k, v] of Object.entries(raw.s)) {
      if (!isFieldName(k)) throw new BlockError(`bad field name ${JSON.stringify(k)}`)
      if (!isValue(v)) throw new BlockError(`field ${k} is not plain data`)
    }
    e.set = raw.s as Fields
  }
  if (raw.u !== undefined) {
    if (op !== 'patch') throw new BlockError('only a patch unsets fields')
    if (!Array.isArray(raw.u) || !raw.u.every(isFieldName)) throw new BlockError('bad unset list')
    e.unset = raw.u as string[]
  }
  if (raw.c !== undefined) {
    if (!isPlainObject(raw.c)) throw new BlockError('context is not a map')
    for (const [k, v] of Object.entries(raw.c)) {
      if (!isWriterTag(k) || !isHlc(v)) throw new BlockError('bad context')
    }
    e.ctx = raw.c as Context
  }
  const extra = Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k))
  if (extra.length > 0) e.extra = Object.fromEntries(extra.map((k) => [k, raw[k]]))
  return e
}

/**
 * Decode a block. Throws BlockError when the block as a whole cannot be read
 * (not msgpack, unknown version); otherwise returns the readable entries and
 * the list of unreadable ones.
 */
export function decodeBlock (buf: Uint8Array, writer: WriterTag): DecodedBlock {
  let raw: unknown
  try {
    raw = packr.unpack(buf)
  } catch (err) {
    throw new BlockError('not msgpack: ' + (err as Error).message)
  }
  if (!isPlainObject(raw)) throw new BlockError('block is not a map')
  if (raw.v !== BLOCK_VERSION) throw new BlockError(`unknown block version ${JSON.stringify(raw.v)}`)
  if (!Array.isArray(raw.e)) throw new BlockError('block has no entry list')
  const out: DecodedBlock = { entries: [], bad: [] }
  raw.e.forEach((r, index) => {
    try {
      out.entries.push(decodeEntry(r, writer))
    } catch (err) {
      out.bad.push({ index, reason: (err as Error).message })
    }
  })
  return out
}
