/**
 * Starts that cannot work fail clearly and leave the data directory as it
 * was: a second process on a data directory in use (FED_ERR_DATA_LOCKED; the
 * running node is not disturbed), a bad join string — given directly or by
 * file, to `start` or `init`, on an existing data directory or a new one
 * (FED_ERR_JOIN_STRING; nothing created, nothing changed).
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

/** Every file under dir with its size and content hash. */
async function fingerprint (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) { out[p.slice(dir.length) + '/'] = ''; await walk(p) } else out[p.slice(dir.length)] = `${(await stat(p)).mode & 0o777}:${createHash('sha256').update(await readFile(p)).digest('hex')}`
    }
  }
  await walk(dir)
  return out
}

t.test('a second process on a data directory in use: FED_ERR_DATA_LOCKED, the running node unharmed', async (t) => {
  const data = tmpDir(t)
  const node = new NodeProcess(data)
  await node.start(t)
  for (const args of [['start', '--data', data, '--http', '127.0.0.1:0'], ['rebuild', '--data', data]]) {
    const r = await runCli(args)
    t.equal(r.code, 2, `${args[0]}: exit code 2`)
    t.match(r.stderr, /FED_ERR_DATA_LOCKED: The data directory .* is in use by another process/, `${args[0]}: a clear error`)
  }
  const res = await node.api('/api/v1/users/after', { method: 'PUT', body: JSON.stringify({ name: 'After', extensions: [] }) })
  t.equal(res.status, 201, 'the running node still writes')
  t.equal((await fetch(node.url + '/readyz')).status, 200)
})

t.test('a bad join string: FED_ERR_JOIN_STRING, nothing created or changed', async (t) => {
  const data = tmpDir(t)
  t.equal((await runCli(['init', '--data', data, '--no-cluster'])).code, 0)
  const before = await fingerprint(data)
  const bad = join(tmpDir(t), 'join')
  await writeFile(bad, 'fed1:not-a-cluster-secret\n')
  const fresh = join(tmpDir(t), 'fresh')
  for (const args of [
    ['start', '--data', data, '--http', '127.0.0.1:0', '--join', 'garbage'],
    ['start', '--data', data, '--http', '127.0.0.1:0', '--join-file', bad],
    ['init', '--data', data, '--join', 'fed1:xyz'],
    ['start', '--data', fresh, '--http', '127.0.0.1:0', '--join', 'garbage'],
    ['init', '--data', fresh, '--join-file', bad]
  ]) {
    const r = await runCli(args)
    t.equal(r.code, 2, `${args.join(' ')}: exit code 2`)
    t.match(r.stderr, /FED_ERR_JOIN_STRING/, `${args.join(' ')}: FED_ERR_JOIN_STRING`)
  }
  t.same(await fingerprint(data), before, 'the existing data directory is unchanged')
  t.notOk(existsSync(fresh), 'no data directory was created')
})
