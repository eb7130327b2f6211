/**
 * Secrets at rest and in logs, with the real CLI: the data directory and
 * everything in it is private to its user (0700/0600, also a directory made
 * readable by an older version), exports are written 0600 with a record
 * count, no secret (device password, admin token, join string) reaches a log
 * line, a node listening beyond loopback with an open realtime API warns, and
 * the admin token and join string can come from files.
 */
import t from 'tap'
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatJoinString, newClusterSecret } from '@federator/net'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

async function modes (dir: string, out: Array<{ path: string, mode: number, dir: boolean }> = []): Promise<typeof out> {
  const s = await stat(dir)
  out.push({ path: dir, mode: s.mode & 0o777, dir: true })
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) await modes(p, out)
    else if (e.isFile()) out.push({ path: p, mode: (await stat(p)).mode & 0o777, dir: false })
  }
  return out
}

t.test('data directory private, exports 0600 with a count, no secret in any log line, exposure warned', async (t) => {
  const root = tmpDir(t)
  const data = join(root, 'data')
  const secretsDir = tmpDir(t)
  const TOKEN = 'admin-token-from-a-file-0123456789'
  const DEVICE_SECRET = 'device-secret-hunter2'
  const joinString = formatJoinString(newClusterSecret())
  await writeFile(join(secretsDir, 'token'), TOKEN + '\n', { mode: 0o600 })
  await writeFile(join(secretsDir, 'join'), joinString + '\n', { mode: 0o600 })
  // a data directory left readable by an older version
  await runCli(['init', '--data', data, '--no-cluster'], { env: { FEDERATOR_ADMIN_TOKEN_FILE: join(secretsDir, 'token') } })
  await chmod(data, 0o755)
  await writeFile(join(data, 'stray'), 'x', { mode: 0o644 })
  await chmod(join(data, 'stray'), 0o644)

  const node = new NodeProcess(data, ['--http', '0.0.0.0:0', '--log-level', 'debug', '--join-file', join(secretsDir, 'join'), '--name', 'exposed'],
    { FEDERATOR_ADMIN_TOKEN_FILE: join(secretsDir, 'token'), FEDERATOR_NET: JSON.stringify({ rediscoverMs: 1000 }) })
  await node.start(t)
  node.token = TOKEN
  const res = await node.api('/api/v1/devices/alice', { method: 'PUT', body: JSON.stringify({ secret: DEVICE_SECRET }) })
  t.equal(res.status, 201, 'the admin token from the file works')
  // a realtime request with the secret in it that the node refuses (a store into a read-only view) and one it answers
  await fetch(node.url + '/realtime/sippeers/store', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=alice&secret=${DEVICE_SECRET}` })
  t.match(await (await fetch(node.url + '/realtime/ps_auths/single', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=alice' })).text(), DEVICE_SECRET, 'Asterisk still gets the secret')

  const out = join(root, 'export.ndjson')
  await writeFile(out, 'old\n', { mode: 0o644 })
  await chmod(out, 0o644)
  const exp = await runCli(['export', out, '--url', node.url, '--token-file', join(secretsDir, 'token'), '--types', 'device'])
  t.equal(exp.code, 0, exp.stderr)
  t.match(exp.stderr, /exported 1 record to .*export\.ndjson/, 'the record count is printed')
  t.equal((await stat(out)).mode & 0o777, 0o600, 'an existing export file is tightened to 0600')
  t.match(await readFile(out, 'utf8'), DEVICE_SECRET)
  const fresh = join(root, 'fresh.json')
  const exp2 = await runCli(['export', fresh, '--url', node.url, '--types', 'device,user'], { env: { FEDERATOR_ADMIN_TOKEN_FILE: join(secretsDir, 'token') } })
  t.equal(exp2.code, 0, exp2.stderr)
  t.match(exp2.stderr, /exported 1 record to/)
  t.equal((await stat(fresh)).mode & 0o777, 0o600, 'a new export file is 0600')

  t.equal(await node.kill('SIGTERM'), 0)
  for (const m of await modes(data)) t.equal(m.mode, m.dir ? 0o700 : 0o600, `${m.path.slice(data.length) || '/'}: ${m.mode.toString(8)}`)

  const log = node.stderr
  t.match(log, /reachable from other hosts/, 'warned: listening beyond loopback with an open realtime API')
  t.match(log, /readable by others: set to 0700/, 'warned: the data directory was tightened')
  for (const [what, s] of [['device secret', DEVICE_SECRET], ['admin token', TOKEN], ['join string', joinString], ['cluster secret', joinString.split(':')[1]!.slice(0, 20)]] as const) {
    t.notOk(log.includes(s), `no ${what} in the node's log`)
  }
  t.notOk(node.stdout.includes(TOKEN), 'a token from a file is not printed either')
})
