/**
 * Who holds a node name. Identity is the writer key; the name is what
 * Asterisk sees (`fed-<name>` endpoints, `trunk.nodes`), so two nodes with one
 * name make routing ambiguous. Every node picks the same holder for each name
 * from the same inputs:
 *
 *   1. a live candidate (alive or suspect; this node is always live) before
 *      one that is not;
 *   2. then the older claim: the version (HLC, writer tag) of the `name` field
 *      of the node's record — the first node to call itself so keeps the name,
 *      a node renamed or started later into a taken name is the second one;
 *      a candidate without a record (heard of, not replicated yet) comes last;
 *   3. then the smaller writer key.
 *
 * The others with that name are refused: left out of routing everywhere,
 * reported (and not ready) by the node itself.
 */
import type { Version } from './merge.js'

export interface NameCandidate {
  /** writer key */
  id: string
  name: string
  live: boolean
  /** version of the `name` field of the node's record (undefined: no record yet) */
  since?: Readonly<Version> | undefined
}

function older (a: NameCandidate, b: NameCandidate): boolean {
  if (a.live !== b.live) return a.live
  const va = a.since
  const vb = b.since
  if (va !== undefined && vb !== undefined) {
    if (va[0] !== vb[0]) return va[0] < vb[0]
    if (va[1] !== vb[1]) return va[1] < vb[1]
  } else if (va !== undefined || vb !== undefined) {
    return va !== undefined
  }
  return a.id < b.id
}

/** name → writer key of its holder, for every name among the candidates. */
export function nameHolders (candidates: Iterable<NameCandidate>): Map<string, string> {
  const best = new Map<string, NameCandidate>()
  for (const c of candidates) {
    const cur = best.get(c.name)
    if (cur === undefined || older(c, cur)) best.set(c.name, c)
  }
  return new Map([...best].map(([name, c]) => [name, c.id]))
}

/** The names held by more than one live candidate: the holder and the refused ones. */
export function nameClashes (candidates: readonly NameCandidate[]): Array<{ name: string, holder: string, refused: string[] }> {
  const holders = nameHolders(candidates)
  const out: Array<{ name: string, holder: string, refused: string[] }> = []
  for (const [name, holder] of holders) {
    const refused = candidates.filter((c) => c.name === name && c.live && c.id !== holder).map((c) => c.id).sort()
    if (refused.length > 0) out.push({ name, holder, refused })
  }
  return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
}
