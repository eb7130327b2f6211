/**
 * `POST /api/v1/import` (NDJSON stream in, summary out) and
 * `GET /api/v1/export` (NDJSON stream out). The import route lives in its own
 * context whose only body parser hands the raw request stream over
 * (`application/x-ndjson`), so the body is never buffered and no other
 * content type reaches it (415).
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { FedError, RECORD_TYPES } from '@federator/core'
import { exportNdjson, importNdjson, parseTypes } from './import-export.js'
import { errors } from '../../http/schemas.js'
import type { AdminContext } from '../context.js'

export const NDJSON = 'application/x-ndjson'

const ImportResultSchema = Type.Object({
  imported: Type.Integer({ description: 'lines written (or, with dryRun, that would be)' }),
  failed: Type.Integer({ description: 'lines refused; the CLI exits non-zero when > 0' }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), code: Type.String(), message: Type.String() })),
  omittedErrors: Type.Integer({ description: 'failures not listed in errors' }),
  dryRun: Type.Optional(Type.Boolean())
})

export function bulkPlugin (ctx: AdminContext): FastifyPluginAsync {
  const { store, limits, log } = ctx
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>()

    await app.register(async (child) => {
      child.removeAllContentTypeParsers()
      child.addContentTypeParser(NDJSON, (_req, payload, done) => { done(null, payload) })
      child.post('/import', {
        // the body is the raw stream: its schema only documents it
        validatorCompiler: (def) => def.httpPart === 'body' ? () => true : TypeBoxValidatorCompiler(def),
        schema: {
          tags: ['bulk'],
          summary: 'Import records: an NDJSON stream of { "type", "id", ...fields }, each an upsert; bad lines are reported and skipped',
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean({ description: 'validate only, write nothing' })) }, { additionalProperties: false }),
          body: { content: { [NDJSON]: { schema: { type: 'string', description: 'one record a line: { "type": "device", "id": "d1", ...fields }' } } } },
          response: { 200: ImportResultSchema, ...errors(400, 413, 415, 503) }
        }
      }, async (req: FastifyRequest) => {
        const body = req.body as unknown
        if (!(body instanceof Readable)) throw new FedError('FED_ERR_UNSUPPORTED_MEDIA', `The import takes an ${NDJSON} body`)
        const declared = Number(req.headers['content-length'])
        if (Number.isFinite(declared) && declared > limits.importMaxBytes) {
          throw new FedError('FED_ERR_BODY_TOO_LARGE', `The import is larger than ${limits.importMaxBytes} bytes`)
        }
        const dryRun = (req.query as { dryRun?: boolean }).dryRun === true
        const start = Date.now()
        const result = await importNdjson(store, body, {
          dryRun,
          chunk: limits.importChunk,
          inFlight: limits.importInFlight,
          maxLine: limits.importMaxLine,
          maxBytes: limits.importMaxBytes,
          maxErrors: limits.importMaxErrors
        })
        log.info({ imported: result.imported, failed: result.failed, dryRun, ms: Date.now() - start }, 'import done')
        return result
      })
    })

    app.get('/export', {
      schema: {
        tags: ['bulk'],
        summary: 'Export records as NDJSON (the import format)',
        querystring: Type.Object({ types: Type.Optional(Type.String({ description: `comma-separated record types of ${RECORD_TYPES.join(',')} (default: all but node)` })) }, { additionalProperties: false }),
        produces: [NDJSON],
        response: { 200: { type: 'string', description: 'one record a line' }, ...errors(400) }
      }
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const types = parseTypes((req.query as { types?: string }).types)
      const stream = Readable.from(exportNdjson(store, types, limits.exportChunkBytes))
      stream.on('error', (err) => { log.error({ err }, 'export failed in the middle of the stream') })
      return reply.type(NDJSON).send(stream)
    })
  }
}
