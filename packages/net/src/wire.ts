/**
 * Message encoding of our protomux channels. The channel's protocol name
 * carries the major version ("federator/logs/1"); each message is a msgpack
 * map `{ v: <minor>, t: <type>, ...fields }`. Readers ignore fields and
 * message types they do not know, so a newer node can add both. Protomux
 * itself sees raw bytes (a decode error inside protomux would tear down the
 * whole connection); we decode in the handler and drop what is malformed.
 */
import { Packr } from 'msgpackr'
import c from 'compact-encoding'
import type Protomux from 'protomux'

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, int64AsType: 'number' })

export const WIRE_VERSION = 1

export type WireMessage = { v: number, t: string } & Record<string, unknown>

export function encodeMessage (t: string, fields: Record<string, unknown>): Buffer {
  return packr.pack({ ...fields, v: WIRE_VERSION, t })
}

/** The message, or null when the bytes are not a msgpack map with a numeric `v` and a string `t`. */
export function decodeMessage (bytes: Uint8Array): WireMessage | null {
  let m: unknown
  try {
    m = packr.unpack(bytes)
  } catch {
    return null
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m) || m instanceof Uint8Array) return null
  const r = m as Record<string, unknown>
  if (typeof r.v !== 'number' || typeof r.t !== 'string') return null
  return r as WireMessage
}

export function pack (value: unknown): Buffer {
  return packr.pack(value)
}

export function unpack (bytes: Uint8Array): unknown {
  return packr.unpack(bytes)
}

/** Raw bytes for protomux (never throws on decode). */
export const RAW: Protomux.Encoding<Uint8Array> = c.raw as unknown as Protomux.Encoding<Uint8Array>

export function isBytes (x: unknown, length?: number): x is Uint8Array {
  return x instanceof Uint8Array && (length === undefined || x.length === length)
}
