/**
 * `GET /api/v1/cluster/device-states` and `GET /api/v1/cluster/channels`
 * (behind the admin token): the live call state of the cluster as this node
 * holds it (docs/asterisk.md, "Live call state"). Each node publishes, as
 * soft state, the devices that are not idle on its Asterisk and the channels
 * up on its trunks; any node lists them all. A device's `state` combines its
 * states on every node (core `combineDeviceStates`); a device idle
 * everywhere is not listed. `nodes` says, per node that published call
 * state, whether its ARI is connected (`ari: false`: its device states say
 * UNKNOWN, its channels are not counted). Sorted by device / endpoint.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import {
  CALLSTATE_KIND, CHANNELS_KIND, DEVSTATE_KIND, FedError, channelCountValue, combineDeviceStates, deviceStateValue, sumChannels, type DeviceState
} from '@federator/core'
import type { RegistrationSources } from './registrations.js'

export const CALLSTATE_LIMIT = 1000
export const CALLSTATE_MAX = 10_000

export interface DeviceStateItem { device: string, state: DeviceState, nodes: Array<{ node: string | null, state: DeviceState }> }
export interface ChannelItem { endpoint: string, channels: number, nodes: Array<{ node: string | null, channels: number }> }
export interface CallStateNode { node: string | null, self: boolean, ari: boolean }

type Sources = RegistrationSources

function namer (src: Sources): (owner: string) => string | null {
  const names = new Map<string, string>()
  for (const n of src.network?.nodes() ?? []) if (typeof n.info.name === 'string') names.set(n.swarmKey, n.info.name)
  return (owner) => owner === src.soft.owner ? src.name : names.get(owner) ?? src.membership.bySwarmKey(owner)?.name ?? null
}

const cmp = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
const byNode = (a: { node: string | null }, b: { node: string | null }): number => cmp(a.node ?? '\uffff', b.node ?? '\uffff')

function ariNodes (src: Sources, nameOf: (o: string) => string | null): CallStateNode[] {
  const out: CallStateNode[] = []
  for (const it of src.soft.get(CALLSTATE_KIND)) {
    const v = it.value as { ari?: unknown } | null
    out.push({ node: nameOf(it.owner), self: it.owner === src.soft.owner, ari: typeof v === 'object' && v !== null && v.ari === true })
  }
  return out.sort(byNode)
}

export function listDeviceStates (src: Sources, q: { device?: string, limit?: number } = {}): { items: DeviceStateItem[], total: number, truncated: boolean, nodes: CallStateNode[] } {
  const nameOf = namer(src)
  const byDevice = new Map<string, DeviceStateItem['nodes']>()
  for (const it of src.soft.get(DEVSTATE_KIND)) {
    if (q.device !== undefined && it.key !== q.device) continue
    const state = deviceStateValue(it.value)
    if (state === undefined) continue
    let list = byDevice.get(it.key)
    if (list === undefined) byDevice.set(it.key, list = [])
    list.push({ node: nameOf(it.owner), state })
  }
  const all = [...byDevice].map(([device, nodes]) => ({ device, state: combineDeviceStates(nodes.map((n) => n.state)), nodes: nodes.sort(byNode) }))
  all.sort((a, b) => cmp(a.device, b.device))
  const limit = q.limit ?? CALLSTATE_LIMIT
  return { items: all.slice(0, limit), total: all.length, truncated: all.length > limit, nodes: ariNodes(src, nameOf) }
}

export function listChannels (src: Sources, q: { endpoint?: string, limit?: number } = {}): { items: ChannelItem[], total: number, truncated: boolean, nodes: CallStateNode[] } {
  const nameOf = namer(src)
  const byEndpoint = new Map<string, ChannelItem['nodes']>()
  for (const it of src.soft.get(CHANNELS_KIND)) {
    if (q.endpoint !== undefined && it.key !== q.endpoint) continue
    const n = channelCountValue(it.value)
    if (n === undefined || n === 0) continue
    let list = byEndpoint.get(it.key)
    if (list === undefined) byEndpoint.set(it.key, list = [])
    list.push({ node: nameOf(it.owner), channels: n })
  }
  const all = [...byEndpoint].map(([endpoint, nodes]) => ({ endpoint, channels: sumChannels(nodes.map((n) => n.channels)), nodes: nodes.sort(byNode) }))
  all.sort((a, b) => cmp(a.endpoint, b.endpoint))
  const limit = q.limit ?? CALLSTATE_LIMIT
  return { items: all.slice(0, limit), total: all.length, truncated: all.length > limit, nodes: ariNodes(src, nameOf) }
}

function parseQuery (raw: Record<string, unknown>, key: 'device' | 'endpoint'): { device?: string, endpoint?: string, limit?: number } {
  const out: { device?: string, endpoint?: string, limit?: number } = {}
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new FedError('FED_ERR_BAD_QUERY', `Parameter ${k} given more than once`)
    if (k === key) out[key] = v
    else if (k === 'limit') {
      const n = Number(v)
      if (!/^[0-9]+$/.test(v) || n < 1 || n > CALLSTATE_MAX) throw new FedError('FED_ERR_BAD_QUERY', `limit must be an integer from 1 to ${CALLSTATE_MAX}`)
      out.limit = n
    } else throw new FedError('FED_ERR_BAD_QUERY', `Unknown parameter ${JSON.stringify(k)} (${key}, limit)`)
  }
  return out
}

const STATE_ENUM = ['UNKNOWN', 'NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD']
const nodeName = { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'the publishing node (null: not known here)' }
const nodesSchema = {
  type: 'array',
  description: 'nodes that publish call state, and whether their ARI is connected',
  items: { type: 'object', properties: { node: nodeName, self: { type: 'boolean' }, ari: { type: 'boolean' } }, required: ['node', 'self', 'ari'] }
}
const page = (item: Record<string, unknown>): Record<string, unknown> => ({
  type: 'object',
  properties: { items: { type: 'array', items: item }, total: { type: 'integer' }, truncated: { type: 'boolean' }, nodes: nodesSchema },
  required: ['items', 'total', 'truncated', 'nodes']
})

export const DEVICE_STATES_SCHEMA = {
  tags: ['cluster'],
  summary: 'Devices on a call (or ringing, on hold, unknown) anywhere in the cluster',
  description: 'Live call state from every node\'s ARI (docs/asterisk.md, "Live call state"). Devices idle everywhere are not listed.',
  querystring: { type: 'object', properties: { device: { type: 'string' }, limit: { type: 'string', pattern: '^[0-9]+$' } } },
  response: {
    200: page({
      type: 'object',
      properties: {
        device: { type: 'string' },
        state: { type: 'string', enum: STATE_ENUM, description: 'combined over the nodes' },
        nodes: { type: 'array', items: { type: 'object', properties: { node: nodeName, state: { type: 'string', enum: STATE_ENUM } }, required: ['node', 'state'] } }
      },
      required: ['device', 'state', 'nodes']
    })
  }
}

export const CHANNELS_SCHEMA = {
  tags: ['cluster'],
  summary: 'Channels up per trunk endpoint, per node and summed over the cluster',
  description: 'What /route checks trunk and provider maxChannels against (docs/routing.md).',
  querystring: { type: 'object', properties: { endpoint: { type: 'string' }, limit: { type: 'string', pattern: '^[0-9]+$' } } },
  response: {
    200: page({
      type: 'object',
      properties: {
        endpoint: { type: 'string', description: 'trunk id' },
        channels: { type: 'integer' },
        nodes: { type: 'array', items: { type: 'object', properties: { node: nodeName, channels: { type: 'integer' } }, required: ['node', 'channels'] } }
      },
      required: ['endpoint', 'channels', 'nodes']
    })
  }
}

export function callStatePlugin (src: Sources): FastifyPluginAsync {
  return async (app) => {
    app.get('/device-states', { schema: DEVICE_STATES_SCHEMA }, async (req: FastifyRequest) => listDeviceStates(src, parseQuery(req.query as Record<string, unknown>, 'device')))
    app.get('/channels', { schema: CHANNELS_SCHEMA }, async (req: FastifyRequest) => listChannels(src, parseQuery(req.query as Record<string, unknown>, 'endpoint')))
  }
}
