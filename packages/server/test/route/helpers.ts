/**
 * Routing test helpers: two soft-state tables wired by hand (peer B's items
 * reach our table as they would over gossip), real NodeHealth on both, a
 * node-state source over our NodeHealth (what Network does), and contact
 * values shaped exactly as the realtime plugin publishes them.
 */
import { EventEmitter } from 'node:events'
import type { Test } from 'tap'
import * as hcrypto from 'hypercore-crypto'
import { NodeHealth, SoftState, type StateTransition } from '@federator/net'
import type { Store, WriteOp } from '@federator/store'
import type { LiveNode, NodeStateSource } from '../../src/index.js'

export const HEARTBEAT_MS = 1000
export const clock = (): { t: number } => ({ t: 1_700_000_000_000 })

export function softState (now: { t: number }): SoftState {
  return new SoftState({ keyPair: hcrypto.keyPair(), now: () => now.t, maxItems: 10_000, maxItemBytes: 8192, maxTtlMs: 3_600_000 })
}

/** Everything `from` publishes reaches `to` (one direction, like a gossip link). */
export function link (from: SoftState, to: SoftState): void {
  from.on('item', (it: { body: Uint8Array, signature: Uint8Array }) => { to.offer([it.body, it.signature, 0], null) })
}

/** A node's health on its table; `info` is its heartbeat (name, sipAddress, writerKey). */
export function health (t: Test, soft: SoftState, now: { t: number }, info: Record<string, unknown>): NodeHealth {
  const h = new NodeHealth(soft, { heartbeatMs: HEARTBEAT_MS, suspectAfterMissed: 2, deadAfterMissed: 4, forgetDeadAfterMs: 60_000, now: () => now.t, info: () => info })
  t.teardown(() => { h.stop() })
  return h
}

/** What the Network does with its NodeHealth: `nodes()` and `'node-state'` events. */
export class HealthStates extends EventEmitter implements NodeStateSource {
  constructor (private readonly h: NodeHealth) {
    super()
    h.on('state', (s: StateTransition) => this.emit('node-state', s))
  }

  nodes (): LiveNode[] { return this.h.nodes() }
}

/** A PJSIP contact as the realtime plugin publishes it (kind `contact`, key = id). */
export function pjsipContact (aor: string, expiresMs: number, host = '192.0.2.10'): { id: string, aor: string, uri: string, expiration_time: number, endpoint: string } {
  const id = `${aor};@${Buffer.from(aor + host).toString('hex').slice(0, 32)}`
  return { id, aor, uri: `sip:${aor}@${host}:5060`, expiration_time: Math.floor(expiresMs / 1000), endpoint: aor }
}

export async function write (store: Store, ...ops: WriteOp[]): Promise<void> {
  const r = await store.writeMany(ops)
  for (const x of r) if (x instanceof Error) throw x
}

export const put = (type: WriteOp['type'], id: string, fields: Record<string, unknown>): WriteOp => ({ op: 'replace', type, id, fields })
export const del = (type: WriteOp['type'], id: string): WriteOp => ({ op: 'delete', type, id })
