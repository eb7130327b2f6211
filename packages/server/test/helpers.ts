/** Test helpers of the server package: a real Store in a temp dir and the app on top, torn down with the test. */
import type { Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { Store } from '@federator/store'
import { buildApp, type BuildAppOptions } from '../src/index.js'
import { tmpDir } from '../../../test/helpers/index.js'

export const TOKEN = 'test-token-0123456789'

export interface Harness {
  store: Store
  app: FastifyInstance
  /** an authenticated request; `body` objects are sent as JSON */
  api: (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
}

export async function openStore (t: Test): Promise<Store> {
  const store = new Store({ dir: tmpDir(t) })
  t.teardown(() => store.close())
  await store.ready()
  return store
}

export async function harness (t: Test, opts: Partial<BuildAppOptions> = {}, store?: Store): Promise<Harness> {
  const s = store ?? await openStore(t)
  const app = await buildApp({ store: s, adminToken: TOKEN, version: '9.9.9-test', ...opts })
  t.teardown(() => app.close())
  await app.ready()
  const api: Harness['api'] = async (method, url, body, headers = {}) => {
    const h: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...headers }
    let payload: string | Buffer | undefined
    if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body
    else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] ??= 'application/json' }
    return await app.inject({ method: method as 'GET', url, headers: h, ...(payload !== undefined ? { payload } : {}) })
  }
  return { store: s, app, api }
}

/** The parts of a store that a refused request must leave alone. */
export function snapshot (store: Store): { length: number, hash: string } {
  return { length: store.core.length, hash: store.viewHash() }
}
