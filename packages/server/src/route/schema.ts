/**
 * The OpenAPI description of `GET|POST /route` (served at /docs). It only
 * documents: the plugin parses the raw query and body itself (params.ts, the
 * way res_config_curl's peer expects) and turns bad input into
 * `status=INVALID`, so Fastify's validation is switched off for this route
 * (`noValidation`) and the answers are strings the encoders built, which no
 * response schema re-serializes.
 */
import Type from 'typebox'

const REASONS = [
  'user', 'route', 'hop', 'no-match', 'target-missing', 'no-provider', 'no-device', 'not-registered', 'nodes-down',
  'no-sip-address', 'all-busy', 'trunks-unavailable', 'invalid-exten', 'invalid-param', 'unknown-node', 'starting', 'internal'
]

const query = Type.Object({
  exten: Type.String({ description: 'the dialled number (required): 1–80 of 0-9 A-Z a-z * # +; - allowed and ignored' }),
  from: Type.Optional(Type.String({ description: 'the calling endpoint; informational (shown in the trace)' })),
  context: Type.Optional(Type.String({ description: 'the caller\'s dialplan context: selects context-scoped routes; the inbound context (default federator-inbound) marks a call handed over by another node' })),
  node: Type.Optional(Type.String({ description: 'decide as this node (id or name) instead of the answering one' })),
  tech: Type.Optional(Type.String({ enum: ['pjsip', 'sip'], description: 'overrides the node\'s driver' })),
  format: Type.Optional(Type.String({ enum: ['hashcompat', 'plain', 'json'], description: 'answer format (default hashcompat, or JSON when Accept ranks application/json above text/plain)' }))
}, { additionalProperties: true })

const text = (description: string, example: string): Record<string, unknown> => ({ type: 'string', description, examples: [example] })

const json = Type.Object({
  status: Type.String({ enum: ['OK', 'NOTFOUND', 'BUSY', 'UNAVAILABLE', 'CONGESTION', 'INVALID', 'ERROR'] }),
  reason: Type.String({ enum: REASONS, description: 'machine-readable reason (docs/routing.md, §7)' }),
  exten: Type.String(),
  node: Type.Optional(Type.String({ description: 'the node that decided' })),
  matched: Type.Optional(Type.Object({ kind: Type.String(), id: Type.String() }, { additionalProperties: true })),
  alternatives: Type.Optional(Type.Array(Type.Object({
    dial: Type.String({ description: 'the Dial() target(s), legs joined by &' }),
    timeout: Type.Number({ description: 'ring timeout, seconds' }),
    kind: Type.String(),
    legs: Type.Array(Type.Object({}, { additionalProperties: true }))
  }, { additionalProperties: true }))),
  cause: Type.Optional(Type.Integer({ description: 'Q.850 cause on failures, for Hangup()' })),
  why: Type.Optional(Type.Array(Type.String(), { description: 'the decision\'s trace, step by step' }))
}, { additionalProperties: true })

export const ROUTE_SCHEMA = {
  tags: ['routing'],
  summary: 'The routing answer for the dialplan\'s CURL(): where to send a call now',
  description: 'Parameters come from the query string and, for POST, the form body (application/x-www-form-urlencoded, as CURL(url,postdata) sends it), merged; `+` stays a plus. ' +
    'No token (like /realtime). Always HTTP 200 — bad input is `status=INVALID`, a fault `status=ERROR`, a node still building its snapshot after a start `status=CONGESTION reason=starting`. See docs/routing.md.',
  querystring: query,
  response: {
    200: {
      description: 'hashcompat (default): one `key=value&…` line for HASH(); plain: the first dial string or an empty body; json: the decision with its trace',
      content: {
        'text/plain': {
          schema: text('hashcompat: status, dial/timeout, dial2/timeout2, …, count, reason, cause on failures; or plain: a dial string',
            'status=OK&dial=PJSIP%2Falice-desk%26PJSIP%2F100%40fed-b&timeout=30&count=1&reason=user')
        },
        'application/json': { schema: json }
      }
    }
  }
}

/** Accept whatever comes: the route handler checks its input itself and answers INVALID. */
export const noValidation = (): ((data: unknown) => boolean) => () => true
