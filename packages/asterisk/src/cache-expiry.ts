/**
 * Realtime mode with a sorcery memory cache, kept exact: when a record that
 * Asterisk's cached PJSIP objects come from changes (here or on any other node),
 * the node tells its Asterisk over AMI to drop those objects from the cache
 * (`SorceryMemoryCacheExpireObject`), so the next lookup asks the node again.
 * A cache can then live for hours and still never serve a stale password.
 *
 * What expires: a device or trunk → its endpoint, auth and aor (they share its
 * id, packages/core realtime/pjsip.ts); a user → the whole endpoint cache
 * (endpoints carry their user's name, and which devices a user has is not worth
 * an index here); more than `maxObjects` ids in one batch → the three caches
 * whole (`SorceryMemoryCacheExpire`). Changes are coalesced for `coalesceMs`.
 * The caches must be named in sorcery.conf (`name=` of `memory_cache`; an
 * unnamed cache cannot be reached over AMI); the default names are
 * `federator_endpoint`, `federator_auth`, `federator_aor` (docs/asterisk.md).
 * One AMI session per batch. A failed expiry is logged and counted; the entry
 * then lives until its own lifetime ends, as it would without this feature.
 */
import type { Logger } from 'pino'
import type { Metric } from '@federator/core'
import type { AmiClient } from './ami-client.js'
import type { PushChange } from './ports.js'

export const CACHE_EXPIRY_TUNABLES = {
  /** changes arriving within this window are expired together */
  coalesceMs: 20,
  /** past this many ids in one batch the caches are expired whole */
  maxObjects: 50
}
export type CacheExpiryTunables = typeof CACHE_EXPIRY_TUNABLES

/** The sorcery cache names of the cached PJSIP object types. */
export const DEFAULT_CACHE_NAMES = { endpoint: 'federator_endpoint', auth: 'federator_auth', aor: 'federator_aor' } as const
export type CacheNames = Record<keyof typeof DEFAULT_CACHE_NAMES, string>

/** The store as this feature follows it: its changes. */
export interface ChangeSource {
  on: (event: 'changes', fn: (changes: PushChange[]) => void) => unknown
  off: (event: 'changes', fn: (changes: PushChange[]) => void) => unknown
}

/** What one batch of changes asks of Asterisk (pure). */
export interface ExpiryPlan { whole: Array<keyof CacheNames>, objects: string[] }

/** The expiry a batch of record changes needs: whole caches and/or object ids. */
export function expiryPlan (changes: Iterable<PushChange>, maxObjects: number): ExpiryPlan {
  const ids = new Set<string>()
  let users = false
  for (const c of changes) {
    if (c.type === 'device' || c.type === 'trunk') ids.add(c.id)
    else if (c.type === 'user') users = true
  }
  if (ids.size > maxObjects) return { whole: ['endpoint', 'auth', 'aor'], objects: [] }
  return { whole: users ? ['endpoint'] : [], objects: [...ids].sort() }
}

export interface SorceryCacheExpiryOptions {
  ami: AmiClient
  store: ChangeSource
  log: Logger
  caches?: Partial<CacheNames>
  tunables?: Partial<CacheExpiryTunables>
}

export class SorceryCacheExpiry {
  readonly counters = { batches: 0, objects: 0, absent: 0, whole: 0, failures: 0 }
  private readonly tunables: CacheExpiryTunables
  private readonly caches: CacheNames
  private readonly log: Logger
  private readonly pending: PushChange[] = []
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private started = false
  private closed = false
  private readonly onChanges = (changes: PushChange[]): void => {
    for (const c of changes) if (c.type === 'device' || c.type === 'trunk' || c.type === 'user') this.pending.push(c)
    if (this.pending.length > 0) this.schedule()
  }

  constructor (private readonly o: SorceryCacheExpiryOptions) {
    this.tunables = { ...CACHE_EXPIRY_TUNABLES, ...o.tunables }
    this.caches = { ...DEFAULT_CACHE_NAMES, ...o.caches }
    this.log = o.log.child({ component: 'sorcery-cache-expiry' })
  }

  /** Follow the store's changes. Idempotent. */
  ready (): void {
    if (this.started || this.closed) return
    this.started = true
    this.o.store.on('changes', this.onChanges)
  }

  /** Stop following; waits for a batch under way. Idempotent. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.o.store.off('changes', this.onChanges)
    if (this.timer !== null) clearTimeout(this.timer)
    await this.running?.catch(() => {})
  }

  private schedule (): void {
    if (this.timer !== null || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.running !== null) { this.schedule(); return }
      this.running = this.flush().finally(() => { this.running = null })
    }, this.tunables.coalesceMs)
  }

  private async flush (): Promise<void> {
    const plan = expiryPlan(this.pending.splice(0), this.tunables.maxObjects)
    this.counters.batches++
    const calls: Array<[string, Record<string, string>]> = []
    for (const type of plan.whole) calls.push(['SorceryMemoryCacheExpire', { Cache: this.caches[type] }])
    for (const id of plan.objects) {
      for (const type of ['endpoint', 'auth', 'aor'] as const) {
        if (type === 'endpoint' && plan.whole.includes('endpoint')) continue
        calls.push(['SorceryMemoryCacheExpireObject', { Cache: this.caches[type], Object: id }])
      }
    }
    if (calls.length === 0 || this.closed) return
    let results: Awaited<ReturnType<AmiClient['batch']>>
    try {
      results = await this.o.ami.batch(calls.map(([action, fields]) => ({ action, fields })))
    } catch (err) {
      this.counters.failures += calls.length
      this.log.warn({ err, expiries: calls.length }, 'could not expire sorcery cache entries over AMI: they stay until their lifetime ends')
      return
    }
    results.forEach((r, i) => {
      const [action, fields] = calls[i]!
      if (!(r instanceof Error)) {
        if (action === 'SorceryMemoryCacheExpire') this.counters.whole++
        else this.counters.objects++
      } else if (action === 'SorceryMemoryCacheExpireObject' && /could not be expired/i.test(r.message)) {
        // an object not in the cache (never looked up, or already expired): nothing to drop
        this.counters.absent++
      } else {
        this.counters.failures++
        this.log.warn({ err: r, action, ...fields }, 'could not expire a sorcery cache entry over AMI: it stays until its lifetime ends')
      }
    })
  }

  metrics (): Metric[] {
    const c = this.counters
    return [
      { name: 'federator_sorcery_cache_expired_objects_total', help: 'PJSIP objects expired from Asterisk\'s sorcery memory cache over AMI after a record changed', type: 'counter', samples: [{ value: c.objects }] },
      { name: 'federator_sorcery_cache_expiry_absent_total', help: 'Expiries asked for objects the cache did not hold (nothing to drop)', type: 'counter', samples: [{ value: c.absent }] },
      { name: 'federator_sorcery_cache_expired_whole_total', help: 'Whole sorcery memory caches expired over AMI (a user changed, or a large batch)', type: 'counter', samples: [{ value: c.whole }] },
      { name: 'federator_sorcery_cache_expiry_failures_total', help: 'AMI cache expiries that failed (logged; the entry lives until its lifetime ends)', type: 'counter', samples: [{ value: c.failures }] }
    ]
  }
}
