import t from 'tap'
import { readFileSync } from 'node:fs'
import { ERRORS, FedError, RECORD_TYPES, type ErrorCode } from '@federator/core'
import { CursorCodec, STATUS, applyMergePatch, ndjsonLines, planFilters, toHttpError, lineToOp, parseTypes } from '../src/index.js'

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as FedError).code }
  return undefined
}

t.test('every FED_ERR code has an HTTP status and is documented in docs/errors.md', async (t) => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  for (const c of Object.keys(ERRORS) as ErrorCode[]) {
    t.type(STATUS[c], 'number', `${c} has a status`)
    t.match(doc, new RegExp('`' + c + '`\\s*\\|\\s*' + String(STATUS[c])), `${c} is in docs/errors.md with status ${String(STATUS[c])}`)
  }
})

t.test('toHttpError: FedError, Fastify errors, and unexpected errors without leaking them', async (t) => {
  t.same(toHttpError(new FedError('FED_ERR_EXISTS', 'x exists')), { status: 409, body: { code: 'FED_ERR_EXISTS', message: 'x exists' }, internal: false })
  const unauth = toHttpError(new FedError('FED_ERR_UNAUTHORIZED'))
  t.equal(unauth.status, 401)
  t.match(unauth.headers, { 'www-authenticate': /^Bearer/ })
  const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })
  t.match(toHttpError(tooLarge), { status: 413, body: { code: 'FED_ERR_BODY_TOO_LARGE' } })
  const media = Object.assign(new Error('Unsupported Media Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })
  t.match(toHttpError(media), { status: 415, body: { code: 'FED_ERR_UNSUPPORTED_MEDIA' } })
  const secret = toHttpError(new Error('ENOENT: /secret/path/of/the/server'))
  t.same(secret, { status: 500, body: { code: 'FED_ERR_INTERNAL', message: ERRORS.FED_ERR_INTERNAL }, internal: true })
  const validation = Object.assign(new Error('body/x must be string'), {
    statusCode: 400,
    validationContext: 'body',
    validation: [
      { keyword: 'boolean', instancePath: '/zz', params: {}, message: 'schema is false' },
      { keyword: 'additionalProperties', instancePath: '', params: { additionalProperties: ['zz'] }, message: 'must not have additional properties' },
      { keyword: 'type', instancePath: '/name', params: {}, message: 'must be string' }
    ]
  })
  t.match(toHttpError(validation), { status: 400, body: { code: 'FED_ERR_UNKNOWN_FIELD', details: [{ path: '/zz' }] } }, 'unknown fields first')
  validation.validation.splice(0, 2)
  t.match(toHttpError(validation), { status: 400, body: { code: 'FED_ERR_VALIDATION', details: [{ path: '/name', message: 'must be string' }] } })
})

t.test('cursors: round trip; garbled, forged, foreign-scope and foreign-secret cursors are refused', async (t) => {
  const c = new CursorCodec('secret', 2048)
  const cur = c.encode('user?[]', 'alice')
  t.equal(c.decode('user?[]', cur), 'alice')
  t.equal(c.decode('conflicts', c.encode('conflicts', 'user\0bob')), 'user\0bob')
  t.equal(code(() => c.decode('device?[]', cur)), 'FED_ERR_BAD_CURSOR', 'another listing')
  t.equal(code(() => c.decode('user?["name=x"]', cur)), 'FED_ERR_BAD_CURSOR', 'other filters')
  t.equal(code(() => new CursorCodec('other', 2048).decode('user?[]', cur)), 'FED_ERR_BAD_CURSOR', 'another secret')
  const [, mac] = cur.split('.')
  t.equal(code(() => c.decode('user?[]', Buffer.from('mallory').toString('base64url') + '.' + mac!)), 'FED_ERR_BAD_CURSOR', 'forged position')
  for (const bad of ['', 'abc', 'a.b.c', '!!!.abc', cur.slice(0, -2), cur + 'x', 'x'.repeat(3000)]) {
    t.equal(code(() => c.decode('user?[]', bad)), 'FED_ERR_BAD_CURSOR', `garbled ${JSON.stringify(bad.slice(0, 20))}`)
  }
})

async function collect (chunks: Array<string | Buffer>, max: number): Promise<Array<{ line: number, text?: string, tooLong?: true }>> {
  const out = []
  for await (const batch of ndjsonLines((async function * () { yield * chunks })(), max)) out.push(...batch)
  return out
}

t.test('ndjsonLines: any chunking gives the same lines; long lines are skipped; multi-byte characters survive', async (t) => {
  const text = '{"a":1}\n\n{"b":"é€😀"}\r\n' + 'x'.repeat(50) + '\n{"c":3}'
  const whole = await collect([text], 20)
  t.same(whole, [
    { line: 1, text: '{"a":1}' },
    { line: 2, text: '' },
    { line: 3, text: '{"b":"é€😀"}\r' },
    { line: 4, tooLong: true },
    { line: 5, text: '{"c":3}' }
  ])
  const bytes = Buffer.from(text)
  for (const size of [1, 2, 3, 7, 13]) {
    const chunks: Buffer[] = []
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
    t.same(await collect(chunks, 20), whole, `chunks of ${size} bytes`)
  }
  t.same(await collect(['x'.repeat(30)], 20), [{ line: 1, tooLong: true }], 'an over-long last line')
  t.same(await collect([], 20), [])
})

t.test('JSON merge patch: the RFC 7386 appendix A cases', async (t) => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }]
  ]
  for (const [target, patch, result] of cases) t.same(applyMergePatch(target, patch), result, JSON.stringify([target, patch]))
})

t.test('list filters: typed values, indexes, unknown and malformed filters', async (t) => {
  const p = planFilters('device', { user: 'u1', enabled: 'true', maxContacts: '3', limit: 5, cursor: 'x' })
  t.same(p.index, { name: 'devuser', value: 'u1' })
  t.equal(p.checks.length, 3)
  t.ok(p.checks.every((c) => c('d1', { user: 'u1', enabled: true, maxContacts: 3 })))
  t.notOk(p.checks.every((c) => c('d1', { user: 'u1', enabled: 'true', maxContacts: 3 })), 'a boolean is not the string "true"')
  t.same(planFilters('device', { username: 'x' }).index, { name: 'authuser', value: 'x' })
  t.same(planFilters('trunk', { ip: '10.0.0.1' }).index, { name: 'ip', value: '10.0.0.1' })
  t.same(planFilters('user', { extension: '1001' }).index, { name: 'ext', value: '1001' })
  t.ok(planFilters('user', { extensions: '1001' }).checks[0]!('u', { extensions: ['1000', '1001'] }), 'array fields match by membership')
  t.ok(planFilters('row', { name: 'support' }).checks[0]!('queues/support', { columns: { name: 'support' } }))
  t.not(planFilters('user', { name: 'a' }).scope, planFilters('user', { name: 'b' }).scope, 'the scope names the filter values')
  for (const [type, q] of [
    ['user', { nope: 'x' }], ['user', { voicemail: 'x' }], ['device', { enabled: 'maybe' }], ['device', { maxContacts: 'lots' }],
    ['device', { user: ['a', 'b'] }], ['row', { 'Bad-Column': 'x' }]
  ] as const) {
    t.equal(code(() => planFilters(type, q as Record<string, unknown>)), 'FED_ERR_BAD_QUERY', `${type} ${JSON.stringify(q)}`)
  }
})

t.test('import lines and export types', async (t) => {
  t.same(lineToOp('{"type":"user","id":"a","name":"A","extensions":[]}'), { op: 'replace', type: 'user', id: 'a', fields: { name: 'A', extensions: [] } })
  t.equal(code(() => lineToOp('{"type":"user"')), 'FED_ERR_INVALID_JSON')
  t.equal(code(() => lineToOp('[1]')), 'FED_ERR_VALIDATION')
  t.equal(code(() => lineToOp('{"type":"pizza","id":"a"}')), 'FED_ERR_UNKNOWN_TYPE')
  t.equal(code(() => lineToOp('{"type":"user","id":"a b"}')), 'FED_ERR_INVALID_ID')
  t.equal(code(() => lineToOp('{"type":"row","id":"queues/x","family":"other","columns":{}}')), 'FED_ERR_ID_MISMATCH')
  t.equal(code(() => lineToOp('{"type":"user","id":"a","name":1,"extensions":[]}', true)), 'FED_ERR_VALIDATION', 'validated in dry runs')
  t.same(parseTypes('row, table'), ['table', 'row'], 'dependency order')
  t.same(parseTypes(undefined), RECORD_TYPES.filter((x) => x !== 'node'), 'all but node records by default')
  t.same(parseTypes('node'), ['node'], 'node records when asked for')
  t.equal(code(() => parseTypes('user,pizza')), 'FED_ERR_BAD_QUERY')
})

t.test('importNdjson: a source that breaks off keeps what was written and says so', async (t) => {
  const { openStore } = await import('./helpers.js')
  const { importNdjson } = await import('../src/index.js')
  const store = await openStore(t)
  async function * broken (): AsyncGenerator<string> {
    for (let i = 0; i < 30; i++) yield JSON.stringify({ type: 'device', id: 'd' + i }) + '\n'
    throw new Error('ECONNRESET')
  }
  const err = await importNdjson(store, broken(), { chunk: 10 }).then(() => undefined, (e: unknown) => e as FedError)
  t.equal(err?.code, 'FED_ERR_BAD_REQUEST')
  t.match(err?.details, { imported: 30, failed: 0 })
  t.equal(store.count('device'), 30)
})

t.test('buildApp refuses a bad configuration', async (t) => {
  const { openStore } = await import('./helpers.js')
  const { buildApp } = await import('../src/index.js')
  const store = await openStore(t)
  const err = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (e: unknown) => (e as FedError).code)
  t.equal(await err(buildApp({ store, adminToken: '' })), 'FED_ERR_CONFIG', 'empty admin token')
  t.equal(await err(buildApp({ store, adminToken: 'x', limits: { listMax: 0 } })), 'FED_ERR_CONFIG')
  t.equal(await err(buildApp({ store, adminToken: 'x', limits: { listLimit: 50, listMax: 10 } })), 'FED_ERR_CONFIG')
})
