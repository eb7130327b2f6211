/**
 * `federator conf …` against a real node process: a .conf file imported with
 * the CLI is what Asterisk gets from GET /realtime/static, and the node's
 * realtime API answers over HTTP as a running node (the plugin is wired in).
 */
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

const QUEUES = `; queues.conf
[general]
persistentmembers = no

[staticq](!)
strategy = ringall
[support](staticq)
timeout = 15
member => Local/200@apps,0,Carol
`

t.test('conf import, list, show, delete; served at /realtime/static', async (t) => {
  const data = tmpDir(t)
  const node = new NodeProcess(data)
  await node.start(t)
  const cli = async (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> =>
    await runCli(['conf', ...args, '--url', node.url, '--data', data])
  const file = join(tmpDir(t), 'queues.conf')
  await writeFile(file, QUEUES)

  const imp = await cli('import', file, '--description', 'static queues')
  t.equal(imp.code, 0, imp.stderr)
  t.match(imp.stdout, /stored queues\.conf: 4 variables in 2 categories/)
  const stdin = await runCli(['conf', 'import', '-', '--name', 'extra.conf', '--url', node.url, '--data', data], { input: '[x]\na=1\nnovalue\n' })
  t.equal(stdin.code, 0, stdin.stderr)
  t.match(stdin.stderr, /extra\.conf:3: no "=" in "novalue"; skipped/, 'parser warnings are shown')

  const list = await cli('list')
  t.equal(list.stdout, 'extra.conf\t1 variables\t1 categories\nqueues.conf\t4 variables\t2 categories\tstatic queues\n')
  t.equal((await cli('show', 'queues.conf')).stdout, '[general]\npersistentmembers = no\n\n[support]\nstrategy = ringall\ntimeout = 15\nmember = Local/200@apps,0,Carol\n')

  const res = await fetch(node.url + '/realtime/static?file=queues.conf')
  t.equal(res.status, 200)
  t.equal(await res.text(),
    'category=general&var_name=persistentmembers&var_val=no&cat_metric=0&var_metric=0\n' +
    'category=support&var_name=strategy&var_val=ringall&cat_metric=1&var_metric=0\n' +
    'category=support&var_name=timeout&var_val=15&cat_metric=1&var_metric=1\n' +
    'category=support&var_name=member&var_val=Local%2F200%40apps%2C0%2CCarol&cat_metric=1&var_metric=2\n', 'the template is expanded, not served')

  t.equal((await cli('delete', 'queues.conf')).code, 0)
  t.equal(await (await fetch(node.url + '/realtime/static?file=queues.conf')).text(), '')
  const missing = await cli('show', 'queues.conf')
  t.equal(missing.code, 2)
  t.match(missing.stderr, /FED_ERR_NOT_FOUND/)
  const bad = await cli('import', join(tmpDir(t), 'nope.conf'))
  t.equal(bad.code, 2)
  t.match(bad.stderr, /cannot read/)

  const r = await fetch(node.url + '/realtime/ps_endpoints/single', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=nobody' })
  t.same([r.status, await r.text()], [200, ''], 'the realtime API of a running node')
  await node.kill('SIGTERM')
})
