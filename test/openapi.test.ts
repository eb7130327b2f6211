/**
 * /docs describes the routes an operator and a dialplan use beyond the
 * records: `/route`, `/metrics` and `/api/v1/cluster` are in /docs/json with
 * a summary and their answers' shape, and a live node's answers fit the
 * schemas documented (JSON Schema checked with Ajv).
 */
import t from 'tap'
import { Ajv } from 'ajv'
import { tmpDir } from './helpers/index.js'
import { NodeProcess } from './helpers/node-process.js'

interface Operation {
  summary?: string
  parameters?: Array<{ in: string, name: string, required?: boolean }>
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>
}

t.test('/docs/json lists /route, /metrics and /api/v1/cluster, and the answers fit', async (t) => {
  const node = new NodeProcess(tmpDir(t))
  await node.start(t)
  const spec = await (await fetch(node.url + '/docs/json')).json() as { paths: Record<string, Record<string, Operation>> }
  const op = (path: string, method: string): Operation => {
    const o = spec.paths[path]?.[method]
    if (o === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in /docs/json (paths: ${Object.keys(spec.paths).join(', ')})`)
    return o
  }
  const ajv = new Ajv({ strict: false })

  for (const method of ['get', 'post']) {
    const route = op('/route', method)
    t.match(route.summary, /routing answer/, `${method} /route has a summary`)
    t.ok(route.responses?.['200']?.content?.['text/plain'], `${method} /route: the text answer is described`)
    t.ok(route.responses?.['200']?.content?.['application/json']?.schema, `${method} /route: the JSON answer is described`)
  }
  t.ok(op('/route', 'get').parameters?.some((p) => p.in === 'query' && p.name === 'exten'), 'GET /route: exten among the query parameters')
  const routeJson = ajv.compile(op('/route', 'get').responses!['200']!.content!['application/json']!.schema!)
  for (const q of ['exten=100&format=json', 'format=json', 'exten=100&format=json&exten=200']) {
    const answer = await (await fetch(`${node.url}/route?${q}`)).json()
    t.ok(routeJson(answer), `/route?${q} fits the documented JSON (${ajv.errorsText(routeJson.errors)})`)
  }
  const text = await fetch(node.url + '/route?exten=%%')
  t.equal(text.status, 200, 'bad input is still answered 200 (no validation by the schema)')
  t.match(await text.text(), /^status=INVALID&/, 'with status=INVALID')

  const metrics = op('/metrics', 'get')
  t.match(metrics.summary, /Prometheus/, '/metrics has a summary')
  t.ok(metrics.responses?.['200']?.content?.['text/plain'], '/metrics: the text answer is described')

  const cluster = op('/api/v1/cluster/', 'get')
  t.match(cluster.summary, /view of the cluster/, '/api/v1/cluster has a summary')
  const schema = cluster.responses?.['200']?.content?.['application/json']?.schema
  t.ok(schema, '/api/v1/cluster: the answer is described')
  const res = await node.api('/api/v1/cluster')
  t.equal(res.status, 200)
  const body = await res.json() as Record<string, unknown>
  const fits = ajv.compile(schema!)
  t.ok(fits(body), `a live /api/v1/cluster answer fits its schema (${ajv.errorsText(fits.errors)})`)
  t.ok(Array.isArray(body.writers) && Array.isArray(body.nodes) && typeof body.viewHash === 'string', 'and holds its data (not filtered by the schema)')
  t.same(Object.keys(body).sort(), Object.keys((schema as { properties: object }).properties).sort(), 'every top-level field is documented')
})
