/**
 * Provider prefixes for least-cost routing: prefix → (provider, cost).
 *
 * A character trie of the prefixes; each node holds the offers (provider,
 * prefix, cost) whose prefix ends there. A number walks the trie along its
 * characters: the offers on that path are its rates, the deepest one of each
 * provider being that provider's longest matching prefix. The walk costs
 * O(length of the number), whatever the number of prefixes, and allocates
 * nothing. A provider listing the same prefix twice keeps the cheaper cost.
 *
 * Every number whose walk ends at the same node has the same rates, so the
 * rates in LCR order (cost, then priority, then id) are memoised per node,
 * tagged with the index's version, which every `put`/`delete` bumps: an LCR
 * lookup is one walk, and a sort once per node and version.
 */
import type { LcrOffer, ProviderRate, ProviderView } from './types.js'

/** LCR order: cost, then priority (lower first), then id. */
export const lcrOrder = (a: LcrOffer, b: LcrOffer): number =>
  a.cost - b.cost || a.provider.priority - b.provider.priority || (a.provider.id < b.provider.id ? -1 : a.provider.id > b.provider.id ? 1 : 0)

const ZERO = 0x30
const EMPTY: readonly LcrOffer[] = Object.freeze([])

class PrefixNode {
  /** children by digit (the common case: one array read per character) */
  digits: Array<PrefixNode | undefined> | undefined = undefined
  /** children by any other character code */
  others: Map<number, PrefixNode> | undefined = undefined
  /** offers whose prefix ends here, in insertion order */
  offers: LcrOffer[] | undefined = undefined
  /** sorted offers of the numbers whose walk ends here, valid while `memoVersion` is the index's version */
  memo: readonly LcrOffer[] = EMPTY
  memoVersion = -1

  constructor (readonly parent: PrefixNode | undefined, readonly code: number) {}

  child (c: number): PrefixNode | undefined {
    const d = c - ZERO
    return d >= 0 && d <= 9 ? this.digits?.[d] : this.others?.get(c)
  }

  makeChild (c: number): PrefixNode {
    let n = this.child(c)
    if (n !== undefined) return n
    n = new PrefixNode(this, c)
    const d = c - ZERO
    if (d >= 0 && d <= 9) (this.digits ??= new Array<PrefixNode | undefined>(10).fill(undefined))[d] = n
    else (this.others ??= new Map()).set(c, n)
    return n
  }

  get empty (): boolean {
    return (this.offers === undefined || this.offers.length === 0) && (this.digits === undefined || this.digits.every((x) => x === undefined)) &&
      (this.others === undefined || this.others.size === 0)
  }

  dropChild (c: number): void {
    const d = c - ZERO
    if (d >= 0 && d <= 9) { if (this.digits !== undefined) this.digits[d] = undefined } else this.others?.delete(c)
  }
}

export class PrefixIndex {
  readonly #root = new PrefixNode(undefined, -1)
  /** provider id → the nodes holding its offers */
  readonly #byProvider = new Map<string, PrefixNode[]>()
  #version = 0

  constructor (providers: Iterable<ProviderView> = []) {
    for (const p of providers) this.put(p)
  }

  /** number of distinct (prefix, provider) pairs */
  get size (): number {
    let n = 0
    for (const list of this.#byProvider.values()) n += list.length
    return n
  }

  /** Adds or replaces a provider's prefixes (enabled or not: the decision filters). */
  put (p: ProviderView): void {
    this.delete(p.id)
    this.#version++
    const best = new Map<string, number>()
    for (const { prefix, cost } of p.prefixes) {
      const old = best.get(prefix)
      if (old === undefined || cost < old) best.set(prefix, cost)
    }
    const nodes: PrefixNode[] = []
    for (const [prefix, cost] of best) {
      let n = this.#root
      for (let i = 0; i < prefix.length; i++) n = n.makeChild(prefix.charCodeAt(i))
      ;(n.offers ??= []).push({ provider: p, prefix, cost })
      nodes.push(n)
    }
    this.#byProvider.set(p.id, nodes)
  }

  delete (providerId: string): void {
    const nodes = this.#byProvider.get(providerId)
    if (nodes === undefined) return
    this.#version++
    this.#byProvider.delete(providerId)
    for (const node of nodes) {
      const list = node.offers
      const i = list === undefined ? -1 : list.findIndex((o) => o.provider.id === providerId)
      if (i >= 0) list!.splice(i, 1)
      // prune the branch that no longer leads to any offer
      for (let n = node; n.parent !== undefined && n.empty; n = n.parent) n.parent.dropChild(n.code)
    }
  }

  /** The deepest node on the path of `number`. */
  #end (number: string): PrefixNode {
    let n = this.#root
    for (let i = 0; i < number.length; i++) {
      const next = n.child(number.charCodeAt(i))
      if (next === undefined) break
      n = next
    }
    return n
  }

  /**
   * The longest matching prefix of every provider that has one, in LCR order
   * (cost, priority, id). The array is shared: do not change it.
   */
  offers (number: string): readonly LcrOffer[] {
    const end = this.#end(number)
    if (end.memoVersion === this.#version) return end.memo
    const out: LcrOffer[] = []
    const seen = new Set<string>()
    for (let n: PrefixNode | undefined = end; n !== undefined; n = n.parent) {
      for (const o of n.offers ?? EMPTY) {
        if (seen.has(o.provider.id)) continue
        seen.add(o.provider.id)
        out.push(o)
      }
    }
    out.sort(lcrOrder)
    end.memo = Object.freeze(out)
    end.memoVersion = this.#version
    return end.memo
  }

  /** The longest matching prefix of every provider that has one. */
  rates (number: string): ProviderRate[] {
    return this.offers(number).map((o) => ({ provider: o.provider.id, prefix: o.prefix, cost: o.cost }))
  }
}
