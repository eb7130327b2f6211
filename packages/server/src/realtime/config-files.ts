/**
 * Static realtime: whole config files (`queues.conf`, …) stored as `config`
 * records (id = file name, `lines` = its variables in file order) and served
 * as `GET /realtime/static?file=<name>` in the static line format (core
 * static.ts). Files are imported from `.conf` text (core parseConf) through
 * the admin API (configAdminPlugin) and shown back as `.conf` text (confText).
 *
 * A file that is not stored answers an empty body, which Asterisk loads as an
 * empty configuration (a module reload then drops everything the file held):
 * counted and warned as `unknown_config`.
 */
import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { FedError, assertId, encodeStatic, parseConf, type Fields, type StaticLine } from '@federator/core'
import type { Store } from '@federator/store'
import { errors } from '../http/schemas.js'
import { CONFIG_MAX_BYTES } from './tunables.js'

/** The static lines of a config record (defensive: records from peers are not validated here). */
export function configLines (fields: Fields | undefined): StaticLine[] | undefined {
  const lines = fields?.lines
  if (!Array.isArray(lines)) return undefined
  const out: StaticLine[] = []
  for (const l of lines) {
    const x = l as Record<string, unknown> | null
    if (x === null || typeof x !== 'object' || typeof x.category !== 'string' || typeof x.name !== 'string' || typeof x.value !== 'string') continue
    const catMetric = typeof x.catMetric === 'number' ? x.catMetric : 0
    const varMetric = typeof x.varMetric === 'number' ? x.varMetric : 0
    out.push({ category: x.category, name: x.name, value: x.value, catMetric, varMetric })
  }
  return out
}

/** The static answer of a stored file, or undefined when there is none. */
export function staticAnswer (fields: Fields | undefined): string | undefined {
  const lines = configLines(fields)
  return lines === undefined ? undefined : encodeStatic(lines)
}

/** A `.conf` text with the same variables (comments, templates and `+=` are not kept; values are as served). */
export function confText (lines: readonly StaticLine[]): string {
  let out = ''
  let block: string | undefined
  const esc = (s: string): string => s.replace(/;/g, '\\;')
  for (const l of lines) {
    const id = l.category + '\u0000' + String(l.catMetric)
    if (l.name === '#include') {
      if (id !== block && l.category !== '') { out += `${out === '' ? '' : '\n'}[${l.category}]\n`; block = id }
      out += `#include "${l.value}"\n`
      continue
    }
    if (id !== block) { out += `${out === '' ? '' : '\n'}[${l.category}]\n`; block = id }
    out += `${esc(l.name)} = ${esc(l.value)}\n`
  }
  return out
}

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
