/**
 * Durable record types (docs/design.md, "Records and entries") and their JSON schemas (TypeBox).
 *
 * A record is `{ type, id, ...fields }`. Fields are merged one by one
 * (field-level last-writer-wins), so every top-level property is one merge
 * unit: a nested object such as a device's `pjsip` override map is replaced as
 * a whole. Schemas are strict: unknown fields are refused on every local write.
 * Remote entries are not validated against these schemas (a newer node may
 * know more fields); the merge itself is schema-agnostic.
 */
import Type, { type Static, type TSchema } from 'typebox'

export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$'
const Id = Type.String({ pattern: ID_PATTERN, description: 'letters, digits and . _ + - (1–80), starting with a letter or digit' })
const Text = (maxLength = 255) => Type.String({ maxLength })
const Extension = Type.String({ pattern: '^[0-9A-Za-z*#+]{1,32}$', description: 'a dialable number' })
const Codec = Type.String({ pattern: '^[a-z0-9_.-]{1,32}$', description: 'an Asterisk codec name, e.g. ulaw' })
/** Driver-specific Asterisk columns we do not model: column name → value. */
const Overrides = Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), Type.String({ maxLength: 255 }), { additionalProperties: false })
const IpOrCidr = Type.String({ pattern: '^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$', description: 'an IP address or CIDR block' })
const Port = Type.Integer({ minimum: 1, maximum: 65535 })

export const UserFields = {
  name: Text(),
  extensions: Type.Array(Extension, { maxItems: 32, uniqueItems: true }),
  email: Type.Optional(Text()),
  callWaiting: Type.Optional(Type.Boolean({ description: 'false: a device on a call is not rung, and a call while every device is on a call is answered BUSY (default true)' })),
  voicemail: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    mailbox: Type.Optional(Extension),
    context: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$' })),
    pin: Type.Optional(Type.String({ pattern: '^[0-9]{0,20}$' })),
    email: Type.Optional(Text()),
    attach: Type.Optional(Type.Boolean()),
    options: Type.Optional(Overrides)
  }, { additionalProperties: false }))
}

export const DeviceFields = {
  user: Type.Optional(Id),
  description: Type.Optional(Text()),
  username: Type.Optional(Type.String({ pattern: '^[^\\s@;:]{1,80}$', description: 'auth username (default: the device id)' })),
  secret: Type.Optional(Text(128)),
  ha1: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$', description: 'md5(username:realm:password)' })),
  realm: Type.Optional(Text(80)),
  context: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$' })),
  codecs: Type.Optional(Type.Array(Codec, { maxItems: 16, uniqueItems: true })),
  transport: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' })),
  nat: Type.Optional(Type.Boolean()),
  dtmf: Type.Optional(Type.Union([Type.Literal('rfc4733'), Type.Literal('inband'), Type.Literal('info'), Type.Literal('auto'), Type.Literal('auto_info')])),
  maxContacts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  callerId: Type.Optional(Text(128)),
  enabled: Type.Optional(Type.Boolean()),
  pjsip: Type.Optional(Overrides),
  sip: Type.Optional(Overrides)
}

export const TrunkFields = {
  description: Type.Optional(Text()),
  host: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.:_\\[\\]-]{1,253}$' })),
  port: Type.Optional(Port),
  transport: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' })),
  register: Type.Optional(Type.Boolean()),
  username: Type.Optional(Type.String({ pattern: '^[^\\s@;:]{1,80}$' })),
  secret: Type.Optional(Text(128)),
  fromUser: Type.Optional(Text(80)),
  fromDomain: Type.Optional(Text(253)),
  ips: Type.Optional(Type.Array(IpOrCidr, { maxItems: 64, uniqueItems: true })),
  codecs: Type.Optional(Type.Array(Codec, { maxItems: 16, uniqueItems: true })),
  context: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$' })),
  maxChannels: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  nodes: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9._-]{1,80}$' }), { maxItems: 256, uniqueItems: true, description: 'nodes that can use this trunk directly (empty: all)' })),
  enabled: Type.Optional(Type.Boolean()),
  pjsip: Type.Optional(Overrides),
  sip: Type.Optional(Overrides)
}

export const ProviderFields = {
  name: Text(),
  trunks: Type.Array(Id, { minItems: 1, maxItems: 32, description: 'trunk ids, in order of preference' }),
  prefixes: Type.Array(Type.Object({
    prefix: Type.String({ pattern: '^[0-9*#+]{0,32}$', description: 'number prefix ("" matches every number)' }),
    cost: Type.Number({ minimum: 0 })
  }, { additionalProperties: false }), { maxItems: 100000 }),
  priority: Type.Optional(Type.Integer()),
  enabled: Type.Optional(Type.Boolean()),
  maxChannels: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, description: 'most calls up at once over all its trunks, cluster-wide (0 or absent: no limit)' })),
  strip: Type.Optional(Type.Integer({ minimum: 0, maximum: 32 })),
  prepend: Type.Optional(Type.String({ pattern: '^[0-9*#+]{0,32}$' }))
}

export const RouteTarget = Type.Union([
  Type.Object({ kind: Type.Literal('user'), user: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('device'), device: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('trunk'), trunk: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('provider'), provider: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('lcr'), providers: Type.Optional(Type.Array(Id, { maxItems: 256 })) }, { additionalProperties: false })
])
export type RouteTarget = Static<typeof RouteTarget>

export const RouteFields = {
  pattern: Type.String({ pattern: '^(_[0-9A-Za-z*#+\\[\\]\\-.!]{1,80}|[0-9A-Za-z*#+]{1,80})$', description: 'Asterisk pattern (_X.) or a literal number/prefix' }),
  context: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$', description: 'only for calls from this context (default: any)' })),
  target: RouteTarget,
  priority: Type.Optional(Type.Integer()),
  strip: Type.Optional(Type.Integer({ minimum: 0, maximum: 32 })),
  prepend: Type.Optional(Type.String({ pattern: '^[0-9*#+]{0,32}$' })),
  enabled: Type.Optional(Type.Boolean())
}

/** A generic realtime table: which columns form its key. */
export const TableFields = {
  keys: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), { minItems: 1, maxItems: 8, uniqueItems: true }),
  description: Type.Optional(Text())
}

/** One row of a generic realtime table (queues, queue_members, extensions…). */
export const RowFields = {
  family: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
  columns: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), Type.String({ maxLength: 4096 }), { additionalProperties: false })
}

/**
 * A static realtime config file (`queues.conf`, …), keyed by its file name:
 * its variables in file order, as Asterisk reads them from
 * `GET /realtime/static?file=<name>` (core realtime/static.ts, conf.ts). The
 * whole list is one merge unit, so a file is always replaced as a whole.
 */
export const ConfigFields = {
  lines: Type.Array(Type.Object({
    category: Type.String({ maxLength: 255 }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    value: Type.String({ maxLength: 4096 }),
    catMetric: Type.Integer({ minimum: 0 }),
    varMetric: Type.Integer({ minimum: 0 })
  }, { additionalProperties: false }), { maxItems: 50000 }),
  description: Type.Optional(Text())
}

/**
 * A cluster member, keyed by its writer key (64 hex). Each node writes its own
 * record when it starts; an admin revokes a node by setting `revoked`: entries
 * of that writer at log positions >= `revoked.length` are ignored everywhere,
 * and its swarm key is refused at connect.
 */
export const NodeFields = {
  name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,80}$' }),
  swarmKey: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  sipAddress: Type.Optional(Type.String({ maxLength: 255, description: 'host[:port] where this node\'s Asterisk takes inter-node calls' })),
  version: Type.Optional(Text(40)),
  revoked: Type.Optional(Type.Object({
    length: Type.Integer({ minimum: 0, description: 'entries of this writer at positions >= length are ignored' }),
    at: Type.String({ maxLength: 40 }),
    reason: Type.Optional(Text())
  }, { additionalProperties: false }))
}

/**
 * An admin API credential, replicated like any record so that one token works
 * on every node (core tokens.ts). It holds only the SHA-256 of the token's
 * secret, never the secret. `read` tokens may only read (GET); `admin` tokens
 * may do everything. Revoking a token deletes its record.
 */
export const TokenFields = {
  name: Type.String({ minLength: 1, maxLength: 80, description: 'what or who the token is for' }),
  scope: Type.Union([Type.Literal('read'), Type.Literal('admin')], { description: 'read: GET requests only; admin: everything' }),
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the token\'s secret (hex)' }),
  created: Type.String({ maxLength: 40, description: 'ISO 8601 time of creation' }),
  createdBy: Type.Optional(Type.String({ maxLength: 80, description: 'the token that created it (its id, or "local")' }))
}

export const RECORD_FIELDS = {
  user: UserFields,
  device: DeviceFields,
  trunk: TrunkFields,
  provider: ProviderFields,
  route: RouteFields,
  table: TableFields,
  row: RowFields,
  node: NodeFields,
  config: ConfigFields,
  token: TokenFields
} as const

export type RecordType = keyof typeof RECORD_FIELDS
/** Every record type the store keeps (the data types and `token`). */
export const ALL_RECORD_TYPES = Object.keys(RECORD_FIELDS) as RecordType[]
/**
 * The record types of the data model: the admin API's generic collections,
 * import and export. Not `token`: admin credentials are served by
 * /api/v1/tokens only, never imported nor exported.
 */
export const RECORD_TYPES = ALL_RECORD_TYPES.filter((t) => t !== 'token')

export function isRecordType (x: unknown): x is RecordType {
  return typeof x === 'string' && Object.hasOwn(RECORD_FIELDS, x)
}

function objectOf<P extends Record<string, TSchema>> (props: P) {
  return Type.Object(props, { additionalProperties: false })
}

/** Full schemas of the fields (without `type` and `id`). */
export const RECORD_SCHEMAS = {
  user: objectOf(UserFields),
  device: objectOf(DeviceFields),
  trunk: objectOf(TrunkFields),
  provider: objectOf(ProviderFields),
  route: objectOf(RouteFields),
  table: objectOf(TableFields),
  row: objectOf(RowFields),
  node: objectOf(NodeFields),
  config: objectOf(ConfigFields),
  token: objectOf(TokenFields)
}

export type UserRecord = Static<typeof RECORD_SCHEMAS.user>
export type DeviceRecord = Static<typeof RECORD_SCHEMAS.device>
export type TrunkRecord = Static<typeof RECORD_SCHEMAS.trunk>
export type ProviderRecord = Static<typeof RECORD_SCHEMAS.provider>
export type RouteRecord = Static<typeof RECORD_SCHEMAS.route>
export type TableRecord = Static<typeof RECORD_SCHEMAS.table>
export type RowRecord = Static<typeof RECORD_SCHEMAS.row>
export type NodeRecord = Static<typeof RECORD_SCHEMAS.node>
export type ConfigRecord = Static<typeof RECORD_SCHEMAS.config>
export type TokenRecord = Static<typeof RECORD_SCHEMAS.token>

export interface RecordFieldsByType {
  user: UserRecord
  device: DeviceRecord
  trunk: TrunkRecord
  provider: ProviderRecord
  route: RouteRecord
  table: TableRecord
  row: RowRecord
  node: NodeRecord
  config: ConfigRecord
  token: TokenRecord
}

/** The REST collection name of each type (`/api/v1/<plural>`). */
export const PLURAL: Record<RecordType, string> = {
  user: 'users',
  device: 'devices',
  trunk: 'trunks',
  provider: 'providers',
  route: 'routes',
  table: 'tables',
  row: 'rows',
  node: 'nodes',
  config: 'configs',
  token: 'tokens'
}

/** Fields that can never be unset (required by the schema). */
export function requiredFields (type: RecordType): string[] {
  return (RECORD_SCHEMAS[type] as { required?: string[] }).required ?? []
}
