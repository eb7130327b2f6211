/**
 * Refused realtime requests are counted and warned about, and the warning
 * quotes the request for diagnosis: never its values, which may be device
 * secrets or voicemail PINs.
 */
import t from 'tap'
import { scrubValues } from '../../src/realtime/metrics.js'
import { rtHarness } from './harness.js'

t.test('scrubValues keeps names, drops every value', async (t) => {
  t.equal(scrubValues('secret=hunter2&name=bob'), 'secret=…&name=…')
  t.equal(scrubValues('"&name=bobsecret=hunter2"'), '"&name=…"', 'run-together pairs')
  t.equal(scrubValues('"a=x\\"hunter2" and b=y z'), '"a=…" and b=… z', 'escaped quotes inside a quoted value')
  t.equal(scrubValues('No such realtime path'), 'No such realtime path')
})

t.test('realtime refusal warnings carry no secret', async (t) => {
  const h = await rtHarness(t)
  await h.write({ op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { enabled: true, pin: '4711' } } })
  const SECRET = 'hunter2XYZ'
  // a run-together update2 the node cannot split: the warning quotes the request
  t.equal((await h.rt('sippeers', 'update', '&port=1', `&name=bobfoo=${SECRET}`)).body, '-1\n')
  // an unknown path with a secret in its query
  const res = await h.app.inject({ method: 'POST', url: `/realtime/a/b/c?secret=${SECRET}&pin=4711`, payload: '' })
  t.equal(res.statusCode, 200)
  // a store into a read-only view with a secret in the body
  t.equal((await h.rt('sippeers', 'store', `name=bob&secret=${SECRET}`)).body, '-1\n')
  t.ok(h.logs.length >= 3, `warnings logged (${h.logs.length})`)
  const text = JSON.stringify(h.logs)
  t.notMatch(text, SECRET, 'the secret is in no log line')
  t.notMatch(text, /4711/, 'nor the PIN')
  t.match(text, /update2/, 'the warnings still say what went wrong')
})
