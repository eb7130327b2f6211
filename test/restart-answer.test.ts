/**
 * A restarted node answers Asterisk as soon as it listens (issue 9, item 2),
 * end to end with the built CLI: a node holding a few thousand users and
 * devices (bulk import) is stopped and started again. The realtime API
 * answers from the view right when the node prints that it listens; /readyz
 * answers 503 "still loading: …" while the routing snapshot and the realtime
 * indexes build in the background, then 200; /route then decides from the
 * full snapshot. Whether a 503 is seen depends on the machine's speed, so it
 * is checked when seen (the ordering itself is proven deterministically in
 * packages/server/test/route/startup.test.ts, with a held-back scan).
 * Waits poll with a deadline; nothing asserts a duration.
 */
import { Readable } from 'node:stream'
import t from 'tap'
import { NodeProcess } from './helpers/node-process.js'
import { tmpDir, until } from './helpers/index.js'

const USERS = 3000
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

function * records (): Generator<string> {
  for (let i = 0; i < USERS; i++) {
    yield JSON.stringify({ type: 'user', id: `u${i}`, name: `User ${i}`, extensions: [String(100000 + i)], voicemail: { pin: String(1000 + i) } }) + '\n' +
      JSON.stringify({ type: 'device', id: `d${i}`, user: `u${i}`, secret: `s${i}` }) + '\n'
  }
}

t.test('after a restart: realtime answers once the node listens, /readyz says when everything is loaded', async (t) => {
  const node = new NodeProcess(tmpDir(t), [], { FEDERATOR_ADMIN_TOKEN: 'restart-token' })
  node.token = 'restart-token'
  await node.start(t)
  const res = await node.api('/api/v1/import', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(Readable.from(records())) as unknown as ReadableStream,
    duplex: 'half'
  } as RequestInit)
  t.match(await res.json(), { imported: 2 * USERS, failed: 0 })
  t.equal(await node.kill('SIGTERM'), 0)

  await node.start(t)
  const rt = async (family: string, body: string): Promise<string> =>
    await (await fetch(`${node.url}/realtime/${family}/single`, { method: 'POST', headers: FORM, body })).text()
  // the first request after "listening on": answered from the view, whatever is still loading
  t.match(await rt('ps_endpoints', `id=d${USERS - 1}`), new RegExp(`^id=d${USERS - 1}&`))

  const seen: Array<{ status: number, message?: string }> = []
  await until(async () => {
    const r = await fetch(node.url + '/readyz')
    const body = await r.json() as { message?: string }
    seen.push({ status: r.status, ...(body.message !== undefined ? { message: body.message } : {}) })
    return r.status === 200
  }, '/readyz 200', 60_000, 5)
  const early = seen.filter((s) => s.status !== 200)
  for (const s of early) t.match(s, { status: 503, message: /^Not ready: still loading: / }, 'a 503 while starting names what is still loading')
  t.comment(`/readyz answered 503 ${early.length} time(s) before 200${early.length > 0 ? ` (first: ${early[0]!.message})` : ''}`)

  t.equal(await (await fetch(`${node.url}/route?exten=${100000 + USERS - 1}`)).text(), 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20', 'the last user imported is in the snapshot')
  t.match(await rt('voicemail', `mailbox=${100000 + USERS - 1}&context=default`), new RegExp(`password=${1000 + USERS - 1}`), 'and in the voicemail index')
  t.equal(await node.kill('SIGTERM'), 0)
})
