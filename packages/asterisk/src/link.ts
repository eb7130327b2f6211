/**
 * A node's link to its local Asterisk: one ARI client shared by the features
 * that need it (push mode's PJSIP objects and mirrored contacts, the live call
 * state). Each feature is made from the client, starts when the link starts,
 * hears every (re)connect and event through the client, and reports metrics;
 * the link closes them before the client. Features never throw out of their
 * event handlers: Asterisk being away or refusing a request is logged and
 * counted, and the node keeps serving realtime and /route.
 */
import type { Logger } from 'pino'
import type { Metric } from '@federator/core'
import { AriClient, type AriTunables } from './ari-client.js'
import type { AriSettings } from './settings.js'

/** What a feature of the link is: started once, closed once, measured. */
export interface AsteriskFeature {
  readonly name: string
  start: () => void | Promise<void>
  close: () => void | Promise<void>
  metrics: () => Metric[]
}

/** Makes a feature from the shared ARI client. */
export type FeatureFactory = (ari: AriClient) => AsteriskFeature

export interface AsteriskLinkOptions {
  ari: AriSettings
  log: Logger
  features: FeatureFactory[]
  tunables?: Partial<AriTunables>
}

export class AsteriskLink {
  readonly ari: AriClient
  readonly features: AsteriskFeature[]
  private opening: Promise<void> | null = null
  private closing: Promise<void> | null = null

  constructor (opts: AsteriskLinkOptions) {
    this.ari = new AriClient({ ...opts.ari, log: opts.log.child({ component: 'ari' }), ...(opts.tunables !== undefined ? { tunables: opts.tunables } : {}) })
    this.features = opts.features.map((make) => make(this.ari))
  }

  /** Start the features, then connect (a feature hears the first `connect`). Idempotent. */
  ready (): Promise<void> {
    this.opening ??= (async () => {
      for (const f of this.features) await f.start()
      await this.ari.ready()
    })()
    return this.opening
  }

  /** Close the features, then the client. Idempotent. */
  close (): Promise<void> {
    this.closing ??= (async () => {
      await this.opening?.catch(() => {})
      for (const f of [...this.features].reverse()) await f.close()
      await this.ari.close()
    })()
    return this.closing
  }

  metrics (): Metric[] {
    return [...this.ari.metrics(), ...this.features.flatMap((f) => f.metrics())]
  }
}
