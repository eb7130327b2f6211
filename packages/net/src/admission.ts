/**
 * Admission: after the Noise handshake and before anything else, both sides
 * prove that they know the cluster secret, over the protomux channel
 * "federator/admit/1".
 *
 *   proof(sender) = HMAC-SHA256(authKey, "federator/admit/v1" || handshakeHash || senderPublicKey)
 *
 * The handshake hash is unique to this Noise session and the same on both
 * ends, and the sender's key makes the two proofs differ, so a proof can be
 * neither replayed on another connection nor reflected back. Nothing about the
 * secret leaks: authKey is itself an HMAC of the secret.
 *
 * Each side opens the channel with its proof as the open handshake; on
 * receiving a valid remote proof it sends `ack`. A side is admitted when it
 * has verified the remote proof AND received the remote's ack. Because each
 * side starts replication only then, and its ack precedes (on the same ordered
 * stream) every replication message it sends, the remote has always started
 * its own replication before our replication messages reach it. This is why
 * `onadmitted` is called synchronously from the message handler: a promise
 * continuation would run only after protomux has processed (and rejected) the
 * rest of the same batch.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type HyperDHT from 'hyperdht'
import type Protomux from 'protomux'
import { decodeMessage, encodeMessage, isBytes, RAW } from './wire.js'

export const ADMIT_PROTOCOL = 'federator/admit/1'

export type AdmissionFailure = 'bad-proof' | 'malformed' | 'timeout' | 'closed'

export function admissionProof (authKey: Uint8Array, handshakeHash: Uint8Array, senderPublicKey: Uint8Array): Buffer {
  return createHmac('sha256', authKey).update('federator/admit/v1').update(handshakeHash).update(senderPublicKey).digest()
}

export interface AdmissionOptions {
  authKey: Buffer
  timeoutMs: number
  /** called synchronously once both sides are admitted */
  onadmitted: () => void
  /** called once on failure; the caller drops the connection */
  onfailed: (reason: AdmissionFailure) => void
}

/** Runs admission on a fresh connection. Returns a function that cancels it (no callback after). */
export function admit (conn: HyperDHT.NoiseSecretStream, mux: Protomux, opts: AdmissionOptions): () => void {
  let done = false
  let verified = false
  let acked = false
  let channel: Protomux.Channel | null = null
  let ack: Protomux.Message<Uint8Array> | null = null

  const finish = (reason: AdmissionFailure | null): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    mux.unpair({ protocol: ADMIT_PROTOCOL })
    if (reason === null) opts.onadmitted()
    else {
      if (channel !== null && !channel.closed) channel.close()
      opts.onfailed(reason)
    }
  }

  const timer = setTimeout(() => finish('timeout'), opts.timeoutMs)

  const onopen = (handshake: Uint8Array): void => {
    if (done) return
    const m = decodeMessage(handshake)
    const hash = conn.handshakeHash
    if (m === null || m.t !== 'proof' || !isBytes(m.p, 32) || hash === null) return finish('malformed')
    const expected = admissionProof(opts.authKey, hash, conn.remotePublicKey)
    if (!timingSafeEqual(Buffer.from(m.p), expected)) return finish('bad-proof')
    verified = true
    ack?.send(encodeMessage('ack', {}))
    if (acked) finish(null)
  }

  const onack = (bytes: Uint8Array): void => {
    if (done) return
    const m = decodeMessage(bytes)
    if (m === null || m.t !== 'ack') return
    acked = true
    if (verified) finish(null)
  }

  const start = (): void => {
    if (done || channel !== null) return
    const hash = conn.handshakeHash
    if (hash === null) return finish('malformed')
    channel = mux.createChannel({
      protocol: ADMIT_PROTOCOL,
      handshake: RAW,
      messages: [{ encoding: RAW, onmessage: onack }],
      onopen,
      onclose: () => { if (!done) finish('closed') }
    })
    if (channel === null) return finish('closed')
    ack = channel.messages[0] as Protomux.Message<Uint8Array>
    channel.open(encodeMessage('proof', { p: admissionProof(opts.authKey, hash, conn.publicKey) }))
  }

  // a remote open that arrives before we could open ourselves waits here instead of being rejected
  mux.pair({ protocol: ADMIT_PROTOCOL }, async () => {
    await conn.opened
    start()
  })
  if (conn.handshakeHash !== null) start()
  else conn.opened.then((ok) => { if (ok) start(); else finish('closed') }, () => finish('closed'))

  return () => {
    done = true
    clearTimeout(timer)
    mux.unpair({ protocol: ADMIT_PROTOCOL })
  }
}
