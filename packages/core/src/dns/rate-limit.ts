/**
 * A token bucket per source (pure; the caller gives the time): each source
 * may send `burst` queries at once and `ratePerSecond` on average. The DNS
 * server answers only queries that get a token, so it cannot be made to send
 * a victim (whose address a query spoofs) more than that. At most
 * `maxSources` buckets are kept: when full, the least recently used goes
 * (a source forgotten starts again with a full bucket).
 */
export const DNS_RATE_PER_SECOND = 50
export const DNS_RATE_BURST = 100
export const DNS_RATE_MAX_SOURCES = 10_000

export interface RateLimitOptions {
  ratePerSecond?: number
  burst?: number
  maxSources?: number
}

interface Bucket { tokens: number, at: number }

export class TokenBuckets {
  readonly ratePerSecond: number
  readonly burst: number
  readonly maxSources: number
  private readonly buckets = new Map<string, Bucket>()

  constructor (opts: RateLimitOptions = {}) {
    this.ratePerSecond = opts.ratePerSecond ?? DNS_RATE_PER_SECOND
    this.burst = opts.burst ?? DNS_RATE_BURST
    this.maxSources = opts.maxSources ?? DNS_RATE_MAX_SOURCES
  }

  /** Takes a token for `source` at `nowMs`: false when its bucket is empty. */
  take (source: string, nowMs: number): boolean {
    let b = this.buckets.get(source)
    if (b === undefined) {
      b = { tokens: this.burst, at: nowMs }
      if (this.buckets.size >= this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string)
    } else {
      this.buckets.delete(source) // re-inserted below: the map's order is the order of use
      b.tokens = Math.min(this.burst, b.tokens + Math.max(0, nowMs - b.at) * this.ratePerSecond / 1000)
      b.at = nowMs
    }
    this.buckets.set(source, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  get size (): number {
    return this.buckets.size
  }
}
