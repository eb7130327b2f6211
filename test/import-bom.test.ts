/**
 * `federator import` takes files the way editors write them: a UTF-8 byte
 * order mark before the first line (NDJSON) or the JSON array is not part of
 * the data.
 */
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

t.test('import of NDJSON and JSON files that start with a BOM', async (t) => {
  const data = tmpDir(t)
  const node = new NodeProcess(data)
  await node.start(t)
  const dir = tmpDir(t)
  await writeFile(join(dir, 'users.ndjson'), '\uFEFF{"type":"user","id":"bom1","name":"One","extensions":["101"]}\n{"type":"user","id":"bom2","name":"Two","extensions":["102"]}\n')
  await writeFile(join(dir, 'users.json'), '\uFEFF[{"type":"user","id":"bom3","name":"Three","extensions":["103"]}]\n')
  for (const f of ['users.ndjson', 'users.json']) {
    const r = await runCli(['import', join(dir, f), '--url', node.url, '--data', data])
    t.equal(r.code, 0, `${f}: ${r.stderr}`)
    t.match(r.stdout, f === 'users.json' ? /imported 1, failed 0/ : /imported 2, failed 0/, f)
  }
  for (const id of ['bom1', 'bom2', 'bom3']) t.equal((await node.api(`/api/v1/users/${id}`)).status, 200, id)
})
