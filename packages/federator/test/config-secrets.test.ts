/**
 * Secrets in the configuration: the join string and the admin token can come
 * from a file (or the environment), never only from argv; a bad join string
 * is refused when the settings are read, before anything touches the data
 * directory; a node that listens beyond loopback with an open realtime API
 * is warned about.
 */
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FedError } from '@federator/core'
import { formatJoinString, newClusterSecret } from '@federator/net'
import { exposureWarning, fromEnv, fromFile, isLoopback, resolveConfig } from '../src/config.js'

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as FedError).code }
  return undefined
}

t.test('join string and admin token from files, named by flag, environment or config file', async (t) => {
  const joinString = formatJoinString(newClusterSecret())
  const dir = t.testdir({ join: '\uFEFF' + joinString + '\n', token: 'tok-from-file\n', empty: '\n', 'c.json': '{}' })
  await writeFile(join(dir, 'c.json'), JSON.stringify({ joinFile: join(dir, 'join'), adminTokenFile: join(dir, 'token') }))
  const c = resolveConfig(fromEnv({ FEDERATOR_JOIN_FILE: join(dir, 'join'), FEDERATOR_ADMIN_TOKEN_FILE: join(dir, 'token') }))
  t.equal(c.join, joinString, 'the file\'s content, trimmed (a BOM too)')
  t.equal(c.adminToken, 'tok-from-file')
  t.equal(resolveConfig({ joinFile: join(dir, 'join') }).join, joinString, 'as a flag or config-file key')
  t.equal(resolveConfig(fromFile(join(dir, 'c.json'))).adminToken, 'tok-from-file', 'config-file keys joinFile, adminTokenFile')
  t.equal(code(() => resolveConfig({ join: joinString, joinFile: join(dir, 'join') })), 'FED_ERR_CONFIG', 'both: refused')
  t.equal(code(() => resolveConfig({ adminTokenFile: join(dir, 'missing') })), 'FED_ERR_CONFIG', 'unreadable file')
  t.equal(code(() => resolveConfig({ joinFile: join(dir, 'empty') })), 'FED_ERR_CONFIG', 'empty file')
})

t.test('a bad join string is refused when the settings are read', async (t) => {
  t.equal(code(() => resolveConfig({ join: 'not-a-join-string' })), 'FED_ERR_JOIN_STRING')
  const dir = t.testdir({ join: 'fed1:garbage\n' })
  t.equal(code(() => resolveConfig({ joinFile: join(dir, 'join') })), 'FED_ERR_JOIN_STRING')
})

t.test('listening beyond loopback with an open realtime API is warned about', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) t.ok(isLoopback(h), h)
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'pbx.example.com']) t.notOk(isLoopback(h), h)
  t.equal(exposureWarning(resolveConfig({ http: '127.0.0.1:7280' })), undefined, 'loopback: nothing to say')
  t.match(exposureWarning(resolveConfig({ http: '0.0.0.0:7280' })), /reachable from other hosts.*realtimeAuth/)
  t.equal(exposureWarning(resolveConfig({ http: '0.0.0.0:7280', realtimeAuth: 'asterisk:pw' })), undefined, 'basic auth set')
  t.equal(exposureWarning(resolveConfig({ http: '0.0.0.0:7280', realtimeAllow: ['10.0.0.0/8'] })), undefined, 'allow-list set')
})
