/**
 * `POST <family>/update?<query>` with a body: update and update2.
 *
 * update (ast_update_realtime): query `key=value`, body the new values.
 *
 * update2 (ast_update2_realtime) has no endpoint of its own. Since Asterisk 12
 * res_config_curl inverts its separators (docs/asterisk-protocol.md
 * §4.5): the query is `&k1=v1k2=v2…` and the body `&c1=n1c2=n2…`. It is
 * recognised by the leading `&` of the query. Asterisk ≤ 11 sent a correct
 * `k1=v1&k2=v2` query, recognised by its several pairs.
 *
 * Splitting run-together pairs (update2-split.ts): names and values are
 * percent-encoded, so a raw `=` only ever separates a name from its value;
 * the names between are found among the family's columns, in time linear in
 * the request. A split that is not unique is flagged `ambiguous` (the plugin
 * refuses ambiguous writes); none is refused. Lookup names with an operator
 * can only be split when they come first (no stock module sends any).
 * app_voicemail's password change, `update?&context=<ctx>mailbox=<box>` with
 * body `&password=<pw>`, always splits uniquely.
 *
 * A value with an unbalanced `(` in the query makes CURL() miss its argument
 * separator, so Asterisk sends a GET to `update?name=a(b,port=1` without a
 * body (docs/asterisk-protocol.md §1). A raw `,` cannot occur in an encoded query,
 * so with an empty body the text after the first `,` is taken as the body.
 */
import { decodeComponent } from './percent.js'
import {
  ENCODED_LIMIT, ENCODED_LIMIT_SHORT, mayBeCut, parsePairs, requestError, toCriterion,
  type Assignment, type Criterion, type RawPair
} from './request.js'
import { splitRunTogether, type SplitColumns } from './update2-split.js'

export interface UpdateRequest {
  op: 'update'
  /** which rows: the query string */
  where: Criterion[]
  /** the new values: the body */
  set: Assignment[]
  /** sent by ast_update2_realtime (several lookup fields) */
  update2: boolean
  /** run-together update2 pairs that could be split in more than one way (`where`/`set` hold the likeliest) */
  ambiguous: boolean
}

/** The columns of the family, for splitting run-together update2 pairs. */
export type UpdateColumns = SplitColumns

function decodePairs (pairs: Array<[string, string]>, limit: number): RawPair[] {
  const out: RawPair[] = []
  for (const [n, v] of pairs) {
    const name = decodeComponent(n, mayBeCut(n.length, limit))
    if (name.length === 0) continue
    const truncated = mayBeCut(v.length, limit)
    out.push({ name, value: decodeComponent(v, truncated), truncated })
  }
  return out
}

function toAssignments (pairs: RawPair[]): Assignment[] {
  return pairs.map((p) => {
    if (/\s/.test(p.name)) throw requestError('bad_column', `Invalid column name ${JSON.stringify(p.name)}`)
    return { column: p.name, value: p.value, truncated: p.truncated }
  })
}

/**
 * Parse an update. `query` is the raw query string after `?` (not decoded by
 * an HTTP framework: `+` must stay a plus); `body` the raw body; `table` the
 * family's columns (needed only for run-together update2 pairs);
 * `opts.update2StepsPerByte` overrides UPDATE2_STEPS_PER_BYTE.
 */
export function parseUpdate (query: string, body: string, table?: UpdateColumns, opts: { update2StepsPerByte?: number } = {}): UpdateRequest {
  if (body.length === 0) {
    const comma = query.indexOf(',')
    if (comma !== -1) { body = query.slice(comma + 1); query = query.slice(0, comma) }
  }
  if (query.startsWith('&')) {
    const where = splitRunTogether(query.replace(/^&+/, ''), table, opts.update2StepsPerByte)
    const set = splitRunTogether(body.replace(/^&+/, ''), table, opts.update2StepsPerByte)
    const update: UpdateRequest = {
      op: 'update',
      where: decodePairs(where.pairs, ENCODED_LIMIT_SHORT).map(toCriterion),
      set: toAssignments(decodePairs(set.pairs, ENCODED_LIMIT_SHORT)),
      update2: true,
      ambiguous: where.ambiguous || set.ambiguous
    }
    return checked(update)
  }
  const wherePairs = parsePairs(query, ENCODED_LIMIT)
  const update2 = wherePairs.length > 1
  const limit = update2 ? ENCODED_LIMIT_SHORT : ENCODED_LIMIT
  return checked({
    op: 'update',
    where: (update2 ? parsePairs(query, limit) : wherePairs).map(toCriterion),
    set: toAssignments(parsePairs(body, limit)),
    update2,
    ambiguous: false
  })
}

function checked (u: UpdateRequest): UpdateRequest {
  if (u.where.length === 0) throw requestError('bad_update', 'An update without a key in its query string')
  if (u.set.length === 0) throw requestError('no_values', 'An update without new values')
  return u
}
