/**
 * Generated inter-node trunks: for every peer node that is not dead and has a
 * SIP address, the realtime rows Asterisk needs to send calls to it and to
 * accept calls from it, with no hand-written configuration:
 *
 *   ps_endpoints        `fed-<name>` in the inbound context, codecs, no direct media,
 *                       a fixed From user (the caller id travels in P-Asserted-Identity)
 *   ps_aors             the same id, a static contact `sip:<host>:<port>`
 *   ps_endpoint_id_ips  identifies calls from the peer's address as that endpoint
 *   sippeers            the chan_sip equivalent (type=peer, insecure=port,invite)
 *
 * They follow membership: a node that dies (or loses its address) drops out
 * of the list, a node that joins appears. Calls from any peer land in the
 * same inbound context, where the route decision only uses local
 * registrations and local trunks (see dialstring.ts for the hop extensions),
 * so it does not matter which peer endpoint identified an incoming call —
 * several nodes behind one IP (a test on loopback) still work.
 *
 * The From user of a call to a peer is fixed to `DEFAULT_INTERNODE_FROM_USER`,
 * which can never be a record id (it holds `~`): the receiving Asterisk must
 * identify the call by the sender's IP, and both stacks try the From user
 * first in some setups — chan_sip always looks the From user up among its
 * `type=friend` peers (every device) before matching peers by address, and
 * PJSIP does when `endpoint_identifier_order` puts `username` before `ip`. A
 * caller id naming a device of the receiving node (a device called `100`,
 * the caller's extension `100`) would otherwise make that node challenge the
 * call as coming from its own device (401: the call fails). The caller id
 * still reaches the other side, in P-Asserted-Identity (`send_pai`,
 * `sendrpid=pai`), which the peer trusts (`trust_id_inbound`, `trustrpid`).
 *
 * Names come from `interNodeEndpoint()` (dialstring.ts), which the route
 * decision uses too.
 */
import { interNodeEndpoint, isDialSafe } from './dialstring.js'
import { DEFAULT_INBOUND_CONTEXT, INTERNODE_ENDPOINT_PREFIX, type NodeState, type RoutingNode, type RoutingSnapshot } from './types.js'

export type RoutingRow = Record<string, string>

export const DEFAULT_SIP_PORT = 5060
export const DEFAULT_INTERNODE_CODECS: readonly string[] = ['ulaw', 'alaw', 'g722']
/** From user of inter-node calls: never a device or trunk id (ids cannot hold `~`), so never taken for one */
export const DEFAULT_INTERNODE_FROM_USER = 'federator~node'
export const INTERNODE_FAMILIES = ['ps_endpoints', 'ps_aors', 'ps_endpoint_id_ips', 'sippeers'] as const
export type InterNodeFamily = typeof INTERNODE_FAMILIES[number]

export interface SipAddress {
  /** host name or IP address (IPv6 without brackets) */
  readonly host: string
  readonly port: number
  readonly ipv6: boolean
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/

/** Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address, with an optional `sip:`. */
export function parseSipAddress (s: string | undefined, defaultPort = DEFAULT_SIP_PORT): SipAddress | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length > 255) return undefined
  let rest = s.startsWith('sip:') ? s.slice(4) : s
  let port = defaultPort
  const portOf = (p: string): number | undefined => /^[0-9]{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535 ? Number(p) : undefined
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']')
    if (end < 0) return undefined
    const after = rest.slice(end + 1)
    if (after !== '') {
      if (!after.startsWith(':')) return undefined
      const p = portOf(after.slice(1))
      if (p === undefined) return undefined
      port = p
    }
    rest = rest.slice(1, end)
    return IPV6.test(rest) && rest.includes(':') ? { host: rest, port, ipv6: true } : undefined
  }
  const colons = rest.split(':').length - 1
  if (colons > 1) return IPV6.test(rest) ? { host: rest, port, ipv6: true } : undefined
  if (colons === 1) {
    const i = rest.indexOf(':')
    const p = portOf(rest.slice(i + 1))
    if (p === undefined) return undefined
    port = p
    rest = rest.slice(0, i)
  }
  return HOSTNAME.test(rest) ? { host: rest, port, ipv6: false } : undefined
}

export const sipHostPort = (a: SipAddress): string => (a.ipv6 ? `[${a.host}]` : a.host) + ':' + String(a.port)

export interface InterNodeOptions {
  /** context calls from peers land in (default `federator-inbound`) */
  inboundContext?: string
  /** endpoint name prefix (default `fed-`) */
  endpointPrefix?: string
  codecs?: readonly string[]
  /** PJSIP transport object name (ps_endpoints.transport) */
  pjsipTransport?: string
  /** chan_sip transport (sippeers.transport): udp, tcp, tls */
  sipTransport?: string
  /** From user of calls to peers (default DEFAULT_INTERNODE_FROM_USER; must not be a record id) */
  fromUser?: string
  /** PJSIP OPTIONS qualify interval in seconds (0: off — membership already tracks liveness) */
  qualifyFrequency?: number
  defaultPort?: number
}

export interface InterNodeTrunk {
  /** node id (writer key) */
  readonly node: string
  readonly name: string
  readonly state: NodeState
  /** PJSIP endpoint / AOR / identify id and chan_sip peer name */
  readonly endpoint: string
  readonly address: SipAddress
  readonly rows: Readonly<Record<InterNodeFamily, RoutingRow>>
}

export interface InterNodeResult {
  /** sorted by endpoint name */
  readonly trunks: readonly InterNodeTrunk[]
  /** peers left out, with the reason (not dead ones: those are simply absent) */
  readonly skipped: ReadonlyArray<{ node: string, name: string, reason: string }>
}

/** Resolves a node's inter-node endpoint name, or `undefined` when it cannot be reached that way. */
export function reachableEndpoint (node: RoutingNode, prefix: string): string | undefined {
  if (node.state === 'dead' || parseSipAddress(node.sipAddress) === undefined) return undefined
  const ep = interNodeEndpoint(node.name, prefix)
  return isDialSafe(ep) ? ep : undefined
}

export function interNodeTrunks (nodes: Iterable<RoutingNode>, opts: InterNodeOptions = {}): InterNodeResult {
  const context = opts.inboundContext ?? DEFAULT_INBOUND_CONTEXT
  const prefix = opts.endpointPrefix ?? INTERNODE_ENDPOINT_PREFIX
  const allow = (opts.codecs ?? DEFAULT_INTERNODE_CODECS).join(',')
  const fromUser = opts.fromUser ?? DEFAULT_INTERNODE_FROM_USER
  const trunks: InterNodeTrunk[] = []
  const skipped: Array<{ node: string, name: string, reason: string }> = []
  const taken = new Map<string, string>()
  for (const n of nodes) {
    if (n.self || n.state === 'dead') continue
    const address = parseSipAddress(n.sipAddress, opts.defaultPort)
    const endpoint = interNodeEndpoint(n.name, prefix)
    if (address === undefined) { skipped.push({ node: n.id, name: n.name, reason: 'no usable sipAddress' }); continue }
    if (!isDialSafe(endpoint)) { skipped.push({ node: n.id, name: n.name, reason: 'name not usable as an endpoint id' }); continue }
    const holder = taken.get(endpoint)
    if (holder !== undefined) {
      skipped.push({ node: n.id, name: n.name, reason: `name already used by node ${holder}` })
      continue
    }
    taken.set(endpoint, n.id)
    const endpointRow: RoutingRow = {
      id: endpoint,
      aors: endpoint,
      context,
      disallow: 'all',
      allow,
      direct_media: 'no',
      dtmf_mode: 'rfc4733',
      trust_id_inbound: 'yes',
      trust_id_outbound: 'yes',
      send_pai: 'yes',
      from_user: fromUser,
      ...(opts.pjsipTransport !== undefined ? { transport: opts.pjsipTransport } : {})
    }
    const rows: Record<InterNodeFamily, RoutingRow> = {
      ps_endpoints: endpointRow,
      ps_aors: { id: endpoint, contact: `sip:${sipHostPort(address)}`, qualify_frequency: String(opts.qualifyFrequency ?? 0) },
      ps_endpoint_id_ips: { id: endpoint, endpoint, match: address.host },
      sippeers: {
        name: endpoint,
        type: 'peer',
        host: address.host,
        port: String(address.port),
        context,
        insecure: 'port,invite',
        disallow: 'all',
        allow,
        dtmfmode: 'rfc2833',
        directmedia: 'no',
        qualify: 'no',
        trustrpid: 'yes',
        sendrpid: 'pai',
        fromuser: fromUser,
        ...(opts.sipTransport !== undefined ? { transport: opts.sipTransport } : {})
      }
    }
    trunks.push({ node: n.id, name: n.name, state: n.state, endpoint, address, rows })
  }
  // when two nodes share a name, the one met first keeps it; make that deterministic
  trunks.sort((a, b) => a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0)
  return { trunks, skipped }
}

/** The inter-node trunks of a routing snapshot, with its inbound context and endpoint prefix. */
export function interNodeTrunksOf (snap: RoutingSnapshot, opts: Omit<InterNodeOptions, 'inboundContext' | 'endpointPrefix'> = {}): InterNodeResult {
  const nodes = [...snap.nodes()].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  return interNodeTrunks(nodes, { ...opts, inboundContext: snap.settings.inboundContext, endpointPrefix: snap.settings.endpointPrefix })
}

/** The rows of one realtime family, e.g. for a `/realtime/ps_aors/multi` answer. */
export function interNodeRows (result: InterNodeResult, family: InterNodeFamily): RoutingRow[] {
  return result.trunks.map((t) => t.rows[family])
}
