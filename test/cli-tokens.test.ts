/**
 * The first day from the command line: `init` prints the cluster's first
 * admin token and keeps it in the data directory; the client commands find a
 * node from `--data` (the address it recorded when it started, with a port
 * chosen at random), `federator token create|list|revoke`, a clear error for
 * a stale recorded address; `init --join` makes no token of its own.
 */
import t from 'tap'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatJoinString, newClusterSecret } from '@federator/net'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'
import { freeTcpPort } from './helpers/cluster.js'

const exists = async (p: string): Promise<boolean> => await access(p).then(() => true, () => false)
/** The environment of the CLI: no token or URL from the test runner's. */
const ENV = { FEDERATOR_ADMIN_TOKEN: '', FEDERATOR_URL: '' }

t.test('init prints the token; status, token create|list|revoke find the node from --data', async (t) => {
  const data = join(tmpDir(t), 'node')
  const init = await runCli(['init', '--data', data, '--no-cluster'], { env: ENV })
  t.equal(init.code, 0, init.stderr)
  const m = /Admin token[^:]*: (fedt_\S+)/.exec(init.stdout)
  t.ok(m, 'init prints the admin token')
  const first = m![1]!
  t.equal((await readFile(join(data, 'admin-token'), 'utf8')).trim(), first, 'and keeps it in the data directory')

  const port = await freeTcpPort()
  const node = new NodeProcess(data, ['--http', `127.0.0.1:${port}`, '--name', 'solo'], ENV)
  await node.start(t)
  t.equal(node.url, `http://127.0.0.1:${port}`)
  t.notOk(node.stdout.includes('Admin token'), 'start prints no other token: init made it')
  t.equal((await readFile(join(data, 'http-address'), 'utf8')).trim(), node.url, 'the node records its address')

  const status = await runCli(['status', '--data', data], { env: ENV })
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /node\s+solo/, 'status found the node from --data')

  const created = await runCli(['token', 'create', '--data', data, '--name', 'dashboard', '--scope', 'read'], { env: ENV })
  t.equal(created.code, 0, created.stderr)
  const ro = created.stdout.trim()
  t.match(ro, /^fedt_[0-9a-f]{16}_\S{43}$/, 'token create prints the token alone on stdout')
  const list = await runCli(['token', 'list', '--data', data], { env: ENV })
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /read\s+\S+\s+\S+\s+dashboard/)
  t.match(list.stdout, /admin\s+\S+\s+first admin token/)
  t.notOk(list.stdout.includes(ro.slice(22)), 'no secret listed')

  t.equal((await runCli(['status', '--data', data, '--token', ro], { env: ENV })).code, 0, 'a read token reads')
  const refused = await runCli(['token', 'create', '--data', data, '--token', ro, '--name', 'x'], { env: ENV })
  t.equal(refused.code, 2)
  t.match(refused.stderr, /HTTP 403: FED_ERR_FORBIDDEN/)
  t.match(refused.stderr, /read-only/)
  const bad = await runCli(['token', 'create', '--data', data, '--name', 'x', '--scope', 'root'], { env: ENV })
  t.match(bad.stderr, /FED_ERR_CONFIG: --scope/)

  const revoked = await runCli(['token', 'revoke', ro, '--data', data], { env: ENV })
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.stdout, new RegExp(`revoked token ${ro.slice(5, 21)}`), 'revoke takes the token itself too')
  const after = await runCli(['status', '--data', data, '--token', ro], { env: ENV })
  t.equal(after.code, 2)
  t.match(after.stderr, /HTTP 401: FED_ERR_UNAUTHORIZED/)

  // killed: the recorded address is stale, and said so
  await node.kill('SIGKILL')
  t.ok(await exists(join(data, 'http-address')), 'a killed node leaves its address file')
  const stale = await runCli(['status', '--data', data], { env: ENV })
  t.equal(stale.code, 2)
  t.match(stale.stderr, /FED_ERR_NODE_UNREACHABLE: no node answers at http:\/\/127\.0\.0\.1:\d+ .*http-address/)
  t.match(stale.stderr, /--url/)

  // restarted on another random port: found again; stopped cleanly: the file is gone
  const restarted = new NodeProcess(data, [], ENV)
  await restarted.start(t)
  t.equal((await readFile(join(data, 'http-address'), 'utf8')).trim(), restarted.url, 'the new address is recorded')
  const again = await runCli(['status', '--data', data], { env: ENV })
  t.equal(again.code, 0, again.stderr)
  t.notOk(restarted.stdout.includes('Admin token'), 'no new token at a restart')
  await restarted.kill('SIGTERM')
})

t.test('a clean stop removes the recorded address; --url still wins', async (t) => {
  const data = tmpDir(t)
  const node = new NodeProcess(data, [], ENV)
  await node.start(t)
  t.ok(node.token.startsWith('fedt_'), 'the first start of a standalone node without a token makes one')
  const other = await runCli(['status', '--data', data, '--url', 'http://127.0.0.1:9'], { env: ENV })
  t.equal(other.code, 2, '--url wins over the recorded address')
  t.match(other.stderr, /FED_ERR_NOT_READY: cannot reach the node at http:\/\/127\.0\.0\.1:9 /)
  t.equal(await node.kill('SIGTERM'), 0)
  t.notOk(await exists(join(data, 'http-address')), 'removed at a clean stop')
  const gone = await runCli(['status', '--data', data], { env: { ...ENV, FEDERATOR_HTTP: '127.0.0.1:9' } })
  t.equal(gone.code, 2)
  t.match(gone.stderr, /FED_ERR_NOT_READY: .*no address is recorded in .*http-address/)
})

t.test('--help describes the token commands', async (t) => {
  const r = await runCli(['token', '--help'])
  t.equal(r.code, 0)
  for (const cmd of ['create', 'list', 'revoke']) t.match(r.stdout, new RegExp(`\\b${cmd}\\b`))
  t.match((await runCli(['status', '--help'])).stdout, /http-address/, 'client commands say where the node is found')
  t.match((await runCli(['start', '--help'])).stdout, /FEDERATOR_ADMIN_TOKEN/)
})

t.test('init --join makes no token: the cluster\'s replicate to the node', async (t) => {
  const data = tmpDir(t)
  const r = await runCli(['init', '--data', data, '--join', formatJoinString(newClusterSecret())], { env: ENV })
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stdout, /Admin token/)
  t.match(r.stdout, /admin tokens: this node takes the cluster's/)
  t.notOk(await exists(join(data, 'admin-token')))
})
