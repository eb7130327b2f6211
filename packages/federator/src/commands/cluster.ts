/** `federator revoke <node>` and `federator bootstrap`: cluster administration from the command line. */
import { FedError } from '@federator/core'
import { runBootstrap } from '@federator/net'
import { call, type Target } from '../client.js'

interface NodeJson { id: string, name?: string, revoked?: unknown }

/** Resolve a node by name, writer key or key prefix through the node's API, then revoke it. */
export async function revokeNode (t: Target, ref: string, opts: { reason?: string, length?: number }): Promise<NodeJson> {
  const nodes: NodeJson[] = []
  let cursor: string | undefined
  do {
    const res = await call(t, '/api/v1/nodes?limit=1000' + (cursor !== undefined ? '&cursor=' + encodeURIComponent(cursor) : ''))
    const page = await res.json() as { items: NodeJson[], nextCursor?: string | null }
    nodes.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  const matches = nodes.filter((n) => n.id === ref || n.name === ref || (ref.length >= 8 && n.id.startsWith(ref)))
  if (matches.length === 0) throw new FedError('FED_ERR_NOT_FOUND', `no node named or keyed ${JSON.stringify(ref)} (known: ${nodes.map((n) => n.name ?? n.id.slice(0, 16)).join(', ') || 'none'})`)
  if (matches.length > 1) throw new FedError('FED_ERR_VALIDATION', `${JSON.stringify(ref)} matches ${matches.length} nodes: give the writer key (${matches.map((n) => n.id.slice(0, 16)).join(', ')})`)
  const body: Record<string, unknown> = {}
  if (opts.reason !== undefined) body.reason = opts.reason
  if (opts.length !== undefined) body.length = opts.length
  const res = await call(t, `/api/v1/nodes/${matches[0]!.id}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return await res.json() as NodeJson
}

/** Run a DHT bootstrap node until SIGINT/SIGTERM. */
export async function runBootstrapNode (host: string, port: number): Promise<void> {
  const node = await runBootstrap({ host, port })
  process.stdout.write(`bootstrap node listening on ${node.address.host}:${node.address.port} (give nodes --bootstrap ${node.address.host}:${node.address.port})\n`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await node.close()
}
