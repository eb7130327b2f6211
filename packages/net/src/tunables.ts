/**
 * Every timing and size limit of the network layer, in one place. Each one is
 * overridable through `NetworkOptions.tunables` (tests shrink the intervals).
 */
export interface Tunables {
  /**
   * a peer that has not proven the cluster secret by then is dropped (not as an intruder: a member
   * starved of CPU may take that long); each timeout in a row of one peer doubles its next deadline
   */
  admissionTimeoutMs: number
  /** the longest admission deadline a peer that keeps timing out gets */
  admissionMaxTimeoutMs: number
  /** a newly learned writer log is announced to peers this long after the store reports it */
  logAnnounceDelayMs: number
  /**
   * length changes of writer logs are announced to peers at most this often (lag figures only; fresh
   * lengths come from hypercore's own replication state, so this costs no bytes per change)
   */
  lengthAnnounceMs: number
  /** most writer entries accepted in one announcement message */
  maxWritersPerMessage: number
  /** soft-state items relayed to peers are batched for this long */
  softFlushDelayMs: number
  /** soft-state items per message in the initial full-set exchange and in relays */
  softBatchItems: number
  /** largest encoded soft-state item body accepted (bytes) */
  softMaxItemBytes: number
  /** most soft-state items held (all owners); new owners' items beyond it are refused */
  softMaxItems: number
  /** how often expired soft-state items are dropped */
  softSweepMs: number
  /** longest TTL accepted on a soft-state item */
  softMaxTtlMs: number
  /**
   * this node's own soft state (registrations) is written to disk at most this long after it changes
   * (and on a clean stop): a node killed with SIGKILL loses at most this much
   */
  softPersistMs: number
  /** node health heartbeat period */
  heartbeatMs: number
  /** a change of this node's neighbours (admitted connections) is published this long after it (changes coalesce) */
  neighboursDelayMs: number
  /** TTL of this node's neighbour list item; republished unchanged every half of it */
  neighboursTtlMs: number
  /** a node is suspect after this many missed heartbeats */
  suspectAfterMissed: number
  /** a node is dead after this many missed heartbeats (its health item expires then too) */
  deadAfterMissed: number
  /** dead nodes are forgotten after this long without a heartbeat */
  forgetDeadAfterMs: number
  /**
   * a node that stops cleanly announces it is restarting: peers keep it `suspect` (calls still routed
   * to its registrations) for this long, then dead unless it is back; 0: a clean stop is dead at once
   */
  restartGraceMs: number
  /** delays of the extra DHT discovery refreshes after joining the topic */
  refreshBackoffMs: number[]
  /**
   * while a known node (heard through node health, not left, not revoked) has no connection, the DHT
   * topic is looked up again this often: hyperswarm gives up on a topic peer after 4 failed attempts
   * and would look again only after ~10 min, so a healed partition would stay split that long
   */
  rediscoverMs: number
  /** hyperswarm reconnect backoffs (short, medium, long, explicit-peer long) */
  reconnectBackoffMs: [number, number, number, number]
  /** LAN: announcement period */
  lanIntervalMs: number
  /** LAN: a peer not heard for this long is forgotten (unless connected or static) */
  lanPeerTtlMs: number
  /** repeated warnings of one kind (unreachable bootstrap, failed admissions of one peer) at most this often */
  warnIntervalMs: number
  /** how often the DHT routing table is checked for an unreachable bootstrap */
  bootstrapCheckMs: number
  /**
   * a connection to a node found revoked is dropped this long after: time for the revocation itself to
   * replicate to it, so the revoked node knows it (refuses writes, not ready); what it writes
   * meanwhile is past its cut and ignored everywhere. A revoked node is refused at connect at once.
   */
  revokedDropDelayMs: number
}

const DEFAULTS: Tunables = {
  admissionTimeoutMs: 5000,
  admissionMaxTimeoutMs: 20_000,
  revokedDropDelayMs: 3000,
  logAnnounceDelayMs: 50,
  lengthAnnounceMs: 10_000,
  maxWritersPerMessage: 4096,
  softFlushDelayMs: 5,
  softBatchItems: 256,
  softMaxItemBytes: 8192,
  softMaxItems: 200_000,
  softSweepMs: 1000,
  softMaxTtlMs: 24 * 3600_000,
  softPersistMs: 1000,
  heartbeatMs: 2000,
  neighboursDelayMs: 300,
  neighboursTtlMs: 600_000,
  suspectAfterMissed: 2,
  deadAfterMissed: 5,
  forgetDeadAfterMs: 3600_000,
  restartGraceMs: 60_000,
  refreshBackoffMs: [1000, 2000, 4000, 8000, 16000, 32000],
  rediscoverMs: 30_000,
  reconnectBackoffMs: [1000, 5000, 15000, 60000],
  lanIntervalMs: 2000,
  lanPeerTtlMs: 20_000,
  warnIntervalMs: 60_000,
  bootstrapCheckMs: 30_000
}

export const DEFAULT_TUNABLES: Readonly<Tunables> = Object.freeze(DEFAULTS)

export function tunables (over?: Partial<Tunables>): Tunables {
  const t = { ...DEFAULT_TUNABLES, ...over }
  t.refreshBackoffMs = [...t.refreshBackoffMs]
  t.reconnectBackoffMs = [...t.reconnectBackoffMs] as Tunables['reconnectBackoffMs']
  return t
}
