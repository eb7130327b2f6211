/**
 * LevelDB key layout of the view (one flat keyspace, `\0`-separated parts):
 *   s!<type>\0<id>                 merge state of a record + its view digest (msgpack)
 *   r!<type>\0<id>                 visible fields of a live record (msgpack)
 *   c!<type>\0<id>                 conflicts of a record that has any (msgpack)
 *   x!<index>\0<value>\0<id>       secondary index entry (empty value)
 *   w!<writer key>                 per-writer checkpoint { applied, quarantined, ignored } (msgpack)
 *   q!<writer key>\0<seq>          a quarantined block or entry: why (msgpack)
 *   m!<name>                       metadata: format, hash, hlc, count!<type>
 */
export const SEP = '\u0000'
export const VIEW_FORMAT = 1

export const stateKey = (type: string, id: string): string => 's!' + type + SEP + id
export const recordKey = (type: string, id: string): string => 'r!' + type + SEP + id
export const conflictKey = (type: string, id: string): string => 'c!' + type + SEP + id
export const indexKey = (index: string, value: string, id: string): string => 'x!' + index + SEP + value + SEP + id
export const writerKeyOf = (key: string): string => 'w!' + key
export const quarantineKey = (key: string, seq: number): string => 'q!' + key + SEP + String(seq).padStart(12, '0')
export const metaKey = (name: string): string => 'm!' + name
export const countKey = (type: string): string => 'm!count!' + type

/** [gt, lt] bounds of every key with this prefix. */
export function range (prefix: string): { gte: string, lt: string } {
  return { gte: prefix, lt: prefix + '\uffff' }
}

export function splitLast (key: string, prefixLength: number): string {
  return key.slice(prefixLength)
}
