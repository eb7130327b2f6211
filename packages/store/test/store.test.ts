import t, { type Test } from 'tap'
import { FedError, type WriterKey } from '@federator/core'
import { Store } from '../src/index.js'
import { tmpDir as tmp, until } from '../../../test/helpers/index.js'

async function open (t: Test, dir: string, opts: Partial<ConstructorParameters<typeof Store>[0]> = {}): Promise<Store> {
  const s = new Store({ dir, ...opts })
  t.teardown(() => s.close())
  await s.ready()
  return s
}

const code = async (p: Promise<unknown>): Promise<string | undefined> => {
  try { await p } catch (err) { return (err as FedError).code }
  return undefined
}

t.test('create, read, patch, replace, delete', async (t) => {
  const s = await open(t, tmp(t))
  const r = await s.write({ op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['1001'] } })
  t.same(r, { type: 'user', id: 'alice', created: true, fields: { extensions: ['1001'], name: 'Alice' } })
  t.same(await s.get('user', 'alice'), { extensions: ['1001'], name: 'Alice' })
  t.same(await s.lookup('ext', '1001'), ['alice'])
  t.equal(await code(s.write({ op: 'create', type: 'user', id: 'alice', fields: { name: 'A', extensions: [] } })), 'FED_ERR_EXISTS')

  await s.write({ op: 'patch', type: 'user', id: 'alice', set: { email: 'alice@example.com', extensions: ['1002'] } })
  t.same(await s.get('user', 'alice'), { email: 'alice@example.com', extensions: ['1002'], name: 'Alice' })
  t.same(await s.lookup('ext', '1001'), [], 'old index entry removed')
  t.same(await s.lookup('ext', '1002'), ['alice'])

  await s.write({ op: 'replace', type: 'user', id: 'alice', fields: { name: 'Alice B', extensions: ['1002'] } })
  t.same(await s.get('user', 'alice'), { extensions: ['1002'], name: 'Alice B' }, 'replace drops fields not given')

  await s.write({ op: 'delete', type: 'user', id: 'alice' })
  t.equal(await s.get('user', 'alice'), undefined)
  t.same(await s.lookup('ext', '1002'), [])
  t.equal(await code(s.write({ op: 'delete', type: 'user', id: 'alice' })), 'FED_ERR_NOT_FOUND')
  t.equal(await code(s.write({ op: 'patch', type: 'user', id: 'alice', set: { name: 'x' } })), 'FED_ERR_NOT_FOUND')
  const again = await s.write({ op: 'create', type: 'user', id: 'alice', fields: { name: 'New', extensions: [] } })
  t.equal(again.created, true, 'a later create re-creates a deleted record')
  t.same(await s.get('user', 'alice'), { extensions: [], name: 'New' })
  t.equal(s.count('user'), 1)
})

t.test('bad writes are refused with a code and write nothing', async (t) => {
  const s = await open(t, tmp(t))
  const before = s.core.length
  t.equal(await code(s.write({ op: 'create', type: 'user', id: 'bob', fields: { name: 5, extensions: [] } })), 'FED_ERR_VALIDATION')
  t.equal(await code(s.write({ op: 'create', type: 'user', id: 'bob', fields: { name: 'B', extensions: [], x: 1 } })), 'FED_ERR_UNKNOWN_FIELD')
  t.equal(await code(s.write({ op: 'create', type: 'pizza' as 'user', id: 'bob', fields: {} })), 'FED_ERR_UNKNOWN_TYPE')
  t.equal(await code(s.write({ op: 'create', type: 'user', id: 'no/slash', fields: { name: 'B', extensions: [] } })), 'FED_ERR_INVALID_ID')
  t.equal(s.core.length, before, 'nothing appended to the log')
  t.equal(await s.get('user', 'bob'), undefined)
})

t.test('writeMany: later writes see earlier ones, failures are per write', async (t) => {
  const s = await open(t, tmp(t))
  const res = await s.writeMany([
    { op: 'create', type: 'user', id: 'u1', fields: { name: 'One', extensions: ['1'] } },
    { op: 'patch', type: 'user', id: 'u1', set: { email: 'one@x' } },
    { op: 'create', type: 'user', id: 'u1', fields: { name: 'Dup', extensions: [] } },
    { op: 'create', type: 'user', id: 'u2', fields: { name: 'Two' } }
  ])
  t.equal((res[0] as { created: boolean }).created, true)
  t.same((res[1] as { fields: unknown }).fields, { email: 'one@x', extensions: ['1'], name: 'One' })
  t.equal((res[2] as FedError).code, 'FED_ERR_EXISTS')
  t.equal((res[3] as FedError).code, 'FED_ERR_VALIDATION')
  t.same(await s.get('user', 'u1'), { email: 'one@x', extensions: ['1'], name: 'One' })
  t.ok(s.core.length <= 2, 'the burst went into few blocks')
})

t.test('restart resumes from the checkpoints; rebuild gives the same hash', async (t) => {
  const dir = tmp(t)
  let s = new Store({ dir })
  await s.ready()
  const ops = Array.from({ length: 500 }, (_, i) => ({ op: 'create' as const, type: 'device' as const, id: 'd' + i, fields: { user: 'u' + (i % 7), codecs: ['ulaw'] } }))
  await s.writeMany(ops)
  await s.write({ op: 'delete', type: 'device', id: 'd3' })
  const hash = s.viewHash()
  const length = s.core.length
  await s.close()

  s = await open(t, dir)
  t.equal(s.viewHash(), hash, 'same hash after restart')
  t.equal(s.core.length, length)
  t.equal(s.count('device'), 499)
  t.equal((await s.lookup('devuser', 'u3')).length, 70, 'index without the deleted device')
  t.equal(await s.rebuild(), hash, 'rebuild gives the same hash')
  t.same(await s.get('device', 'd10'), { codecs: ['ulaw'], user: 'u3' })
  await s.close()

  const { writeFile, readdir } = await import('node:fs/promises')
  for (const f of await readdir(dir + '/view')) if (/^(MANIFEST|CURRENT)/.test(f)) await writeFile(dir + '/view/' + f, 'garbage')
  s = await open(t, dir)
  t.equal(s.viewHash(), hash, 'a corrupt view is rebuilt with the same hash')
  await s.close()

  const { rm } = await import('node:fs/promises')
  await rm(dir + '/view', { recursive: true })
  s = await open(t, dir)
  t.equal(s.viewHash(), hash, 'a missing view is rebuilt with the same hash')
})

function link (a: Store, b: Store): () => void {
  const s1 = a.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = b.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  return () => { s1.destroy(); s2.destroy() }
}

t.test('two stores replicate each other\'s logs and converge', async (t) => {
  const a = await open(t, tmp(t))
  const b = await open(t, tmp(t))
  await a.write({ op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['1001'] } })
  await b.write({ op: 'create', type: 'user', id: 'bob', fields: { name: 'Bob', extensions: ['1002'] } })
  await a.addWriter(b.writerKey)
  await b.addWriter(a.writerKey)
  const unlink = link(a, b)
  t.teardown(unlink)
  await until(() => a.viewHash() === b.viewHash() && a.count('user') === 2, 'convergence')
  t.same(await b.get('user', 'alice'), { extensions: ['1001'], name: 'Alice' })

  // concurrent edits of the same field while disconnected → a visible conflict, same view
  unlink()
  await a.write({ op: 'patch', type: 'user', id: 'bob', set: { name: 'Bob from A' } })
  await b.write({ op: 'patch', type: 'user', id: 'bob', set: { name: 'Bob from B' } })
  t.not(a.viewHash(), b.viewHash())
  t.teardown(link(a, b))
  await until(() => a.viewHash() === b.viewHash(), 'convergence after the partition')
  const conflicts = await a.conflicts({ limit: 10 })
  t.equal(conflicts.length, 1)
  t.equal(conflicts[0]!.conflicts[0]!.field, 'name')
  t.same(await a.get('user', 'bob'), await b.get('user', 'bob'))
  t.same(await b.conflicts({ limit: 10 }), conflicts)
})

t.test('malformed blocks from a writer are quarantined, the rest applies', async (t) => {
  const { default: Corestore } = await import('corestore')
  const { Packr } = await import('msgpackr')
  const packr = new Packr({ useRecords: false })
  const evil = new Corestore(tmp(t))
  t.teardown(() => evil.close())
  const core = evil.get({ name: 'log' })
  await core.ready()
  await core.append([
    Buffer.from('not msgpack at all \xc1'),
    packr.pack({ v: 99, e: [] }),
    packr.pack({ v: 1, e: [{ o: 'p', t: 'user', i: 'carol', h: 5, s: { name: 'Carol', extensions: [] } }, { o: 'zz' }] })
  ])
  const s = await open(t, tmp(t))
  const key = core.key.toString('hex') as WriterKey
  await s.addWriter(key)
  const s1 = s.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const s2 = evil.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  s1.pipe(s2).pipe(s1)
  t.teardown(() => { s1.destroy(); s2.destroy() })
  await until(() => s.writers().find((w) => w.key === key)?.applied === 3, 'the writer applied')
  t.same(await s.get('user', 'carol'), { extensions: [], name: 'Carol' })
  const info = s.writers().find((w) => w.key === key)!
  t.equal(info.quarantined, 3)
  t.same((await s.quarantined(key)).map((q) => q.seq), [0, 1, 2])
  await s.write({ op: 'create', type: 'user', id: 'dave', fields: { name: 'Dave', extensions: [] } })
  t.ok(await s.get('user', 'dave'), 'the node keeps working')

  // field names an object inherits (valueOf, constructor, __proto__): no honest node writes them (records
  // only have their schema's fields); from a peer's log they are quarantined, and the log goes on
  await core.append([
    packr.pack({ v: 1, e: [{ o: 'p', t: 'user', i: 'erin', h: 6, s: { name: 'Erin', extensions: [] } }, { o: 'u', t: 'user', i: 'erin', h: 7, s: { valueOf: 1 } }] }),
    packr.pack({ v: 1, e: [{ o: 'u', t: 'user', i: 'erin', h: 8, u: ['constructor'] }, JSON.parse('{"o":"u","t":"user","i":"erin","h":9,"s":{"__proto__":{"x":1}}}')] }),
    packr.pack({ v: 1, e: [{ o: 'u', t: 'user', i: 'erin', h: 10, s: { name: 'Erin E.' } }] })
  ])
  await until(() => s.writers().find((w) => w.key === key)?.applied === 6, 'the writer applied the blocks after the bad names')
  // msgpackr decodes a `__proto__` key as `__proto_`: that entry arrives as a harmless unknown field (kept)
  const erin = await s.get('user', 'erin')
  t.same(erin, { __proto_: { x: 1 }, extensions: [], name: 'Erin E.' }, 'the entries around them applied')
  t.equal(Object.getPrototypeOf(erin), Object.prototype, 'no prototype replaced')
  t.same((await s.quarantined(key)).slice(3).map((q) => q.reason), ['bad field name "valueOf"', 'bad unset list'], 'the entries with inherited names quarantined')
})

t.test('a revoked writer\'s later entries are ignored, also when they were applied already', async (t) => {
  const a = await open(t, tmp(t))
  const b = await open(t, tmp(t))
  await a.addWriter(b.writerKey)
  const unlink = link(a, b)
  await b.write({ op: 'create', type: 'user', id: 'early', fields: { name: 'Early', extensions: [] } })
  await until(async () => (await a.get('user', 'early')) !== undefined, 'early write')
  const cut = b.core.length
  await b.write({ op: 'create', type: 'user', id: 'late', fields: { name: 'Late', extensions: [] } })
  await until(async () => (await a.get('user', 'late')) !== undefined, 'late write')
  unlink()
  await a.write({ op: 'create', type: 'node', id: b.writerKey, fields: { name: 'b', revoked: { length: cut, at: new Date().toISOString() } } })
  await until(async () => (await a.get('user', 'late')) === undefined, 'rebuild after revocation')
  t.ok(await a.get('user', 'early'), 'entries before the cut stay')
  t.teardown(link(a, b))
  await b.write({ op: 'create', type: 'user', id: 'later', fields: { name: 'Later', extensions: [] } })
  await until(() => a.writers().find((w) => w.key === b.writerKey)?.applied === b.core.length, 'b replicated')
  t.equal(await a.get('user', 'later'), undefined, 'new writes of the revoked node are ignored')
})

t.test('viewMemoryBytes: what LevelDB holds for the view grows with writes, 0 once closed', async (t) => {
  const dir = tmp(t)
  const s = new Store({ dir })
  await s.ready()
  const before = s.viewMemoryBytes()
  t.ok(before > 0, 'an open view has a memtable')
  await s.writeMany(Array.from({ length: 300 }, (_, i) => ({ op: 'create' as const, type: 'user' as const, id: `m${i}`, fields: { name: 'M'.repeat(100), extensions: [String(5000 + i)] } })))
  t.ok(s.viewMemoryBytes() > before + 300 * 100, 'the written records are in the memtable')
  await s.close()
  t.equal(s.viewMemoryBytes(), 0)
})
