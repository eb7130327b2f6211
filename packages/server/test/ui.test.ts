/**
 * The web UI's static files at /ui: served without a token (they hold no data) with a strict CSP,
 * only the files found at start (no path from the URL reaches the file system), and the data the
 * pages fetch stays behind the admin token.
 */
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadAssets, UI_DIR, UI_PREFIX, uiPlugin } from '../src/index.js'
import { tmpDir } from '../../../test/helpers/index.js'
import { harness } from './helpers.js'

t.test('/ui serves the page, its modules and styles without a token; data stays behind it', async (t) => {
  const { app } = await harness(t, { plugins: [{ name: 'ui', prefix: UI_PREFIX, plugin: uiPlugin() }] })
  for (const url of ['/ui', '/ui/']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${url} answers`)
    t.match(res.headers['content-type'], /^text\/html/)
    t.match(res.body, /<script type="module" src="\/ui\/js\/app\.js">/)
    t.match(res.headers['content-security-policy'], /default-src 'self'/)
  }
  const js = await app.inject({ method: 'GET', url: '/ui/js/app.js' })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /^text\/javascript/)
  t.equal(js.headers['x-content-type-options'], 'nosniff')
  const css = await app.inject({ method: 'GET', url: '/ui/style.css' })
  t.match(css.headers['content-type'], /^text\/css/)
  // every module the page imports is served
  for (const m of js.body.matchAll(/from '\.\/([^']+)'/g)) {
    const res = await app.inject({ method: 'GET', url: '/ui/js/' + m[1] })
    t.equal(res.statusCode, 200, `module ${m[1]} is served`)
  }

  const data = await app.inject({ method: 'GET', url: '/api/v1/conflicts' })
  t.equal(data.statusCode, 401, 'the data the UI shows needs the token')
  t.equal(JSON.parse(data.body).code, 'FED_ERR_UNAUTHORIZED')
})

t.test('/ui answers 404 for anything but its own files (no traversal)', async (t) => {
  const { app } = await harness(t, { plugins: [{ name: 'ui', prefix: UI_PREFIX, plugin: uiPlugin() }] })
  for (const url of ['/ui/nope.js', '/ui/../package.json', '/ui/%2e%2e/%2e%2e/package.json', '/ui/js/../../src/ui/plugin.ts', '/ui/js']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404, `${url} → 404`)
    t.equal(JSON.parse(res.body).code, 'FED_ERR_ROUTE_NOT_FOUND')
  }
})

t.test('a node without the UI files starts; /ui says they are missing', async (t) => {
  const { app } = await harness(t, { plugins: [{ name: 'ui', prefix: UI_PREFIX, plugin: uiPlugin({ dir: join(tmpDir(t), 'nowhere') }) }] })
  for (const url of ['/ui', '/ui/js/app.js']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404)
    t.match(JSON.parse(res.body), { code: 'FED_ERR_ROUTE_NOT_FOUND', message: /web UI is not available on this node/ })
  }
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'the rest of the node answers')
})

t.test('loadAssets: only known types, no dot files; a folder without index.html is FED_ERR_CONFIG', async (t) => {
  const dir = tmpDir(t)
  mkdirSync(join(dir, 'js'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html>')
  writeFileSync(join(dir, 'js', 'a.js'), 'export {}')
  writeFileSync(join(dir, 'notes.txt'), 'x')
  writeFileSync(join(dir, '.secret.js'), 'x')
  t.same([...loadAssets(dir).keys()], ['index.html', 'js/a.js'])
  t.throws(() => loadAssets(join(dir, 'js')), { code: 'FED_ERR_CONFIG' })
  t.ok(loadAssets(UI_DIR).has('js/pages/nodes.js'), 'the shipped UI has its pages')
})
