import t from 'tap'
import { join } from 'node:path'
import type { FedError } from '@federator/core'
import { DEFAULT_HTTP_PORT, fromEnv, fromFile, parseHostPort, resolveConfig } from '../src/config.js'

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as FedError).code }
  return undefined
}

t.test('defaults: loopback on a port clear of Asterisk\'s, ./data', async (t) => {
  const c = resolveConfig()
  t.same(c.http, { host: '127.0.0.1', port: DEFAULT_HTTP_PORT })
  t.notOk([5060, 5038, 8088].includes(c.http.port))
  t.ok(c.data.endsWith('/data'))
  t.equal(c.logLevel, 'info')
  t.equal(c.join, undefined, 'no cluster by default')
})

t.test('layers: file < env < flags', async (t) => {
  const dir = t.testdir({ 'c.json': JSON.stringify({ name: 'from-file', http: '127.0.0.2:9000', logLevel: 'warn' }) })
  const c = resolveConfig(fromFile(join(dir, 'c.json')), fromEnv({ FEDERATOR_NAME: 'from-env', FEDERATOR_PEERS: 'a@1.2.3.4:5,b@1.2.3.4:6' }), { logLevel: 'debug' })
  t.equal(c.name, 'from-env')
  t.same(c.http, { host: '127.0.0.2', port: 9000 })
  t.equal(c.logLevel, 'debug')
  t.same(c.peers, ['a@1.2.3.4:5', 'b@1.2.3.4:6'])
})

t.test('host:port forms', async (t) => {
  t.same(parseHostPort('127.0.0.1:1', 'x'), { host: '127.0.0.1', port: 1 })
  t.same(parseHostPort(':8080', 'x'), { host: '127.0.0.1', port: 8080 })
  t.same(parseHostPort('8080', 'x'), { host: '127.0.0.1', port: 8080 })
  t.same(parseHostPort('[::1]:8080', 'x'), { host: '::1', port: 8080 })
})

t.test('the realtime answer cache size in MB: file, environment, flag', async (t) => {
  t.equal(resolveConfig({}).realtimeCacheMb, undefined, 'default: the server\'s own')
  t.equal(resolveConfig(fromEnv({ FEDERATOR_REALTIME_CACHE_MB: '16' })).realtimeCacheMb, 16)
  t.equal(resolveConfig({ realtimeCacheMb: 8 }, { realtimeCacheMb: 0.5 }).realtimeCacheMb, 0.5, 'a later layer wins; fractions of a MB are fine')
})

t.test('bad settings are FED_ERR_CONFIG naming the setting', async (t) => {
  t.equal(code(() => resolveConfig({ http: 'nope' })), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig({ http: '127.0.0.1:70000' })), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig({ name: 'bad name' })), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig({ logLevel: 'loud' })), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig(fromEnv({ FEDERATOR_DHT: 'maybe' }))), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig({ swarmPort: -1 })), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig(fromEnv({ FEDERATOR_REALTIME_CACHE_MB: 'lots' }))), 'FED_ERR_CONFIG')
  t.equal(code(() => resolveConfig({ realtimeCacheMb: -1 })), 'FED_ERR_CONFIG')
  const dir = t.testdir({ 'bad.json': '{ nope', 'arr.json': '[1]', 'unk.json': '{"colour":"red"}' })
  t.equal(code(() => fromFile(join(dir, 'bad.json'))), 'FED_ERR_CONFIG')
  t.equal(code(() => fromFile(join(dir, 'arr.json'))), 'FED_ERR_CONFIG')
  t.equal(code(() => fromFile(join(dir, 'unk.json'))), 'FED_ERR_CONFIG')
  t.equal(code(() => fromFile(join(dir, 'missing.json'))), 'FED_ERR_CONFIG')
})

t.test('the link to Asterisk: ari object in the file, FEDERATOR_ARI_* and FEDERATOR_ASTERISK_MODE over it', async (t) => {
  const dir = t.testdir({ 'c.json': JSON.stringify({ ari: { url: 'http://127.0.0.1:8088', user: 'fed', password: 'filepw' }, asterisk: { mode: 'push' } }) })
  const file = resolveConfig(fromFile(join(dir, 'c.json')))
  t.same(file.asterisk, { mode: 'push', ari: { url: 'http://127.0.0.1:8088', user: 'fed', password: 'filepw', app: 'federator' } })
  const env = resolveConfig(fromFile(join(dir, 'c.json')), fromEnv({ FEDERATOR_ARI_USER: 'other:envpw', FEDERATOR_ASTERISK_MODE: 'realtime', FEDERATOR_ARI_APP: 'fed2' }))
  t.same(env.asterisk, { mode: 'realtime', ari: { url: 'http://127.0.0.1:8088', user: 'other', password: 'envpw', app: 'fed2' } })
  t.same(resolveConfig().asterisk, { mode: 'realtime' }, 'default: realtime, no ARI')
  t.equal(code(() => resolveConfig({ asteriskMode: 'push' })), 'FED_ERR_CONFIG', 'push without ARI')
  t.equal(code(() => resolveConfig(fromEnv({ FEDERATOR_ARI_URL: 'http://127.0.0.1:8088' }))), 'FED_ERR_CONFIG', 'a URL without a user')
})

t.test('snapshotJoin: off by default, a boolean from the file, env or flag', async (t) => {
  t.equal(resolveConfig().snapshotJoin, undefined)
  t.equal(resolveConfig(fromEnv({ FEDERATOR_SNAPSHOT_JOIN: 'yes' })).snapshotJoin, true)
  t.equal(resolveConfig({ snapshotJoin: true }, fromEnv({ FEDERATOR_SNAPSHOT_JOIN: 'off' })).snapshotJoin, false)
  t.equal(code(() => resolveConfig(fromEnv({ FEDERATOR_SNAPSHOT_JOIN: 'maybe' }))), 'FED_ERR_CONFIG')
})
