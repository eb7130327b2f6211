/**
 * LevelDB key layout of the view (one flat keyspace, `\0`-separated parts):
 *   s!<type>\0<id>                 merge state of a record + its view digest (state-codec.ts)
 *   r!<type>\0<id>                 visible fields of a live record (msgpack)
 *   c!<type>\0<id>                 conflicts of a record that has any (msgpack)
 *   x!<index>\0<value>\0<id>       secondary index entry (empty value)
 *   w!<writer key>                 per-writer checkpoint { applied, quarantined, ignored } (msgpack)
 *   q!<writer key>\0<seq>          a quarantined block or entry: why (msgpack)
 *   m!<name>                       metadata: format, hash, hlc, count!<type>
 */
export const SEP = '\u0000'
/** 2: merge states in the compact form of state-codec.ts (a view of format 1 is rebuilt from the logs) */
export const VIEW_FORMAT = 2

export const stateKey = (type: string, id: string): string => 's!' + type + SEP + id
export const recordKey = (type: string, id: string): string => 'r!' + type + SEP + id
export const conflictKey = (type: string, id: string): string => 'c!' + type + SEP + id
export const indexKey = (index: string, value: string, id: string): string => 'x!' + index + SEP + value + SEP + id
export const writerKeyOf = (key: string): string => 'w!' + key
export const quarantineKey = (key: string, seq: number): string => 'q!' + key + SEP + String(seq).padStart(SEQ_DIGITS, '0')
export const metaKey = (name: string): string => 'm!' + name
export const countKey = (type: string): string => 'm!count!' + type

/** [gt, lt] bounds of every key with this prefix. */
export function range (prefix: string): { gte: string, lt: string } {
  return { gte: prefix, lt: prefix + '\uffff' }
}

// ---- prefixes of whole families, and the parts read back from a key ----

const COUNT_PREFIX = 'm!count!'
const WRITER_PREFIX = 'w!'
const CONFLICT_PREFIX = 'c!'
const SEQ_DIGITS = 12

/** every live-record count key */
export const countRange = (): { gte: string, lt: string } => range(COUNT_PREFIX)
/** the record type of a count key */
export const typeOfCountKey = (key: string): string => key.slice(COUNT_PREFIX.length)
/** every writer checkpoint key */
export const writerRange = (): { gte: string, lt: string } => range(WRITER_PREFIX)
/** the writer key of a checkpoint key */
export const writerOfKey = (key: string): string => key.slice(WRITER_PREFIX.length)
/** the state key of a record given as `<type>\0<id>` */
export const stateKeyOf = (typeAndId: string): string => 's!' + typeAndId
/** the records of one type (with ids from `prefix`), and the id of one of their keys */
export const recordRange = (type: string, prefix = ''): { gte: string, lt: string } => range(recordKey(type, prefix))
export const idOfRecordKey = (type: string, key: string): string => key.slice(recordKey(type, '').length)
/** the index entries of one value, and the id of one of them */
export const indexRange = (index: string, value: string): { gte: string, lt: string } => range(indexKey(index, value, ''))
export const idOfIndexKey = (index: string, value: string, key: string): string => key.slice(indexKey(index, value, '').length)
/** every conflict key, the key after which a listing resumes, and the record of one */
export const conflictRange = (): { gte: string, lt: string } => range(CONFLICT_PREFIX)
export const conflictKeyAfter = (typeAndId: string): string => CONFLICT_PREFIX + typeAndId
export function recordOfConflictKey (key: string): { type: string, id: string } {
  const [type, id] = key.slice(CONFLICT_PREFIX.length).split(SEP) as [string, string]
  return { type, id }
}
/** every quarantine key of one writer */
export const quarantineRange = (key: string): { gte: string, lt: string } => range(quarantineKey(key, 0).slice(0, -SEQ_DIGITS))
