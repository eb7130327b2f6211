/**
 * The merge: a record's state is a pure function of the *set* of entries
 * applied to it — any order, any duplication, same state.
 *
 * Values. Every field (and the lifecycle pseudo-field `$`: true after a put,
 * false after a delete) holds its write with the greatest version, a version
 * being (HLC, writer tag) compared lexicographically: last-writer-wins per
 * field with a stable tie-break. The record is alive when the newest lifecycle
 * op is a put; a field is visible when the record is alive and its newest write
 * is not older than that put (a put replaces the record, a delete clears it and
 * a patch never brings a deleted record back).
 *
 * Conflicts. Each entry carries its writer's causal context for the record, so
 * "entry e knew write w" is exact: same writer and earlier, or
 * ctx[w.writer] >= w.hlc. A write that is not visible is a *lost concurrent
 * write* when no entry that overrode it knew it: no other write to the same
 * field and no put/delete knew it. Because knowing implies a greater HLC, this
 * equals "not known by K_f", K_f being the pointwise maximum of the knowledge
 * of all writes to f and all lifecycle ops — a join that only grows, which is
 * what makes the incremental state order-independent. Each field keeps the
 * candidates not yet known (`lo`); they leave when a knowing entry arrives.
 * A loser whose value equals the visible value is not reported.
 */
import { canonical, deepEqual } from './canonical.js'
import type { Context, Entry, Fields, Value } from './entry.js'
import type { Hlc } from './hlc.js'
import type { WriterTag } from './ids.js'

/** [hlc, writer tag]: ordered by hlc, then tag. */
export type Version = [Hlc, WriterTag]
/** Knowledge vector: writer tag → newest timestamp known. */
export type Knowledge = Record<string, Hlc>

export interface FieldState {
  /** Value of the newest write; null when that write removed the field. */
  val: Value
  v: Version
  /** Knowledge of the writes to this field, omitted while it adds nothing to the lifecycle knowledge. */
  kw?: Knowledge
  /** Older writes not (yet) known by any entry that overrode them: [value, hlc, writer]. */
  lo?: Array<[Value, Hlc, WriterTag]>
}

export interface RecordState {
  type: string
  id: string
  /** The lifecycle pseudo-field: true = put, false = delete. Its kw is always present. */
  life?: FieldState
  fields: Record<string, FieldState>
  /** Newest timestamp of each writer's entries applied here: the context for a new local entry. */
  seen: Knowledge
}

export function compareVersion (a: Version, b: Version): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0
}

function knows (k: Knowledge | undefined, hlc: Hlc, writer: WriterTag): boolean {
  const known = k?.[writer]
  return known !== undefined && known >= hlc
}

/** What an entry knew: its context plus its own writer's earlier entries. */
export function knowledgeOf (e: Pick<Entry, 'ctx' | 'hlc' | 'writer'>): Knowledge {
  const k: Knowledge = { ...(e.ctx ?? {}) }
  const own = (e.hlc - 1) as Hlc
  if ((k[e.writer] ?? -1) < own) k[e.writer] = own
  return k
}

function join (a: Knowledge | undefined, b: Knowledge): Knowledge {
  const out: Knowledge = { ...(a ?? {}) }
  for (const [w, h] of Object.entries(b)) if ((out[w] ?? -1) < h) out[w] = h
  return out
}

function dominated (a: Knowledge, by: Knowledge | undefined): boolean {
  for (const [w, h] of Object.entries(a)) if ((by?.[w] ?? -1) < h) return false
  return true
}

function prune (fs: FieldState, k: Knowledge | undefined): void {
  if (fs.lo === undefined) return
  const lo = fs.lo.filter(([, h, w]) => !knows(k, h, w))
  if (lo.length === 0) delete fs.lo
  else fs.lo = lo
}

function fieldKnowledge (state: RecordState, fs: FieldState): Knowledge | undefined {
  const kl = state.life?.kw
  if (fs === state.life) return kl
  return fs.kw === undefined ? kl : join(kl, fs.kw)
}

function write (state: RecordState, fs: FieldState | undefined, val: Value, v: Version, k: Knowledge, isLife: boolean): FieldState {
  const kl = state.life?.kw
  if (fs === undefined) {
    const created: FieldState = { val, v }
    if (isLife || !dominated(k, kl)) created.kw = k
    return created
  }
  const c = compareVersion(v, fs.v)
  if (c === 0) return fs // the same entry again
  const kw = join(fs.kw, k)
  if (isLife || !dominated(kw, kl)) fs.kw = kw
  else delete fs.kw
  if (c > 0) {
    ;(fs.lo ??= []).push([fs.val, fs.v[0], fs.v[1]])
    fs.val = val
    fs.v = v
  } else if (!(fs.lo ?? []).some(([, h, w]) => h === v[0] && w === v[1])) {
    ;(fs.lo ??= []).push([val, v[0], v[1]])
  }
  fs.lo?.sort((a, b) => compareVersion([a[1], a[2]], [b[1], b[2]]))
  return fs
}

export function emptyState (type: string, id: string): RecordState {
  return { type, id, fields: {}, seen: {} }
}

/** Apply one entry to a record state (mutates and returns `state`). */
export function applyEntry (state: RecordState | undefined, e: Entry): RecordState {
  const s = state ?? emptyState(e.type, e.id)
  if ((s.seen[e.writer] ?? -1) < e.hlc) s.seen[e.writer] = e.hlc
  const v: Version = [e.hlc, e.writer]
  const k = knowledgeOf(e)
  if (e.op === 'put' || e.op === 'del') {
    s.life = write(s, s.life, e.op === 'put', v, k, true)
    prune(s.life, s.life.kw)
    // lifecycle knowledge grew: it may now cover losers of any field
    for (const [name, fs] of Object.entries(s.fields)) {
      if (fs.kw !== undefined && dominated(fs.kw, s.life.kw)) delete fs.kw
      prune(fs, fieldKnowledge(s, fs))
      s.fields[name] = fs
    }
  }
  if (e.op === 'put' || e.op === 'patch') {
    for (const [name, val] of Object.entries(e.set ?? {})) {
      const fs = write(s, s.fields[name], val, v, k, false)
      prune(fs, fieldKnowledge(s, fs))
      s.fields[name] = fs
    }
    for (const name of e.unset ?? []) {
      const fs = write(s, s.fields[name], null, v, k, false)
      prune(fs, fieldKnowledge(s, fs))
      s.fields[name] = fs
    }
  }
  return s
}

export function isAlive (s: RecordState | undefined): boolean {
  return s?.life?.val === true
}

function visible (s: RecordState, fs: FieldState): boolean {
  return s.life !== undefined && s.life.val === true && fs.val !== null && compareVersion(fs.v, s.life.v) >= 0
}

/** The visible fields of a live record, or undefined when it is not alive. */
export function visibleFields (s: RecordState | undefined): Fields | undefined {
  if (s === undefined || !isAlive(s)) return undefined
  const out: Fields = {}
  for (const name of Object.keys(s.fields).sort()) {
    const fs = s.fields[name]!
    if (visible(s, fs)) out[name] = fs.val
  }
  return out
}

export interface Loser { value: Value, hlc: Hlc, writer: WriterTag }
export interface Conflict {
  /** A field name, or `$` for the record's existence (put against delete). */
  field: string
  /** The value that won (`null`: the field is absent, or for `$` the record is deleted). */
  value: Value
  hlc: Hlc
  writer: WriterTag
  losers: Loser[]
}

/** The lost concurrent writes of a record, field by field (sorted). */
export function conflictsOf (s: RecordState | undefined): Conflict[] {
  if (s === undefined) return []
  const out: Conflict[] = []
  const consider = (field: string, fs: FieldState, isLife: boolean): void => {
    // fast path: no candidate losers, and the newest write is shown (or is nothing to show)
    if (fs.lo === undefined && (isLife || s.life === undefined || fs.val === null || visible(s, fs))) return
    const shown = isLife ? fs.val : visible(s, fs) ? fs.val : null
    const winner: Version = isLife || visible(s, fs) || s.life === undefined ? fs.v : s.life.v
    const losers: Loser[] = []
    for (const [value, hlc, writer] of fs.lo ?? []) {
      if (!deepEqual(value, shown)) losers.push({ value, hlc, writer })
    }
    // the newest write itself can be hidden by a lifecycle op that did not know it
    if (!isLife && s.life !== undefined && !visible(s, fs) && fs.val !== null &&
      !knows(fieldKnowledge(s, fs), fs.v[0], fs.v[1])) {
      losers.push({ value: fs.val, hlc: fs.v[0], writer: fs.v[1] })
    }
    if (losers.length > 0) {
      losers.sort((a, b) => compareVersion([a.hlc, a.writer], [b.hlc, b.writer]))
      out.push({ field, value: shown, hlc: winner[0], writer: winner[1], losers })
    }
  }
  if (s.life !== undefined) consider('$', s.life, true)
  for (const name of Object.keys(s.fields).sort()) consider(name, s.fields[name]!, false)
  return out
}

/** The context for a new local entry on this record: every other writer's newest timestamp seen. */
export function contextFor (s: RecordState | undefined, self: WriterTag): Context | undefined {
  if (s === undefined) return undefined
  const ctx: Context = {}
  let any = false
  for (const [w, h] of Object.entries(s.seen)) {
    if (w !== self) { ctx[w] = h; any = true }
  }
  return any ? ctx : undefined
}

export interface RecordView { type: string, id: string, alive: boolean, fields: Fields, conflicts: Conflict[] }

/** Everything a node shows of a record: the input of the view hash. */
export function viewOf (s: RecordState): RecordView {
  return { type: s.type, id: s.id, alive: isAlive(s), fields: visibleFields(s) ?? {}, conflicts: conflictsOf(s) }
}

export function canonicalView (s: RecordState): string {
  return canonical(viewOf(s))
}
