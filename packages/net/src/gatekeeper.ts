/**
 * Who may connect and stay: the network's admission policy and its counters.
 *
 * - At connect, hyperswarm's firewall asks `firewall(key)`: a revoked node is refused before any
 *   handshake work (`firewalled`).
 * - Each connection gets `admissionTimeoutFor(key)` to prove the cluster secret (admission.ts): the
 *   base deadline, doubled for each admission of that key that timed out in a row (at most
 *   `admissionMaxTimeoutMs`), so a member starved of CPU gets in on a retry instead of timing out
 *   forever; an admission clears its key's record.
 * - A failed admission is told apart by what it shows (`failed`): a wrong or malformed proof is a peer
 *   without the secret (warned, counted in `rejected` by reason); a timeout is a member too slow to
 *   answer or a silent peer (info, `admissionTimeouts`, longer deadline next time); a close is the other
 *   side, or hyperswarm's duplicate resolution, ending it first (`admissionClosed`).
 * - A connected node found revoked (checked after the store applies entries) is dropped
 *   `revokedDropDelayMs` after its revocation was first seen, so the revocation reaches it first and it
 *   knows it was revoked (`dropRevoked`).
 */
import type { Logger } from 'pino'
import type { AdmissionFailure } from './admission.js'
import type { WarnLimiter } from './dht.js'
import type { PeerConnection } from './peer.js'
import type { Tunables } from './tunables.js'

/** Admission failures that show the peer does not hold the cluster secret (the others do not). */
const PROOF_FAILURES = new Set<string>(['bad-proof', 'malformed'])

/** Slow-admission records kept at most (the oldest keys that never came back are forgotten first). */
const MAX_SLOW_KEYS = 4096

export interface GatekeeperOptions {
  tunables: Tunables
  log: Logger
  warn: WarnLimiter
  /** true when this swarm key belongs to a revoked node */
  isRevoked?: (swarmKeyHex: string) => boolean
  /** the connections open now (for dropRevoked) */
  connections: () => Iterable<PeerConnection>
}

export class Gatekeeper {
  /** admissions failed because the peer's proof was wrong or malformed: it does not hold the secret */
  readonly rejected: Record<string, number> = {}
  /** admissions that timed out (a starved member or a silent peer: dropped and retried, with more time) */
  admissionTimeouts = 0
  /** connections closed by the other side (or hyperswarm's duplicate resolution) before admission finished */
  admissionClosed = 0
  /** revoked peers refused at connect */
  firewalled = 0
  /** swarm key → admission timeouts in a row (each retry waits twice as long, up to admissionMaxTimeoutMs) */
  private readonly slowAdmissions = new Map<string, number>()
  /** revoked peers still connected → when their revocation was first seen (dropped revokedDropDelayMs later) */
  private readonly revokedSince = new Map<string, number>()
  private revocationCheck: NodeJS.Timeout | null = null
  private closed = false

  constructor (private readonly o: GatekeeperOptions) {}

  isRevoked (swarmKey: string): boolean {
    try {
      return this.o.isRevoked?.(swarmKey) === true
    } catch (err) {
      this.o.warn.warn('isRevoked', { err }, 'isRevoked callback failed')
      return false
    }
  }

  /** hyperswarm's firewall: true refuses the connection */
  firewall (remote: Buffer): boolean {
    const key = remote.toString('hex')
    if (!this.isRevoked(key)) return false
    this.firewalled++
    this.o.warn.warn('revoked:' + key, { swarmKey: key }, 'refused a revoked node')
    return true
  }

  /** How long a connection from/to this key gets to prove the secret (see the module comment). */
  admissionTimeoutFor (swarmKey: string): number {
    const t = this.o.tunables
    const slow = Math.min(this.slowAdmissions.get(swarmKey) ?? 0, 16)
    return Math.min(t.admissionMaxTimeoutMs, t.admissionTimeoutMs * 2 ** slow)
  }

  admitted (swarmKey: string): void {
    this.slowAdmissions.delete(swarmKey)
  }

  failed (p: PeerConnection, reason: AdmissionFailure): void {
    if (PROOF_FAILURES.has(reason)) {
      this.rejected[reason] = (this.rejected[reason] ?? 0) + 1
      this.o.warn.warn('admission:' + p.swarmKey, { swarmKey: p.swarmKey, reason, remoteAddress: p.status().remoteAddress }, 'peer dropped: it did not prove the cluster secret')
    } else if (reason === 'timeout') {
      this.admissionTimeouts++
      const timeoutMs = this.admissionTimeoutFor(p.swarmKey)
      const slow = (this.slowAdmissions.get(p.swarmKey) ?? 0) + 1
      this.slowAdmissions.set(p.swarmKey, slow)
      if (this.slowAdmissions.size > MAX_SLOW_KEYS) this.slowAdmissions.delete(this.slowAdmissions.keys().next().value as string)
      this.o.log.info({ swarmKey: p.swarmKey, timeoutMs, nextTimeoutMs: this.admissionTimeoutFor(p.swarmKey), inARow: slow, remoteAddress: p.status().remoteAddress },
        'peer admission timed out (slow or overloaded peer): dropped, retried with a longer deadline')
    } else {
      this.admissionClosed++
      this.o.log.debug({ swarmKey: p.swarmKey, reason }, 'connection closed before admission finished')
    }
  }

  /** Called after the store applied entries (a revocation may have arrived): checks soon, once. */
  readonly onapplied = (): void => {
    if (this.o.isRevoked === undefined || this.revocationCheck !== null || this.closed) return
    this.revocationCheck = setTimeout(() => { this.revocationCheck = null; this.dropRevoked() }, 100)
  }

  /**
   * Drops connections to nodes that are revoked now, each `revokedDropDelayMs` after its revocation was
   * first seen (`now`: drop at once), so the revocation reaches the revoked node first.
   */
  dropRevoked (now = false): number {
    let n = 0
    let next = Infinity
    const t = Date.now()
    for (const p of this.o.connections()) {
      if (!this.isRevoked(p.swarmKey)) { this.revokedSince.delete(p.swarmKey); continue }
      const since = this.revokedSince.get(p.swarmKey) ?? t
      this.revokedSince.set(p.swarmKey, since)
      const due = since + this.o.tunables.revokedDropDelayMs
      if (!now && due > t) { next = Math.min(next, due); continue }
      this.o.log.warn({ swarmKey: p.swarmKey }, 'dropping a connection to a revoked node')
      this.revokedSince.delete(p.swarmKey)
      p.destroy()
      n++
    }
    if (next !== Infinity && this.revocationCheck === null && !this.closed) {
      this.revocationCheck = setTimeout(() => { this.revocationCheck = null; this.dropRevoked() }, next - t)
    }
    return n
  }

  close (): void {
    this.closed = true
    if (this.revocationCheck !== null) clearTimeout(this.revocationCheck)
    this.revocationCheck = null
  }
}
