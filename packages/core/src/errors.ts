/**
 * The one table of Federator error codes. Every error a caller can act on is a
 * FedError with one of these codes; the HTTP layer maps codes to statuses in
 * one place (server/src/http-errors.ts), tests assert `err.code`.
 */
export const ERRORS = {
  FED_ERR_INVALID_JSON: 'The request body is not valid JSON',
  FED_ERR_VALIDATION: 'The record does not match its schema',
  FED_ERR_UNKNOWN_FIELD: 'The record has a field that its type does not define',
  FED_ERR_UNKNOWN_TYPE: 'Unknown record type',
  FED_ERR_INVALID_ID: 'Invalid record id',
  FED_ERR_ID_MISMATCH: 'The id in the body differs from the id in the URL',
  FED_ERR_NOT_FOUND: 'No such record',
  FED_ERR_EXISTS: 'A record with this id already exists',
  FED_ERR_BAD_CURSOR: 'The pagination cursor is not one this server issued',
  FED_ERR_BAD_QUERY: 'Invalid query parameter',
  FED_ERR_BODY_TOO_LARGE: 'The request body is larger than the limit',
  FED_ERR_UNSUPPORTED_MEDIA: 'Unsupported content type',
  FED_ERR_UNAUTHORIZED: 'Missing or wrong bearer token',
  FED_ERR_FORBIDDEN: 'The token\'s scope does not allow this request (a read-only token writes)',
  FED_ERR_ROUTE_NOT_FOUND: 'No such API route',
  FED_ERR_CLOSED: 'The store is closed',
  FED_ERR_NOT_READY: 'The node is not ready',
  FED_ERR_CONFIG: 'Invalid configuration',
  FED_ERR_JOIN_STRING: 'Invalid cluster join string',
  FED_ERR_CLUSTER_MISMATCH: 'The data directory belongs to another cluster than the one given',
  FED_ERR_CLUSTER_MISSING: 'The data directory was in a cluster but no cluster is recorded or given',
  FED_ERR_PEER_ADDRESS: 'Invalid peer address (expected <public key>@<host>:<port> or <host>:<port>)',
  FED_ERR_IMPORT_LINE: 'An import line could not be imported',
  FED_ERR_BAD_REQUEST: 'The request is malformed',
  FED_ERR_UNKNOWN_TABLE: 'No table definition for this realtime family',
  FED_ERR_TABLE_NOT_EMPTY: 'The table still has rows',
  FED_ERR_READ_ONLY_FIELD: 'This field cannot be changed through this API',
  FED_ERR_REALTIME_REQUEST: 'Malformed realtime request (details.reason says why)',
  FED_ERR_REVOKED: 'This node was revoked: it refuses writes (its new log entries would be ignored everywhere)',
  FED_ERR_DATA_LOCKED: 'The data directory is in use by another process',
  FED_ERR_NAME_TAKEN: 'Another live node of the cluster has this node name',
  FED_ERR_NODE_UNREACHABLE: 'No node answers at the address recorded in the data directory (stopped, or the record is stale)',
  FED_ERR_ARI: 'The local Asterisk\'s ARI refused or failed a request (details: status, body)',
  FED_ERR_AMI: 'The local Asterisk\'s manager interface (AMI) refused or failed an action',
  FED_ERR_INTERNAL: 'Internal error'
} as const

export type ErrorCode = keyof typeof ERRORS

export class FedError extends Error {
  readonly code: ErrorCode
  readonly details: unknown
  constructor (code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code])
    this.name = 'FedError'
    this.code = code
    this.details = details
  }
}

export function isFedError (err: unknown): err is FedError {
  return err instanceof Error && typeof (err as FedError).code === 'string' &&
    (err as FedError).code in ERRORS
}
