/**
 * The live call state feature of the link to the local Asterisk
 * (docs/asterisk.md, "Live call state"): the publisher (this node's device
 * states and trunk channel counts from ARI into soft state) and the
 * `Custom:` states (every node's device states into this node's Asterisk),
 * on one ARI client. Its event handlers never throw: a bad event is counted,
 * a failed request logged and retried at the next connect.
 */
import type { Logger } from 'pino'
import { DEVICE_STATES, reservedTrunks, type Metric, type RouteDecision } from '@federator/core'
import type { AriClient, AriEvent } from '../ari-client.js'
import type { AsteriskFeature, FeatureFactory } from '../link.js'
import { CustomStates } from './custom.js'
import type { CallStateDirectory, CallStateSoft } from './ports.js'
import { CALLSTATE_TUNABLES, CallStatePublisher, type CallStateTunables } from './publisher.js'

export interface CallStateOptions {
  soft: CallStateSoft
  /** where /route decisions answered to the dialplan are heard (trunk reservations); absent: none */
  decisions?: (fn: (d: RouteDecision) => void) => () => void
  directory: CallStateDirectory
  log: Logger
  tunables?: Partial<CallStateTunables>
}

export class CallStateFeature implements AsteriskFeature {
  readonly name = 'callstate'
  readonly publisher: CallStatePublisher
  readonly custom: CustomStates
  readonly #ari: AriClient
  readonly #log: Logger
  readonly #decisions: CallStateOptions['decisions']
  readonly #onEvent = (ev: AriEvent): void => { this.#guard('event', () => this.publisher.onEvent(ev)) }
  readonly #onConnect = (): void => { this.#guard('connect', () => { this.publisher.onConnect(); this.custom.onConnect() }) }
  readonly #onDisconnect = (): void => { this.#guard('disconnect', () => this.publisher.onDisconnect()) }

  constructor (ari: AriClient, opts: CallStateOptions) {
    this.#ari = ari
    this.#log = opts.log.child({ component: 'callstate' })
    this.#decisions = opts.decisions
    const tun = { ...CALLSTATE_TUNABLES, ...opts.tunables }
    this.publisher = new CallStatePublisher(ari, opts.soft, opts.directory, this.#log, tun)
    this.custom = new CustomStates(ari, opts.soft, opts.directory, this.#log)
  }

  #unsubscribe: (() => void) | null = null

  start (): void {
    this.#unsubscribe = this.#decisions?.((d) => this.decided(d)) ?? null
    this.custom.start()
    this.publisher.start()
    this.#ari.on('event', this.#onEvent)
    this.#ari.on('connect', this.#onConnect)
    this.#ari.on('disconnect', this.#onDisconnect)
  }

  close (): void {
    this.#unsubscribe?.()
    this.#ari.off('event', this.#onEvent)
    this.#ari.off('connect', this.#onConnect)
    this.#ari.off('disconnect', this.#onDisconnect)
    this.publisher.close()
    this.custom.close()
  }

  /** A /route decision answered to this node's dialplan: reserve the trunk channels it will take here. */
  decided (d: RouteDecision): void {
    this.#guard('decision', () => { for (const trunk of reservedTrunks(d)) this.publisher.reserve(trunk) })
  }

  #guard (what: string, fn: () => void): void {
    try { fn() } catch (err) { this.#log.error({ err, what }, 'call state: handler failed') }
  }

  metrics (): Metric[] {
    const p = this.publisher.counters
    const c = this.custom.counters
    const byState = new Map<string, number>(DEVICE_STATES.map((s) => [s, 0]))
    for (const [, s] of this.custom.table.devices()) byState.set(s, (byState.get(s) ?? 0) + 1)
    const counter = (name: string, help: string, value: number): Metric => ({ name, help, type: 'counter', samples: [{ value }] })
    return [
      { name: 'federator_callstate_devices', help: 'Devices by their state over the cluster (devices idle everywhere are not counted)', type: 'gauge', samples: [...byState].filter(([s]) => s !== 'NOT_INUSE').map(([state, value]) => ({ labels: { state }, value })) },
      { name: 'federator_callstate_local_devices', help: 'Devices this node publishes a state for (not idle on its Asterisk)', type: 'gauge', samples: [{ value: this.publisher.localDevices }] },
      { name: 'federator_callstate_channels', help: 'Channels up per trunk endpoint, summed over the cluster', type: 'gauge', samples: [...this.custom.table.endpoints()].map(([endpoint, value]) => ({ labels: { endpoint }, value })) },
      { name: 'federator_callstate_local_channels', help: 'Channels up per trunk endpoint on this node\'s Asterisk', type: 'gauge', samples: [...this.publisher.localChannels].map(([endpoint, value]) => ({ labels: { endpoint }, value })) },
      counter('federator_callstate_device_events_total', 'ARI device-state events of SIP devices', p.deviceEvents),
      counter('federator_callstate_channel_events_total', 'ARI channel events on trunk endpoints', p.channelEvents),
      counter('federator_callstate_unknown_devices_total', 'Device-state events for endpoints that are no device record (ignored)', p.unknownDevices),
      counter('federator_callstate_bad_events_total', 'Call-state events dropped as malformed', p.badEvents),
      counter('federator_callstate_coalesced_total', 'State changes folded into a later publication or write (bursts)', p.coalesced + c.coalesced),
      counter('federator_callstate_published_total', 'Call-state items this node published (changes and refreshes)', p.published),
      counter('federator_callstate_publish_errors_total', 'Call-state items the soft state refused', p.publishErrors),
      counter('federator_callstate_reservations_total', 'Trunk channels reserved by /route decisions before their channels existed', p.reservations),
      counter('federator_callstate_full_syncs_total', 'Full syncs from ARI (one per connect)', p.fullSyncs),
      counter('federator_callstate_sync_errors_total', 'Full syncs from ARI that failed', p.syncErrors),
      counter('federator_callstate_custom_writes_total', 'Custom: device states set on this node\'s Asterisk', c.writes),
      counter('federator_callstate_custom_write_errors_total', 'Custom: device states Asterisk refused or did not answer', c.writeErrors)
    ]
  }
}

/** The link's factory for the live call state feature. */
export function callStateFeature (opts: CallStateOptions): FeatureFactory {
  return (ari) => new CallStateFeature(ari, opts)
}
