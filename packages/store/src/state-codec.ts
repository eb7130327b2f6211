/**
 * The stored form of a record's merge state (the value of its `s!` key), made
 * for the apply path: it is encoded once per applied record, so its size is
 * what the encoder and LevelDB pay for.
 *
 * A RecordState repeats the same version [hlc, writer tag] in every field
 * written by one entry (a 5-field put holds 7 copies of it: ~26 bytes each);
 * the stored form lists each distinct version once and has the fields point
 * at it by position. Type and id are not stored (they are the key).
 *
 *   [d, c, versions, life, fields, seen]
 *     d         the record's view digest (32 bytes)
 *     c         1 when the record has a conflicts key, else 0
 *     versions  flat [hlc, tag, hlc, tag, …]
 *     life      field form of the lifecycle pseudo-field, or null
 *     fields    { name: field form }
 *     seen      { tag: hlc }
 *   field form: [val, version index] or [val, version index, kw | null, lo | null]
 *
 * The form is written as msgpack by a small writer made for it (`encodeState`): no intermediate
 * arrays and objects per field, one scratch buffer, one copy out; msgpackr reads it back
 * (`decodeState`). Field values of other than JSON types go through msgpackr inline.
 */
import type { FieldState, Hlc, Knowledge, RecordState, Value, WriterTag } from '@federator/core'
import { pack, unpack } from './codec.js'

export interface StoredState { s: RecordState, d: Uint8Array, c?: true }

type FieldForm = [Value, number] | [Value, number, Knowledge | null, Array<[Value, Hlc, WriterTag]> | null]
type Form = [Uint8Array, 0 | 1, Array<Hlc | WriterTag>, FieldForm | null, Record<string, FieldForm>, Knowledge]

export function encodeState (st: StoredState): Buffer {
  const s = st.s
  versions.length = 0
  if (s.life !== undefined) versionOf(s.life)
  for (const name in s.fields) versionOf(s.fields[name]!)
  pos = 0
  ensure(64)
  buf[pos++] = 0x96 // [d, c, versions, life, fields, seen]
  bin(st.d)
  buf[pos++] = st.c === true ? 1 : 0
  arrayHeader(versions.length)
  for (const x of versions) value(x)
  if (s.life === undefined) { ensure(1); buf[pos++] = 0xc0 } else fieldForm(s.life)
  let n = 0
  for (const _ in s.fields) n++ // eslint-disable-line @typescript-eslint/no-unused-vars
  mapHeader(n)
  for (const name in s.fields) { str(name); fieldForm(s.fields[name]!) }
  value(s.seen)
  const out = Buffer.allocUnsafe(pos)
  buf.copy(out, 0, 0, pos)
  return out
}

// ---- the writer of encodeState (synchronous: one scratch state per process) ----

let buf = Buffer.allocUnsafe(8192)
let pos = 0
/** flat [hlc, tag, hlc, tag, …] of the state being encoded */
const versions: Array<Hlc | WriterTag> = []

function versionOf (fs: FieldState): number {
  const h = fs.v[0]
  const w = fs.v[1]
  for (let i = 0; i < versions.length; i += 2) if (versions[i] === h && versions[i + 1] === w) return i >> 1
  versions.push(h, w)
  return (versions.length >> 1) - 1
}

function fieldForm (fs: FieldState): void {
  const i = versionOf(fs)
  const plain = fs.kw === undefined && fs.lo === undefined
  arrayHeader(plain ? 2 : 4)
  value(fs.val)
  value(i)
  if (plain) return
  value(fs.kw ?? null)
  value(fs.lo ?? null)
}

function ensure (n: number): void {
  if (pos + n <= buf.length) return
  const next = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + n))
  buf.copy(next, 0, 0, pos)
  buf = next
}

function header (n: number, fix: number, fixMax: number, c16: number): void {
  ensure(5)
  if (n < fixMax) buf[pos++] = fix | n
  else if (n < 0x10000) { buf[pos++] = c16; buf.writeUInt16BE(n, pos); pos += 2 } else { buf[pos++] = c16 + 1; buf.writeUInt32BE(n, pos); pos += 4 }
}
const arrayHeader = (n: number): void => header(n, 0x90, 16, 0xdc)
const mapHeader = (n: number): void => header(n, 0x80, 16, 0xde)

function bin (b: Uint8Array): void {
  ensure(5 + b.length)
  if (b.length < 0x100) { buf[pos++] = 0xc4; buf[pos++] = b.length } else { buf[pos++] = 0xc6; buf.writeUInt32BE(b.length, pos); pos += 4 }
  buf.set(b, pos)
  pos += b.length
}

function str (x: string): void {
  const n = x.length
  if (n < 32) {
    // short ASCII (ids, tags, field names, most values): no byte-length pass
    ensure(1 + n)
    let i = 0
    for (; i < n; i++) {
      const c = x.charCodeAt(i)
      if (c >= 0x80) break
      buf[pos + 1 + i] = c
    }
    if (i === n) { buf[pos] = 0xa0 | n; pos += 1 + n; return }
  }
  const bytes = Buffer.byteLength(x)
  ensure(5 + bytes)
  if (bytes < 32) buf[pos++] = 0xa0 | bytes
  else if (bytes < 0x100) { buf[pos++] = 0xd9; buf[pos++] = bytes } else if (bytes < 0x10000) { buf[pos++] = 0xda; buf.writeUInt16BE(bytes, pos); pos += 2 } else { buf[pos++] = 0xdb; buf.writeUInt32BE(bytes, pos); pos += 4 }
  pos += buf.write(x, pos)
}

function num (x: number): void {
  ensure(9)
  if (x >>> 0 === x) { // 0 … 2^32-1 (as msgpackr: -0 is 0)
    if (x < 0x80) buf[pos++] = x
    else if (x < 0x100) { buf[pos++] = 0xcc; buf[pos++] = x } else if (x < 0x10000) { buf[pos++] = 0xcd; buf.writeUInt16BE(x, pos); pos += 2 } else { buf[pos++] = 0xce; buf.writeUInt32BE(x, pos); pos += 4 }
  } else if (x >> 0 === x) { // -2^31 … -1
    if (x >= -32) buf[pos++] = x & 0xff
    else if (x >= -0x80) { buf[pos++] = 0xd0; buf.writeInt8(x, pos); pos += 1 } else if (x >= -0x8000) { buf[pos++] = 0xd1; buf.writeInt16BE(x, pos); pos += 2 } else { buf[pos++] = 0xd2; buf.writeInt32BE(x, pos); pos += 4 }
  } else { // any other number, exactly (HLCs are above 2^32)
    buf[pos++] = 0xcb
    buf.writeDoubleBE(x, pos)
    pos += 8
  }
}

function value (x: unknown): void {
  switch (typeof x) {
    case 'string': str(x); return
    case 'number': num(x); return
    case 'boolean': ensure(1); buf[pos++] = x ? 0xc3 : 0xc2; return
    case 'object': {
      if (x === null) { ensure(1); buf[pos++] = 0xc0; return }
      if (Array.isArray(x)) { arrayHeader(x.length); for (const v of x) value(v); return }
      const proto = Object.getPrototypeOf(x) as unknown
      if (proto === Object.prototype || proto === null) {
        const keys = Object.keys(x)
        mapHeader(keys.length)
        for (const k of keys) { str(k); value((x as Record<string, unknown>)[k]) }
        return
      }
    }
  }
  // not a JSON value (not expected in a record): as msgpackr writes it
  const b = pack(x)
  ensure(b.length)
  b.copy(buf, pos)
  pos += b.length
}

export function decodeState (type: string, id: string, bytes: Uint8Array): StoredState {
  const [d, c, versions, life, fields, seen] = unpack<Form>(bytes)
  const field = (f: FieldForm): FieldState => {
    const fs: FieldState = { val: f[0], v: [versions[2 * f[1]] as Hlc, versions[2 * f[1] + 1] as WriterTag] }
    if (f.length > 2) {
      if (f[2] !== null && f[2] !== undefined) fs.kw = f[2]
      if (f[3] !== null && f[3] !== undefined) fs.lo = f[3]
    }
    return fs
  }
  const s: RecordState = { type, id, fields: {}, seen }
  if (life !== null) s.life = field(life)
  for (const name in fields) s.fields[name] = field(fields[name]!)
  const out: StoredState = { s, d }
  if (c === 1) out.c = true
  return out
}
