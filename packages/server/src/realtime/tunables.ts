/**
 * Limits and timings of the realtime plugin: named defaults, each overridable
 * through RealtimeOptions.limits.
 */

/** largest request body of a realtime request (bytes); Asterisk cuts each value at 255 bytes, so real bodies stay far below */
export const REALTIME_BODY_LIMIT = 64 * 1024
/** most cached answers */
export const CACHE_MAX_ENTRIES = 400_000
/** most bytes held by the answer cache (its estimate: answers, keys, tags; cache.ts); a node setting in MB (realtimeCacheMb) */
export const CACHE_MAX_BYTES = 32 * 1024 * 1024
/** an answer longer than this is never cached (start-up queries over every device) */
export const CACHE_MAX_ANSWER = 256 * 1024
/** invalidation tags remembered before the cache is reset (bounds the tag table) */
export const CACHE_MAX_TAGS = 2_000_000
/** a warning of one kind (bad escape, unknown family…) is logged at most this often */
export const WARN_INTERVAL_MS = 60_000
/** registrations stay in soft state this long past their expiry, so Asterisk's own pruning still sees them */
export const REGISTRATION_GRACE_MS = 60_000
/** how often this node's expired registrations are dropped from its answers */
export const REGISTRATION_CHECK_MS = 5_000
/** largest `.conf` file accepted by the admin API (bytes) */
export const CONFIG_MAX_BYTES = 1024 * 1024

export interface RealtimeLimits {
  bodyLimit: number
  cacheMaxEntries: number
  cacheMaxBytes: number
  cacheMaxAnswer: number
  cacheMaxTags: number
  warnIntervalMs: number
  registrationGraceMs: number
  registrationCheckMs: number
  configMaxBytes: number
}

export const DEFAULT_REALTIME_LIMITS: Readonly<RealtimeLimits> = Object.freeze({
  bodyLimit: REALTIME_BODY_LIMIT,
  cacheMaxEntries: CACHE_MAX_ENTRIES,
  cacheMaxBytes: CACHE_MAX_BYTES,
  cacheMaxAnswer: CACHE_MAX_ANSWER,
  cacheMaxTags: CACHE_MAX_TAGS,
  warnIntervalMs: WARN_INTERVAL_MS,
  registrationGraceMs: REGISTRATION_GRACE_MS,
  registrationCheckMs: REGISTRATION_CHECK_MS,
  configMaxBytes: CONFIG_MAX_BYTES
})

export function realtimeLimits (given: Partial<RealtimeLimits> = {}): RealtimeLimits {
  return { ...DEFAULT_REALTIME_LIMITS, ...given }
}
