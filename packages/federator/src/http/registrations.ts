/**
 * `GET /api/v1/cluster/registrations` (behind the admin token): which device
 * is registered where. Registrations are soft state — a PJSIP contact or a
 * chan_sip registration published by the node whose Asterisk accepted it and
 * relayed to every node — so any node can list them all. Each item names the
 * node that holds it (from the publisher's swarm key: this node, a node's
 * heartbeat, or its membership record), the device (AOR id or peer name), the
 * contact URI and the expiry. Sorted by node name, then device; filters
 * `node` and `device` are equality; at most `limit` items (`truncated` says
 * when more matched).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { FedError, REGISTRATION_KINDS } from '@federator/core'
import { routingContact } from '@federator/server'
import type { Network } from '@federator/net'
import type { Membership } from '../membership.js'

export const REGISTRATIONS_LIMIT = 1000
export const REGISTRATIONS_MAX = 10_000

export interface RegistrationSources {
  soft: { readonly owner: string, get: (kind: string) => Array<{ owner: string, key: string, value: unknown, expiresAt: number }> }
  membership: Membership
  network: Network | null
  /** this node's name */
  name: string
}

export interface RegistrationItem {
  /** name of the node holding it (null: publisher unknown here) */
  node: string | null
  /** the publishing node's swarm key, 16 hex digits */
  owner: string
  self: boolean
  kind: string
  /** contact id (`<aor>;@<hash>`) or chan_sip peer name */
  id: string
  device: string
  uri: string
  /** ISO 8601 */
  expires: string
}

export interface RegistrationsPage { items: RegistrationItem[], total: number, truncated: boolean }

export function listRegistrations (src: RegistrationSources, q: { node?: string, device?: string, limit?: number } = {}): RegistrationsPage {
  const names = new Map<string, string>()
  for (const n of src.network?.nodes() ?? []) if (typeof n.info.name === 'string') names.set(n.swarmKey, n.info.name)
  const nameOf = (owner: string): string | null => owner === src.soft.owner ? src.name : names.get(owner) ?? src.membership.bySwarmKey(owner)?.name ?? null
  const all: RegistrationItem[] = []
  for (const kind of REGISTRATION_KINDS) {
    for (const it of src.soft.get(kind)) {
      const c = routingContact(kind, it.key, it.owner, it.value, 0)
      if (c === undefined) continue
      const node = nameOf(it.owner)
      if (q.node !== undefined && node !== q.node) continue
      if (q.device !== undefined && c.device !== q.device) continue
      all.push({ node, owner: it.owner.slice(0, 16), self: it.owner === src.soft.owner, kind, id: it.key, device: c.device, uri: c.uri, expires: new Date(c.expires).toISOString() })
    }
  }
  all.sort((a, b) => cmp(a.node ?? '\uffff', b.node ?? '\uffff') || cmp(a.device, b.device) || cmp(a.id, b.id))
  const limit = q.limit ?? REGISTRATIONS_LIMIT
  return { items: all.slice(0, limit), total: all.length, truncated: all.length > limit }
}

const cmp = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

function parseQuery (raw: Record<string, unknown>): { node?: string, device?: string, limit?: number } {
  const out: { node?: string, device?: string, limit?: number } = {}
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new FedError('FED_ERR_BAD_QUERY', `Parameter ${k} given more than once`)
    if (k === 'node' || k === 'device') out[k] = v
    else if (k === 'limit') {
      const n = Number(v)
      if (!/^[0-9]+$/.test(v) || n < 1 || n > REGISTRATIONS_MAX) throw new FedError('FED_ERR_BAD_QUERY', `limit must be an integer from 1 to ${REGISTRATIONS_MAX}`)
      out.limit = n
    } else throw new FedError('FED_ERR_BAD_QUERY', `Unknown parameter ${JSON.stringify(k)} (node, device, limit)`)
  }
  return out
}

export function registrationsPlugin (src: RegistrationSources): FastifyPluginAsync {
  return async (app) => {
    app.get('/', async (req: FastifyRequest) => listRegistrations(src, parseQuery(req.query as Record<string, unknown>)))
  }
}
