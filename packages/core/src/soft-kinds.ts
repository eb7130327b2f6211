/**
 * Soft state (docs/federation.md, "Soft state"): the kinds of items nodes
 * publish, and the shape of a change of the soft-state table. Declared here
 * once: @federator/net publishes and relays them, the server's realtime
 * plugin and routing view read them.
 */

/** a PJSIP contact (`ps_contacts`) accepted by this node's Asterisk */
export const CONTACT_KIND = 'contact'
/** a chan_sip registration (the registration columns of `sippeers`/`sipregs`) */
export const SIPREG_KIND = 'sipreg'
/** the kinds that are registrations */
export const REGISTRATION_KINDS = [CONTACT_KIND, SIPREG_KIND] as const
/** live call state (callstate/states.ts): a device's state on the owner's Asterisk while not idle (key = device id) */
export const DEVSTATE_KIND = 'devstate'
/** live call state: channels up on a trunk endpoint on the owner's Asterisk while any (key = endpoint) */
export const CHANNELS_KIND = 'channels'
/** live call state: whether the owner's ARI is connected (one item per node, under CALLSTATE_KEY) */
export const CALLSTATE_KIND = 'callstate'
export const CALLSTATE_KEY = 'ari'
/** node heartbeats: name, version, SIP address, writer key (one item per node, under HEALTH_KEY) */
export const HEALTH_KIND = 'node'
export const HEALTH_KEY = 'health'

/** A change of the soft-state table (SoftState's 'change' event). */
export interface SoftChange {
  kind: string
  key: string
  /** owner: the publishing node's swarm key */
  owner: string
  /** undefined when removed or expired */
  value: unknown
  reason: 'update' | 'remove' | 'expire'
  /** the item is this node's own */
  local: boolean
}
