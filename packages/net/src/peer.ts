/**
 * One connection to one peer, from the Noise handshake to close:
 * admitting → admitted (replicating, log exchange and soft-state channels
 * open) → closed, or admitting → rejected (dropped). Hyperswarm may hand us
 * two connections for one peer for a moment, so state lives per connection.
 */
import Protomux from 'protomux'
import type HyperDHT from 'hyperdht'
import { admit, type AdmissionFailure } from './admission.js'
import type { LogAnnouncer, LogChannel, RemoteWriter } from './log-exchange.js'
import type { SoftChannel, SoftGossip } from './soft-gossip.js'
import type { SnapshotExchange } from './snapshot-exchange.js'
import type { ReplicatedLogs } from './types.js'

export type Discovery = 'static' | 'lan' | 'dht' | 'incoming'
export type PeerState = 'admitting' | 'admitted' | 'rejected' | 'closed'

export interface PeerStatus {
  swarmKey: string
  state: PeerState
  direction: 'in' | 'out'
  discovery: Discovery
  remoteAddress: string | null
  connectedAt: number
  /** ms from connection to mutual admission */
  admissionMs: number | null
  /** what the peer announced of each writer log */
  writers: Record<string, RemoteWriter>
  softItemsReceived: number
  softItemsSent: number
  bytesRead: number
  bytesWritten: number
}

export interface PeerContext {
  authKey: Buffer
  admissionTimeoutMs: number
  logs: ReplicatedLogs
  announcer: LogAnnouncer
  gossip: SoftGossip
  /** serves and requests snapshot joins (absent: the channel is not opened) */
  snapshots?: SnapshotExchange
  onadmitted: (p: PeerConnection) => void
  onrejected: (p: PeerConnection, reason: AdmissionFailure) => void
  onclosed: (p: PeerConnection) => void
}

export class PeerConnection {
  readonly swarmKey: string
  readonly connectedAt = Date.now()
  state: PeerState = 'admitting'
  admittedAt: number | null = null
  private logChannel: LogChannel | null = null
  private softChannel: SoftChannel | null = null
  private readonly cancelAdmission: () => void

  constructor (
    readonly conn: HyperDHT.NoiseSecretStream,
    readonly direction: 'in' | 'out',
    readonly discovery: Discovery,
    ctx: PeerContext
  ) {
    this.swarmKey = conn.remotePublicKey.toString('hex')
    const mux = Protomux.from(conn)
    conn.userData = mux // hypercore's replication reuses this muxer
    conn.on('close', () => {
      this.cancelAdmission()
      if (this.state === 'rejected' || this.state === 'closed') return
      this.state = 'closed'
      ctx.onclosed(this)
    })
    this.cancelAdmission = admit(conn, mux, {
      authKey: ctx.authKey,
      timeoutMs: ctx.admissionTimeoutMs,
      onadmitted: () => {
        if (conn.destroyed) return
        this.state = 'admitted'
        this.admittedAt = Date.now()
        // synchronously, before protomux handles the rest of the batch that carried the remote's ack
        ctx.logs.replicate(conn)
        this.logChannel = ctx.announcer.attach(mux)
        this.softChannel = ctx.gossip.attach(mux, this.swarmKey)
        ctx.snapshots?.attach(mux, this.swarmKey)
        ctx.onadmitted(this)
      },
      onfailed: (reason) => {
        if (this.state !== 'admitting') return
        this.state = 'rejected'
        ctx.onrejected(this, reason)
        conn.destroy()
      }
    })
  }

  destroy (): void {
    this.conn.destroy()
  }

  /** Ends the connection gracefully (pending writes are flushed first); resolves on close. */
  end (graceMs: number): Promise<void> {
    if (this.conn.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.conn.destroy(); resolve() }, graceMs)
      this.conn.once('close', () => { clearTimeout(t); resolve() })
      this.conn.end()
    })
  }

  status (): PeerStatus {
    const raw = this.conn.rawStream
    return {
      swarmKey: this.swarmKey,
      state: this.state,
      direction: this.direction,
      discovery: this.discovery,
      remoteAddress: typeof raw?.remoteHost === 'string' ? `${raw.remoteHost}:${raw.remotePort ?? 0}` : null,
      connectedAt: this.connectedAt,
      admissionMs: this.admittedAt === null ? null : this.admittedAt - this.connectedAt,
      writers: Object.fromEntries(this.logChannel?.remote ?? []),
      softItemsReceived: this.softChannel?.received ?? 0,
      softItemsSent: this.softChannel?.sent ?? 0,
      bytesRead: this.conn.rawBytesRead,
      bytesWritten: this.conn.rawBytesWritten
    }
  }

  /** The remote lengths this peer announced. */
  get remoteWriters (): ReadonlyMap<string, RemoteWriter> {
    return this.logChannel?.remote ?? new Map()
  }
}
