import t from 'tap'
import { Readable } from 'node:stream'
import { harness, TOKEN } from './helpers.js'

const auth = { authorization: `Bearer ${TOKEN}` }

t.test('over a real socket on 127.0.0.1: health, docs, CRUD, streamed import and export', async (t) => {
  let ready: boolean | string = true
  const { app, store } = await harness(t, {
    limits: { importMaxBytes: 32 * 1024, importChunk: 50 },
    ready: () => ready,
    plugins: [{ name: 'metrics', prefix: '/metrics', plugin: async (p, opts) => { p.get('/', async () => { opts.log.debug('scraped'); return 'up 1\n' }) } }]
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)

  let r = await fetch(url + '/healthz')
  t.equal(r.status, 200)
  t.match(await r.json(), { status: 'ok', version: '9.9.9-test' })
  r = await fetch(url + '/readyz')
  t.same([r.status, await r.json()], [200, { status: 'ready' }])
  ready = 'the network is not up'
  r = await fetch(url + '/readyz')
  t.equal(r.status, 503)
  t.match(await r.json(), { code: 'FED_ERR_NOT_READY', message: /the network is not up/ })
  ready = true

  r = await fetch(url + '/metrics')
  t.same([r.status, await r.text()], [200, 'up 1\n'], 'a root plugin, open')

  r = await fetch(url + '/docs/json')
  t.equal(r.status, 200)
  const spec = await r.json() as { openapi: string, paths: Record<string, unknown>, components: { securitySchemes: unknown } }
  t.equal(spec.openapi, '3.1.0')
  for (const p of ['/api/v1/users/', '/api/v1/users/{id}', '/api/v1/tables/{family}/rows/', '/api/v1/import', '/api/v1/export', '/api/v1/conflicts/', '/healthz', '/readyz']) {
    t.ok(spec.paths[p], `documented: ${p}`)
  }
  const paths = spec.paths as Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>
  t.same(Object.keys(paths['/api/v1/import']!.post!.requestBody!.content), ['application/x-ndjson'])
  t.same(Object.keys(paths['/api/v1/users/{id}']!.patch!.requestBody!.content), ['application/json', 'application/merge-patch+json'])
  r = await fetch(url + '/docs/', { redirect: 'follow' })
  t.equal(r.status, 200)
  const html = await r.text()
  t.match(html, /swagger/i)
  const asset = /src="\.?\/?(?:docs\/)?(static\/[^"]+\.js)"/.exec(html)?.[1]
  t.ok(asset, 'the UI loads its scripts from this server')
  t.notMatch(html, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'no external URLs in the page')
  r = await fetch(url + '/docs/' + asset!)
  t.equal(r.status, 200, `served locally: /docs/${asset!}`)
  t.ok((await r.arrayBuffer()).byteLength > 1000)

  r = await fetch(url + '/api/v1/users', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'alice', name: 'Alice', extensions: ['1001'] }) })
  t.equal(r.status, 201)
  r = await fetch(url + '/api/v1/users/alice')
  t.equal(r.status, 401)
  t.equal(r.headers.get('www-authenticate'), 'Bearer realm="federator"')

  // a chunked stream (no Content-Length) arriving line by line
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ type: 'device', id: 'd' + i, user: 'alice' }) + '\n')
  lines.splice(150, 0, '{"type":"device","id":"broken"\n')
  r = await fetch(url + '/api/v1/import', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: Readable.toWeb(Readable.from(lines)) as ReadableStream, duplex: 'half'
  } as RequestInit)
  t.equal(r.status, 200)
  const res = await r.json() as { imported: number, failed: number, errors: Array<{ line: number, code: string }>, omittedErrors: number }
  t.match(res, { imported: 300, failed: 1, omittedErrors: 0 })
  t.same(res.errors.map((e) => [e.line, e.code]), [[151, 'FED_ERR_INVALID_JSON']])
  t.equal(store.count('device'), 300)

  // a stream over importMaxBytes is cut: the lines before the limit are imported and counted
  const many = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ type: 'device', id: 'big' + i }) + '\n')
  r = await fetch(url + '/api/v1/import', {
    method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: Readable.toWeb(Readable.from(many)) as ReadableStream, duplex: 'half'
  } as RequestInit)
  t.equal(r.status, 413)
  const cut = await r.json() as { code: string, details: { imported: number, failed: number } }
  t.equal(cut.code, 'FED_ERR_BODY_TOO_LARGE')
  t.ok(cut.details.imported > 0 && cut.details.imported < 2000, `imported before the cut: ${cut.details.imported}`)
  t.equal(store.count('device'), 300 + cut.details.imported, 'the summary matches the store')

  r = await fetch(url + '/api/v1/export?types=device', { headers: auth })
  t.equal(r.status, 200)
  t.equal(r.headers.get('content-type'), 'application/x-ndjson')
  const exported = (await r.text()).trim().split('\n')
  t.equal(exported.length, store.count('device'))

  await store.close()
  r = await fetch(url + '/readyz')
  t.equal(r.status, 503, 'not ready once the store is closed')
  t.equal((await r.json() as { code: string }).code, 'FED_ERR_NOT_READY')

})
