/** What the network layer needs from the node's store (satisfied by @federator/store's Store). */

export interface WriterLength {
  /** the writer's hypercore key, 64 hex */
  key: string
  /** blocks available locally */
  length: number
  /** blocks applied to the view (when the store knows it) */
  applied?: number
  /** the longest length a directly replicating peer has for it (hypercore's replication state) */
  remoteLength?: number
}

export interface ReplicatedLogs {
  /** replicate every log over this admitted connection */
  replicate (conn: unknown): unknown
  /** the swarm identity derived from the store's key material (same pair on every start) */
  swarmKeyPair (): Promise<KeyPair>
  /** this node's own log key (hex) */
  readonly writerKey: string
  writers (): WriterLength[]
  /** opens a remote writer's log, replicates and applies it; idempotent */
  addWriter (key: string): Promise<unknown>
  /** true while a fresh store waits for a snapshot join (snapshot-exchange.ts); absent: never */
  readonly awaitingSnapshot?: boolean
  /** the manifest served to a joining node (undefined: nothing to offer) */
  encodedSnapshot?: () => Promise<Record<string, unknown> | undefined>
  /** joins from a peer's manifest; `ok: false, reason: 'malformed'` leaves the store waiting */
  joinSnapshot?: (manifest: unknown) => Promise<{ ok: boolean, reason?: string }>
  /** restarts the store's wait for a snapshot (a peer is preparing one) */
  keepWaitingForSnapshot?: () => void
  /** stops waiting for a snapshot (no peer has one): the logs are followed from the start */
  releaseSnapshotHold?: () => void
  /** the merged view hash (checked against other nodes' after a snapshot join) */
  viewHash?: () => string
  /** drops the view and replays every log from block 0 (a snapshot join the cluster contradicts) */
  replayInFull?: (why: string) => Promise<void>
  /** 'writer': a new writer is known; 'applied': entries were applied (lengths may have changed) */
  on (event: 'writer' | 'applied', fn: (...args: any[]) => void): unknown
  off (event: 'writer' | 'applied', fn: (...args: any[]) => void): unknown
}

export interface KeyPair { publicKey: Buffer, secretKey: Buffer }
