/**
 * Admin tokens as a node sees them (token.ts): the first token is made once,
 * only when the data directory has none, kept 0600; the local token is the
 * configured one or an old-format token file, never a `fedt_…` cluster token
 * (so revoking a cluster token also works on a node configured with it).
 */
import t, { type Test } from 'tap'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Store } from '@federator/store'
import { parseToken, secretHash } from '@federator/core'
import { AdminAuth } from '@federator/server'
import { firstToken, localToken, readToken, TOKEN_FILE } from '../src/token.js'
import { tmpDir } from '../../../test/helpers/index.js'

async function open (t: Test, dir: string): Promise<Store> {
  const store = new Store({ dir })
  t.teardown(() => store.close())
  await store.ready()
  return store
}

t.test('firstToken: made once, kept 0600, its record holds the hash', async (t) => {
  const dir = tmpDir(t)
  const store = await open(t, dir)
  const token = await firstToken(store, dir)
  t.match(token, /^fedt_/)
  t.equal(await readToken(dir), token)
  t.equal((await stat(join(dir, TOKEN_FILE))).mode & 0o777, 0o600)
  const p = parseToken(token!)!
  t.match(await store.get('token', p.id), { scope: 'admin', hash: secretHash(p.secret) })
  t.equal(await firstToken(store, dir), undefined, 'not again')
  t.equal(store.count('token'), 1)
})

t.test('firstToken: none when the cluster already has tokens (the file was removed)', async (t) => {
  const dir = tmpDir(t)
  const store = await open(t, dir)
  await firstToken(store, dir)
  const other = tmpDir(t)
  t.equal(await firstToken(store, other), undefined)
  t.equal(await readToken(other), undefined)
})

t.test('localToken: the configured one or an old-format file; never a cluster token', async (t) => {
  const dir = tmpDir(t)
  const cluster = 'fedt_0123456789abcdef_' + 'A'.repeat(43)
  t.equal(await localToken(dir, 'plain-local-token'), 'plain-local-token')
  t.equal(await localToken(dir, cluster), undefined, 'a fedt_ token in FEDERATOR_ADMIN_TOKEN is checked against its record')
  t.equal(await localToken(dir), undefined, 'no file')
  await writeFile(join(dir, TOKEN_FILE), 'old-random-token\n')
  t.equal(await localToken(dir), 'old-random-token', 'a token file of an older version')
  t.equal(await localToken(dir, 'from-env'), 'from-env', 'the setting wins over the file')
  await writeFile(join(dir, TOKEN_FILE), cluster + '\n')
  t.equal(await localToken(dir), undefined, 'a fedt_ file is a cluster token')
  t.equal((await readFile(join(dir, TOKEN_FILE), 'utf8')).trim(), cluster)
})

t.test('a revoked cluster token is refused even where it was configured', async (t) => {
  const dir = tmpDir(t)
  const store = await open(t, dir)
  const token = (await firstToken(store, dir))!
  const local = await localToken(dir, token)
  const auth = new AdminAuth({ store, ...(local !== undefined ? { localToken: local } : {}) })
  t.same(await auth.verify(token), { scope: 'admin', token: parseToken(token)!.id })
  await store.write({ op: 'delete', type: 'token', id: parseToken(token)!.id })
  t.equal(await auth.verify(token), undefined)
})
