/**
 * The status web UI at `/ui`: plain HTML, CSS and ES modules from
 * `packages/server/ui/` (committed as written: no build step), read into
 * memory once when the plugin registers and served without a token. They hold
 * no data: the page asks for the admin token, keeps it in the tab's
 * sessionStorage and sends it as `Authorization: Bearer` on every fetch to the
 * admin API (/api/v1, same auth as any client) — and to the open `/route`.
 * Only the files found at start are served (a fixed map: no path from the URL
 * ever reaches the file system); every answer carries a strict
 * Content-Security-Policy (scripts and fetches from this origin only). A node
 * whose UI files are missing still starts: it logs a warning and /ui answers
 * 404 saying so.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { FedError } from '@federator/core'

export const UI_PREFIX = '/ui'
/** the UI's files: packages/server/ui (same place from src/ui and dist/ui) */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url))
/** files larger than this are not served (the UI is a few small files) */
export const UI_MAX_FILE_BYTES = 1024 * 1024

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}

const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

interface Asset { body: Buffer, type: string }

/** Every servable file under `dir`, by its URL path relative to it ('index.html', 'js/app.js'). */
export function loadAssets (dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>()
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue
      const p = join(d, name)
      const st = statSync(p)
      if (st.isDirectory()) { walk(p); continue }
      const type = TYPES[extname(name)]
      if (type === undefined || st.size > UI_MAX_FILE_BYTES) continue
      out.set(relative(dir, p).split(sep).join('/'), { body: readFileSync(p), type })
    }
  }
  walk(dir)
  if (!out.has('index.html')) throw new FedError('FED_ERR_CONFIG', `The web UI's files are missing: no index.html in ${dir}`)
  return out
}

export interface UiOptions {
  /** where the files are (default UI_DIR) */
  dir?: string
}

export function uiPlugin (o: UiOptions = {}): FastifyPluginAsync<{ log?: Logger }> {
  return async (app, opts) => {
    let assets: Map<string, Asset>
    try {
      assets = loadAssets(o.dir ?? UI_DIR)
    } catch (err) {
      // a node without its UI files still serves Asterisk and the API: /ui says what is missing
      const message = `The web UI is not available on this node: ${(err as Error).message}`
      opts.log?.warn({ err }, message)
      const missing = async (): Promise<never> => { throw new FedError('FED_ERR_ROUTE_NOT_FOUND', message) }
      app.get('/', { schema: { hide: true } }, missing)
      app.get('/*', { schema: { hide: true } }, missing)
      return
    }
    const send = (reply: FastifyReply, a: Asset): Buffer => {
      void reply.headers(HEADERS).type(a.type)
      return a.body
    }
    const index = assets.get('index.html')!
    app.get('/', { schema: { hide: true } }, async (_req, reply) => send(reply, index))
    app.get('/*', { schema: { hide: true } }, async (req: FastifyRequest, reply) => {
      const path = (req.params as { '*': string })['*']
      const a = assets.get(path)
      if (a === undefined) throw new FedError('FED_ERR_ROUTE_NOT_FOUND', `No UI file ${JSON.stringify(path)}`)
      return send(reply, a)
    })
  }
}
