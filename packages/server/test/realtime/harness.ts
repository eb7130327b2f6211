/**
 * Test harness of the realtime plugin: a real Store in a temp dir, a real
 * single-node SoftState (@federator/net) for registrations, the service and
 * the app with the plugin at /realtime and the config admin routes, a
 * logger whose lines the test can read, and `rt()` sending raw
 * res_config_curl requests the way Asterisk does.
 */
import type { Test } from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import * as hcrypto from 'hypercore-crypto'
import type { FastifyInstance } from 'fastify'
import { SoftState } from '@federator/net'
import type { Store, WriteOp } from '@federator/store'
import { buildApp } from '../../src/index.js'
import { CONFIGS_PREFIX, configAdminPlugin } from '../../src/index.js'
import { RealtimeService, realtimePlugin, REALTIME_PREFIX, type RealtimeHttpOptions, type RealtimeOptions } from '../../src/realtime/index.js'
import { openStore, snapshot, TOKEN } from '../helpers.js'

export { snapshot, TOKEN }

export interface RtAnswer { status: number, body: string }

export interface RtHarness {
  store: Store
  soft: SoftState
  service: RealtimeService
  app: FastifyInstance
  /** log lines (parsed JSON) */
  logs: Array<Record<string, unknown>>
  /** POST /realtime/<family>/<op>[?query] with a raw body */
  rt: (family: string, op: string, body: string, query?: string, headers?: Record<string, string>) => Promise<RtAnswer>
  /** GET /realtime/static?file=… */
  staticFile: (file: string) => Promise<RtAnswer>
  write: (...ops: WriteOp[]) => Promise<void>
  /** the count of a refusal reason */
  refused: (reason: string) => number
}

export function newSoftState (now?: () => number, maxItemBytes = 8192): SoftState {
  return new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 100_000, maxItemBytes, maxTtlMs: 24 * 3600_000, ...(now !== undefined ? { now } : {}) })
}

export async function rtHarness (t: Test, opts: Partial<RealtimeOptions> & { access?: RealtimeHttpOptions, store?: Store } = {}): Promise<RtHarness> {
  const store = opts.store ?? await openStore(t)
  const soft = (opts.registrations as SoftState | undefined) ?? newSoftState(opts.now)
  const logs: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'warn' }, new Writable({ write (chunk: Buffer, _enc, cb) { for (const l of chunk.toString().split('\n')) if (l !== '') logs.push(JSON.parse(l) as Record<string, unknown>); cb() } }))
  const { access, store: _s, ...rest } = opts
  const service = new RealtimeService({ store, registrations: soft, logger, ...rest })
  t.teardown(() => service.close())
  const app = await buildApp({
    store,
    adminToken: TOKEN,
    logger,
    plugins: [{ name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(service, access ?? {}) }],
    apiPlugins: [{ prefix: CONFIGS_PREFIX, plugin: configAdminPlugin(store) }]
  })
  t.teardown(() => app.close())
  await app.ready()
  const rt: RtHarness['rt'] = async (family, op, body, query, headers = {}) => {
    const res = await app.inject({
      method: 'POST',
      url: `/realtime/${family}/${op}${query === undefined ? '' : '?' + query}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'asterisk-libcurl-agent/1.0', ...headers },
      payload: body
    })
    return { status: res.statusCode, body: res.body }
  }
  const staticFile: RtHarness['staticFile'] = async (file) => {
    const res = await app.inject({ method: 'GET', url: `/realtime/static?file=${file}` })
    return { status: res.statusCode, body: res.body }
  }
  const write: RtHarness['write'] = async (...ops) => {
    for (const r of await store.writeMany(ops)) if (r instanceof Error) throw r
  }
  const refused = (reason: string): number => service.counters.count(reason as never)
  return { store, soft, service, app, logs, rt, staticFile, write, refused }
}
