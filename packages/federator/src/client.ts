/**
 * A small HTTP client for the CLI commands that talk to a running node
 * (status, import, export, conf, revoke, token). The node is found by --url,
 * else FEDERATOR_URL, else the address the node recorded in its data
 * directory (http-address.ts), else the configured HTTP address.
 */
import { join } from 'node:path'
import { FedError } from '@federator/core'
import { DEFAULT_HTTP_PORT, parseHostPort, type Config } from './config.js'
import { readToken } from './token.js'
import { HTTP_ADDRESS_FILE, clientUrl, readHttpAddress } from './http-address.js'

export interface Target {
  url: string
  token: string
  /** the file the URL was read from (a node's data directory), when it was */
  recordedIn?: string
  /** the file where no address was recorded (the URL is the configured one) */
  notRecordedIn?: string
}

/** Where the running node is and its token: --url/--token, FEDERATOR_URL/FEDERATOR_ADMIN_TOKEN, else the data dir and config. */
export async function target (config: Config, flags: { url?: string, token?: string }): Promise<Target> {
  let url = flags.url ?? (process.env.FEDERATOR_URL !== '' ? process.env.FEDERATOR_URL : undefined)
  let recordedIn: string | undefined
  if (url === undefined) {
    url = await readHttpAddress(config.data)
    if (url !== undefined) recordedIn = join(config.data, HTTP_ADDRESS_FILE)
  }
  let notRecordedIn: string | undefined
  if (url === undefined) {
    const { host, port } = config.http ?? parseHostPort(`127.0.0.1:${DEFAULT_HTTP_PORT}`, 'http')
    url = clientUrl(host, port)
    notRecordedIn = join(config.data, HTTP_ADDRESS_FILE)
  }
  const token = flags.token ?? config.adminToken ?? await readToken(config.data)
  if (token === undefined) {
    throw new FedError('FED_ERR_CONFIG', `no admin token: pass --token, set FEDERATOR_ADMIN_TOKEN, or point --data at the node's data directory (${config.data})`)
  }
  return { url: url.replace(/\/+$/, ''), token, ...(recordedIn !== undefined ? { recordedIn } : {}), ...(notRecordedIn !== undefined ? { notRecordedIn } : {}) }
}

export async function call (t: Target, path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
  let res: Response
  try {
    res = await fetch(t.url + path, { ...init, headers: { authorization: `Bearer ${t.token}`, ...(init.headers ?? {}) } })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if (t.recordedIn !== undefined) {
      throw new FedError('FED_ERR_NODE_UNREACHABLE', `no node answers at ${t.url} (${cause?.code ?? (err as Error).message}), the address recorded in ${t.recordedIn}: ` +
        'the node is not running (a node that did not stop cleanly leaves that file behind); start it, or pass --url')
    }
    const hint = t.notRecordedIn !== undefined ? `; no address is recorded in ${t.notRecordedIn} (a running node writes it): is --data the node's data directory?` : ''
    throw new FedError('FED_ERR_NOT_READY', `cannot reach the node at ${t.url} (${cause?.code ?? (err as Error).message}); is it running? (federator start)${hint}`)
  }
  if (!res.ok) {
    const body = await res.text()
    let msg = body
    try { const j = JSON.parse(body) as { code?: string, message?: string }; msg = `${j.code ?? res.status}: ${j.message ?? body}` } catch {}
    throw new Error(`${init.method ?? 'GET'} ${path} failed with HTTP ${res.status}: ${msg}`)
  }
  return res
}
