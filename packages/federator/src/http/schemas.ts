/**
 * OpenAPI descriptions of `GET /api/v1/cluster` and `GET /metrics` (served at
 * /docs). The cluster status is sent as JSON text the handler builds, so the
 * response schema documents it and never filters it (a serializer compiled
 * from it would drop what the schema does not list); every object allows
 * more properties, so a field added later is no breaking change.
 * test/openapi.test.ts checks a live answer against this schema.
 */
type Schema = Record<string, unknown>

const open = (properties: Record<string, Schema>, description?: string): Schema =>
  ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: true, ...(description !== undefined ? { description } : {}) })
const nullable = (t: Schema): Schema => ({ anyOf: [t, { type: 'null' }] })
const Type = {
  String: (o: Schema = {}): Schema => ({ type: 'string', ...o }),
  Integer: (o: Schema = {}): Schema => ({ type: 'integer', ...o }),
  Number: (o: Schema = {}): Schema => ({ type: 'number', ...o }),
  Boolean: (o: Schema = {}): Schema => ({ type: 'boolean', ...o }),
  Unknown: (o: Schema = {}): Schema => ({ ...o }),
  Array: (items: Schema): Schema => ({ type: 'array', items }),
  Record: (_k: Schema, v: Schema, o: Schema = {}): Schema => ({ type: 'object', additionalProperties: v, ...o })
}

const writer = open({
  key: Type.String({ description: 'writer (log) key, hex' }),
  name: nullable(Type.String()),
  local: Type.Boolean({ description: 'this node\'s own log' }),
  length: Type.Integer({ description: 'blocks held locally' }),
  applied: Type.Integer({ description: 'blocks applied to the view' }),
  remoteMax: Type.Integer({ description: 'longest length known (local or announced by a peer)' }),
  lagEntries: Type.Integer(),
  lagMs: Type.Number(),
  quarantined: Type.Integer(),
  revoked: Type.Boolean()
})

const node = open({
  name: nullable(Type.String()),
  writer: nullable(Type.String()),
  swarmKey: nullable(Type.String()),
  state: Type.String({ description: 'alive, suspect, dead or unknown' }),
  self: Type.Boolean(),
  restarting: Type.Boolean({ description: 'stopped cleanly and said it would be back: suspect, still routed to' }),
  lastSeenAgoMs: nullable(Type.Number()),
  sipAddress: nullable(Type.String({ description: 'where its Asterisk takes inter-node calls; null: started without --sip-address' })),
  version: nullable(Type.String()),
  load: nullable(Type.Unknown({ description: 'load averages (1, 5, 15 min)' })),
  uptime: nullable(Type.Number()),
  revoked: Type.Boolean(),
  viewHash: nullable(Type.String({ description: 'the node\'s merged view hash: equal hashes, equal views' })),
  nameTaken: Type.Boolean({ description: 'another live node holds this name: this one is refused' })
})

export const CLUSTER_SCHEMA = {
  tags: ['cluster'],
  summary: 'This node\'s view of the cluster: view hash, records, writers and their lag, nodes, peers',
  description: 'The same data as `federator status` and /metrics. See docs/federation.md.',
  response: {
    200: open({
      node: open({
        name: Type.String(),
        writer: Type.String(),
        swarmKey: nullable(Type.String()),
        version: Type.String(),
        cluster: nullable(Type.String({ description: 'cluster id; null when not in a cluster' })),
        uptime: Type.Number({ description: 'seconds' })
      }),
      viewHash: Type.String(),
      records: Type.Record(Type.String(), Type.Integer(), { description: 'live records by type' }),
      conflicts: Type.Integer(),
      quarantined: Type.Integer(),
      writers: Type.Array(writer),
      nodes: Type.Array(node),
      nameClashes: Type.Array(open({ name: Type.String(), holder: Type.String(), refused: Type.Array(Type.String()) })),
      peers: Type.Array(open({})),
      network: open({ enabled: Type.Boolean() }, 'discovery, counters and soft state when in a cluster; { enabled: false } otherwise')
    })
  }
}

export const METRICS_SCHEMA = {
  tags: ['health'],
  summary: 'Prometheus metrics: view hash, records, writers and lag, nodes by state, peers, routing and realtime counters',
  description: 'Text exposition format 0.0.4; no token (like /healthz). See docs/federation.md.',
  response: {
    200: {
      description: 'Prometheus text exposition',
      content: { 'text/plain': { schema: { type: 'string', examples: ['# TYPE federator_nodes gauge\nfederator_nodes{state="alive"} 3\n'] } } }
    }
  }
}
