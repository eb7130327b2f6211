/**
 * The `.conf` text routes of the config files (`config` records, the files of
 * static realtime: realtime/static-answer.ts), inside /api/v1/configs.
 */
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { FedError, assertId, parseConf, type Fields } from '@federator/core'
import type { Store } from '../ports.js'
import { errors } from '../http/schemas.js'
import { configLines, confText } from '../realtime/config-lines.js'
import { CONFIG_MAX_BYTES } from '../realtime/tunables.js'

/** Where configAdminPlugin goes inside /api/v1. */
export const CONFIGS_PREFIX = '/configs'

function summary (id: string, fields: Fields): Record<string, unknown> {
  const lines = configLines(fields) ?? []
  const out: Record<string, unknown> = { id, lines: lines.length, categories: new Set(lines.map((l) => l.category + '\u0000' + String(l.catMetric))).size }
  if (typeof fields.description === 'string') out.description = fields.description
  return out
}

const NameParams = Type.Object({ name: Type.String({ description: 'the file name, e.g. queues.conf' }) })
const TAG = 'configs'

/**
 * The `.conf` text routes of the config files, inside /api/v1/configs (the
 * generic collection there lists, reads as JSON, patches and deletes them):
 * GET /:name/conf (the file as `.conf` text) and PUT /:name/conf (store or
 * replace it from `.conf` text, text/plain; answers a summary and the
 * parser's warnings).
 */
export function configAdminPlugin (store: Store, maxBytes = CONFIG_MAX_BYTES): FastifyPluginAsync {
  return async (app) => {
    app.removeContentTypeParser('text/plain')
    app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: maxBytes }, (_req, body, done) => { done(null, body) })

    app.get('/:name/conf', {
      schema: { tags: [TAG], summary: 'A stored config file as .conf text', params: NameParams, response: { ...errors(400, 404) } }
    }, async (req, reply) => {
      const { name } = req.params as { name: string }
      assertId('config', name)
      const fields = await store.get('config', name)
      if (fields === undefined) throw new FedError('FED_ERR_NOT_FOUND', `No config file ${name}`)
      void reply.type('text/plain; charset=utf-8')
      return confText(configLines(fields) ?? [])
    })

    app.put('/:name/conf', {
      schema: {
        tags: [TAG], summary: 'Store (or replace) a config file from its .conf text (text/plain)',
        params: NameParams, querystring: Type.Object({ description: Type.Optional(Type.String({ maxLength: 255 })) }),
        response: { ...errors(400, 413, 415) }
      }
    }, async (req, reply) => {
      const { name } = req.params as { name: string }
      assertId('config', name)
      if (typeof req.body !== 'string') throw new FedError('FED_ERR_UNSUPPORTED_MEDIA', 'Send the .conf file as text/plain')
      const { lines, warnings } = parseConf(req.body, name)
      const fields: Record<string, unknown> = { lines }
      const description = (req.query as { description?: string }).description
      if (description !== undefined) fields.description = description
      const r = await store.write({ op: 'replace', type: 'config', id: name, fields })
      void reply.code(r.created ? 201 : 200)
      return { ...summary(name, (r.fields ?? fields) as Fields), warnings }
    })
  }
}
