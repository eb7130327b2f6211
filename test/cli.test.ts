import t from 'tap'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

t.test('--help lists the commands', async (t) => {
  const r = await runCli(['--help'])
  t.equal(r.code, 0)
  for (const cmd of ['start', 'init', 'status', 'rebuild', 'import', 'export']) t.match(r.stdout, new RegExp(`\\b${cmd}\\b`))
  const s = await runCli(['start', '--help'])
  t.match(s.stdout, /--data <dir>/)
  t.match(s.stdout, /FEDERATOR_HTTP/)
})

t.test('bad flags are clear errors', async (t) => {
  const r = await runCli(['start', '--http', 'nonsense', '--data', tmpDir(t)])
  t.equal(r.code, 2)
  t.match(r.stderr, /FED_ERR_CONFIG: http/)
})

t.test('start, import with the CLI, export, restart: the records are still there', async (t) => {
  const data = tmpDir(t)
  const node = new NodeProcess(data)
  await node.start(t)
  t.match(node.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.ok(node.token.length >= 20, 'the admin token is printed once on first start')
  t.equal((await readFile(join(data, 'admin-token'), 'utf8')).trim(), node.token)

  const lines: string[] = []
  for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ type: 'device', id: `d${i}`, user: `u${i % 10}`, codecs: ['ulaw'] }))
  lines.push(JSON.stringify({ type: 'user', id: 'alice', name: 'Alice', extensions: ['1001'] }))
  lines.push('{ not json')
  lines.push(JSON.stringify({ type: 'device', id: 'bad', codecs: 'ulaw' }))
  const file = join(tmpDir(t), 'in.ndjson')
  await writeFile(file, lines.join('\n') + '\n')
  const imp = await runCli(['import', file, '--url', node.url, '--data', data])
  t.equal(imp.code, 1, 'exit code 1 when some lines failed')
  t.match(imp.stdout, /imported 2001, failed 2/)
  t.match(imp.stderr, /line 2002: FED_ERR_INVALID_JSON/)
  t.match(imp.stderr, /line 2003: FED_ERR_VALIDATION/)

  const out = join(tmpDir(t), 'out.ndjson')
  const exp = await runCli(['export', out, '--url', node.url, '--data', data, '--types', 'device,user'])
  t.equal(exp.code, 0, exp.stderr)
  const exported = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string, id: string })
  t.equal(exported.filter((r) => r.type === 'device').length, 2000)
  t.ok(exported.some((r) => r.type === 'user' && r.id === 'alice'))

  const json = join(tmpDir(t), 'out.json')
  t.equal((await runCli(['export', json, '--url', node.url, '--data', data, '--types', 'user'])).code, 0)
  t.same(JSON.parse(await readFile(json, 'utf8')), [{ type: 'user', id: 'alice', extensions: ['1001'], name: 'Alice' }])

  t.equal(await node.kill('SIGTERM'), 0, 'graceful shutdown on SIGTERM')
  await node.start(t)
  t.equal(node.token, node.token)
  const res = await fetch(node.url + '/api/v1/devices/d1999', { headers: { authorization: `Bearer ${(await readFile(join(data, 'admin-token'), 'utf8')).trim()}` } })
  t.equal(res.status, 200, 'still there after a restart')
  await node.kill('SIGTERM')

  const rb = await runCli(['rebuild', '--data', data])
  t.equal(rb.code, 0, rb.stderr)
  t.match(rb.stdout, /view rebuilt: hash [0-9a-f]{64}.*devices 2000/)
})
