import { Packr } from 'msgpackr'

/** msgpack for view values: plain maps as objects, no shared structures (values must decode standalone). */
export const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true })
export const pack = (x: unknown): Buffer => packr.pack(x)
export const unpack = <T>(b: Uint8Array): T => packr.unpack(b) as T
