/**
 * Provider prefixes for least-cost routing: prefix → (provider, cost).
 *
 * A hash map keyed by the prefix string. A lookup tries the number's prefixes
 * from the longest (capped at the longest prefix indexed) to the empty one, so
 * its cost is O(length of the number), whatever the number of prefixes; the
 * first hit per provider is that provider's longest matching prefix. A
 * provider listing the same prefix twice keeps the cheaper cost.
 */
import type { ProviderRate, ProviderView } from './types.js'

interface Slot { readonly provider: string, readonly cost: number }

export class PrefixIndex {
  readonly #byPrefix = new Map<string, Slot[]>()
  readonly #byProvider = new Map<string, string[]>()
  #maxLen = 0

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
    const best = new Map<string, number>()
    for (const { prefix, cost } of p.prefixes) {
      const old = best.get(prefix)
      if (old === undefined || cost < old) best.set(prefix, cost)
    }
    for (const [prefix, cost] of best) {
      let list = this.#byPrefix.get(prefix)
      if (list === undefined) { list = []; this.#byPrefix.set(prefix, list) }
      list.push({ provider: p.id, cost })
      if (prefix.length > this.#maxLen) this.#maxLen = prefix.length
    }
    this.#byProvider.set(p.id, [...best.keys()])
  }

  delete (providerId: string): void {
    const prefixes = this.#byProvider.get(providerId)
    if (prefixes === undefined) return
    this.#byProvider.delete(providerId)
    for (const prefix of prefixes) {
      const list = this.#byPrefix.get(prefix)
      if (list === undefined) continue
      const i = list.findIndex((s) => s.provider === providerId)
      if (i >= 0) list.splice(i, 1)
      if (list.length === 0) this.#byPrefix.delete(prefix)
    }
    // #maxLen stays an upper bound; it only costs a few extra map probes
  }

  /** The longest matching prefix of every provider that has one. */
  rates (number: string): ProviderRate[] {
    const out: ProviderRate[] = []
    let seen: Set<string> | undefined
    for (let len = Math.min(number.length, this.#maxLen); len >= 0; len--) {
      const prefix = number.slice(0, len)
      const list = this.#byPrefix.get(prefix)
      if (list === undefined) continue
      for (const s of list) {
        if (seen?.has(s.provider) === true) continue
        ;(seen ??= new Set()).add(s.provider)
        out.push({ provider: s.provider, prefix, cost: s.cost })
      }
    }
    return out
  }
}
