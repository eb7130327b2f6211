import t, { type Test } from 'tap'
import net from 'node:net'
import { AmiClient, parseAmiMessage } from '../src/ami-client.js'

/** A TCP server speaking the few lines of AMI the client uses (Asterisk itself: test/asterisk/push-contacts.test.ts). */
async function ami (t: Test, answer: (action: Record<string, string>, write: (m: Record<string, string>) => void) => void): Promise<number> {
  const server = net.createServer((c) => {
    c.write('Asterisk Call Manager/9.0.0\r\n')
    let buf = ''
    c.on('data', (d) => {
      buf += d.toString()
      let i
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const m = parseAmiMessage(buf.slice(0, i))
        buf = buf.slice(i + 4)
        answer(m, (out) => c.write(Object.entries(out).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n'))
      }
    })
    c.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return (server.address() as net.AddressInfo).port
}

t.test('parseAmiMessage: Key: value lines, the first of a repeated key', async (t) => {
  t.same(parseAmiMessage('Event: ContactList\r\nUri: sip:a@b:5060\r\nPath: \r\nUri: x'), { Event: 'ContactList', Uri: 'sip:a@b:5060', Path: '' })
})

t.test('a listing: login, the action, its events until Complete', async (t) => {
  const port = await ami(t, (m, write) => {
    if (m.Action === 'Login') write({ Response: m.Secret === 's' ? 'Success' : 'Error', ActionID: m.ActionID!, Message: m.Secret === 's' ? 'Authentication accepted' : 'Authentication failed' })
    if (m.Action === 'PJSIPShowContacts') {
      write({ Response: 'Success', ActionID: m.ActionID!, EventList: 'start' })
      write({ Event: 'ContactStatus', URI: 'unrelated' })
      write({ Event: 'ContactList', ActionID: m.ActionID!, ObjectName: 'a;@1', Uri: 'sip:a@h' })
      write({ Event: 'ContactList', ActionID: m.ActionID!, ObjectName: 'b;@2', Uri: 'sip:b@h' })
      write({ Event: 'ContactListComplete', ActionID: m.ActionID!, EventList: 'Complete', ListItems: '2' })
    }
  })
  const items = await new AmiClient({ host: '127.0.0.1', port, user: 'u', password: 's' }).list('PJSIPShowContacts')
  t.same(items.map((i) => i.ObjectName), ['a;@1', 'b;@2'], 'the list events, in order; unrelated events skipped')
  const refused = await new AmiClient({ host: '127.0.0.1', port, user: 'u', password: 'wrong' }).list('PJSIPShowContacts').catch((e: unknown) => e)
  t.match(refused, { code: 'FED_ERR_AMI', message: /login refused/ }, 'a wrong secret: FED_ERR_AMI')
})

t.test('an empty listing answered as an error is no contact; no server: FED_ERR_AMI', async (t) => {
  const port = await ami(t, (m, write) => {
    if (m.Action === 'Login') write({ Response: 'Success', ActionID: m.ActionID! })
    else write({ Response: 'Error', ActionID: m.ActionID!, Message: 'No Contacts found' })
  })
  t.same(await new AmiClient({ host: '127.0.0.1', port, user: 'u', password: 's' }).list('PJSIPShowContacts'), [])
  const closed = await new Promise<number>((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) }) })
  const c = new AmiClient({ host: '127.0.0.1', port: closed, user: 'u', password: 's' })
  t.match(await c.list('PJSIPShowContacts').catch((e: unknown) => e), { code: 'FED_ERR_AMI', message: /connection failed \(ECONNREFUSED\)/ })
  t.same(c.counters, { calls: 1, failures: 1 }, 'counted')
})

t.test('no answer: FED_ERR_AMI after the timeout', async (t) => {
  const port = await ami(t, () => {})
  const c = new AmiClient({ host: '127.0.0.1', port, user: 'u', password: 's' }, { timeoutMs: 200 })
  t.match(await c.list('PJSIPShowContacts').catch((e: unknown) => e), { code: 'FED_ERR_AMI', message: /no answer within 200 ms/ })
})

t.test('a batch: several actions in one session, a refused one does not stop the others', async (t) => {
  let logins = 0
  const port = await ami(t, (m, write) => {
    if (m.Action === 'Login') { logins++; write({ Response: 'Success', ActionID: m.ActionID! }); return }
    if (m.Object === 'absent') write({ Response: 'Error', ActionID: m.ActionID!, Message: 'The provided object could not be expired from the cache' })
    else write({ Response: 'Success', ActionID: m.ActionID!, Message: 'The provided object was expired from the cache' })
  })
  const c = new AmiClient({ host: '127.0.0.1', port, user: 'u', password: 's' })
  const out = await c.batch([
    { action: 'SorceryMemoryCacheExpireObject', fields: { Cache: 'c', Object: 'a' } },
    { action: 'SorceryMemoryCacheExpireObject', fields: { Cache: 'c', Object: 'absent' } },
    { action: 'SorceryMemoryCacheExpire', fields: { Cache: 'c' } }
  ])
  t.same(out[0], [], 'first: done')
  t.match(out[1], { code: 'FED_ERR_AMI', message: /SorceryMemoryCacheExpireObject .*could not be expired/ }, 'second: Asterisk\'s refusal, as FED_ERR_AMI')
  t.same(out[2], [], 'third: done after the refusal')
  t.equal(logins, 1, 'one login for the three')
  t.same(c.counters, { calls: 1, failures: 1 }, 'the refused action counted')
})
