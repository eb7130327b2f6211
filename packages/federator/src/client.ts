/** A small HTTP client for the CLI commands that talk to a running node (import, export, status). */
import { FedError } from '@federator/core'
import { DEFAULT_HTTP_PORT, parseHostPort, type Config } from './config.js'
import { readToken } from './token.js'

export interface Target { url: string, token: string }

/** Where the running node is and its token: --url/--token, FEDERATOR_URL/FEDERATOR_ADMIN_TOKEN, else the config and data dir. */
export async function target (config: Config, flags: { url?: string, token?: string }): Promise<Target> {
  let url = flags.url ?? process.env.FEDERATOR_URL
  if (url === undefined) {
    const { host, port } = config.http ?? parseHostPort(`127.0.0.1:${DEFAULT_HTTP_PORT}`, 'http')
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`
  }
  const token = flags.token ?? config.adminToken ?? await readToken(config.data)
  if (token === undefined) {
    throw new FedError('FED_ERR_CONFIG', `no admin token: pass --token, set FEDERATOR_ADMIN_TOKEN, or point --data at the node's data directory (${config.data})`)
  }
  return { url: url.replace(/\/+$/, ''), token }
}

export async function call (t: Target, path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
  let res: Response
  try {
    res = await fetch(t.url + path, { ...init, headers: { authorization: `Bearer ${t.token}`, ...(init.headers ?? {}) } })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    throw new FedError('FED_ERR_NOT_READY', `cannot reach the node at ${t.url} (${cause?.code ?? (err as Error).message}); is it running? (federator start)`)
  }
  if (!res.ok) {
    const body = await res.text()
    let msg = body
    try { const j = JSON.parse(body) as { code?: string, message?: string }; msg = `${j.code ?? res.status}: ${j.message ?? body}` } catch {}
    throw new Error(`${init.method ?? 'GET'} ${path} failed with HTTP ${res.status}: ${msg}`)
  }
  return res
}
