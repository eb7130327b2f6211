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
 */
import type { FieldState, Hlc, Knowledge, RecordState, Value, WriterTag } from '@federator/core'
import { pack, unpack } from './codec.js'

export interface StoredState { s: RecordState, d: Uint8Array, c?: true }

type FieldForm = [Value, number] | [Value, number, Knowledge | null, Array<[Value, Hlc, WriterTag]> | null]
type Form = [Uint8Array, 0 | 1, Array<Hlc | WriterTag>, FieldForm | null, Record<string, FieldForm>, Knowledge]

export function encodeState (st: StoredState): Buffer {
  const s = st.s
  const versions: Array<Hlc | WriterTag> = []
  const at = (h: Hlc, w: WriterTag): number => {
    for (let i = 0; i < versions.length; i += 2) if (versions[i] === h && versions[i + 1] === w) return i >> 1
    versions.push(h, w)
    return (versions.length >> 1) - 1
  }
  const form = (fs: FieldState): FieldForm => {
    const i = at(fs.v[0], fs.v[1])
    return fs.kw === undefined && fs.lo === undefined ? [fs.val, i] : [fs.val, i, fs.kw ?? null, fs.lo ?? null]
  }
  const fields: Record<string, FieldForm> = {}
  for (const name in s.fields) fields[name] = form(s.fields[name]!)
  const out: Form = [st.d, st.c === true ? 1 : 0, versions, s.life === undefined ? null : form(s.life), fields, s.seen]
  return pack(out)
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
