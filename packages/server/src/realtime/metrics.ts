/**
 * Counters of the realtime plugin and its rate-limited warnings.
 *
 * Every refused request is counted under a reason (the core's request
 * problems plus the plugin's own: unknown family, oversized body, read-only
 * family…) and logged as a warning at most once per interval and reason,
 * with the number of occurrences suppressed since the last one. `metrics()`
 * returns the counters in the shape of a Prometheus exposition (name, help,
 * type, samples), ready for the node's `/metrics`.
 */
import type { Logger } from 'pino'
import { CONTACT_KIND, SIPREG_KIND, type Metric, type MetricSample as Sample, type RequestProblem } from '@federator/core'

/** Why a realtime request was refused or answered with nothing. */
export type RealtimeProblem = RequestProblem
  | 'bad_family' | 'unknown_family' | 'bad_operation' | 'body_too_large' | 'bad_request'
  | 'read_only' | 'unknown_table' | 'invalid_row' | 'exists' | 'write_failed' | 'soft_state_refused'
  | 'unknown_config' | 'unauthorized' | 'forbidden' | 'revoked' | 'internal'

export type RealtimeOp = 'single' | 'multi' | 'update' | 'store' | 'destroy' | 'require' | 'static'
export const REALTIME_OPS: readonly RealtimeOp[] = ['single', 'multi', 'update', 'store', 'destroy', 'require', 'static']

/**
 * Request text with every value after an `=` cut out (`secret=hunter2&name=x` →
 * `secret=…&name=…`): refusal messages quote the raw request (an update2 that
 * cannot be split, an unknown path), and its values may be device secrets or
 * voicemail PINs, which never go to the log. Column names stay, for diagnosis.
 */
export function scrubValues (text: string): string {
  return text.replace(/=(?:\\.|[^&\s"\\])+/g, '=…')
}

export type { Metric, Sample }

export interface CacheStats { hits: number, misses: number, evictions: number, size: number, bytes: number, tags: number }

export class RealtimeMetrics {
  readonly requests: Record<RealtimeOp, number> = { single: 0, multi: 0, update: 0, store: 0, destroy: 0, require: 0, static: 0 }
  readonly problems = new Map<RealtimeProblem, number>()
  private readonly lastWarn = new Map<RealtimeProblem, { at: number, suppressed: number }>()

  constructor (private readonly log: Logger, private readonly warnIntervalMs: number, private readonly now: () => number = Date.now) {}

  request (op: RealtimeOp): void {
    this.requests[op]++
  }

  /** Count a refused request and log it (at most once per interval and reason; request values scrubbed: they may be secrets). */
  problem (reason: RealtimeProblem, info: Record<string, unknown>, message: string): void {
    this.problems.set(reason, (this.problems.get(reason) ?? 0) + 1)
    const now = this.now()
    const w = this.lastWarn.get(reason)
    if (w !== undefined && now - w.at < this.warnIntervalMs) { w.suppressed++; return }
    const safe: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(info)) safe[k] = typeof v === 'string' ? scrubValues(v) : v
    this.log.warn({ reason, ...safe, ...(w !== undefined && w.suppressed > 0 ? { suppressed: w.suppressed } : {}) }, scrubValues(message))
    this.lastWarn.set(reason, { at: now, suppressed: 0 })
  }

  count (reason: RealtimeProblem): number {
    return this.problems.get(reason) ?? 0
  }

  /** The counters as Prometheus metrics. */
  metrics (cache: CacheStats, registrations: { contacts: number, sipRegistrations: number }): Metric[] {
    return [
      { name: 'federator_realtime_requests_total', help: 'Realtime (res_config_curl) requests by operation', type: 'counter', samples: REALTIME_OPS.map((op) => ({ labels: { op }, value: this.requests[op] })) },
      { name: 'federator_realtime_refused_total', help: 'Realtime requests answered with nothing or -1, by reason', type: 'counter', samples: [...this.problems].map(([reason, n]) => ({ labels: { reason }, value: n })) },
      { name: 'federator_realtime_cache_hits_total', help: 'Lookups answered from the answer cache', type: 'counter', samples: [{ value: cache.hits }] },
      { name: 'federator_realtime_cache_misses_total', help: 'Lookups computed (not in the answer cache, or invalidated)', type: 'counter', samples: [{ value: cache.misses }] },
      { name: 'federator_realtime_cache_evictions_total', help: 'Answers evicted from the full cache', type: 'counter', samples: [{ value: cache.evictions }] },
      { name: 'federator_realtime_cache_entries', help: 'Answers in the cache', type: 'gauge', samples: [{ value: cache.size }] },
      { name: 'federator_realtime_cache_bytes', help: 'Heap bytes held by the answer cache (estimated: answers, keys, invalidation tags); bounded by the realtimeCacheMb setting', type: 'gauge', samples: [{ value: cache.bytes }] },
      { name: 'federator_realtime_cache_tags', help: 'Invalidation tags remembered by the answer cache', type: 'gauge', samples: [{ value: cache.tags }] },
      { name: 'federator_realtime_registrations', help: 'Registrations accepted by this node\'s Asterisk, by kind', type: 'gauge', samples: [{ labels: { kind: CONTACT_KIND }, value: registrations.contacts }, { labels: { kind: SIPREG_KIND }, value: registrations.sipRegistrations }] }
    ]
  }
}
