/**
 * Queues, voicemail and static files through a real Asterisk (examples/asterisk/pjsip/ plus the
 * static mapping of examples/asterisk/static/) and one Federator node, sharing one node and one
 * Asterisk: realtime queues and members from generic table rows (`queue show` loads them on
 * demand), voicemail boxes from users (`voicemail show users`, and a PIN changed in VoicemailMain
 * lands in the user record), and a static `queues.conf` stored on the node.
 *
 * VoicemailMain needs a caller pressing keys: the test originates a Local channel whose `;2` leg
 * runs VoicemailMain and whose `;1` leg sends the digits with SendDTMF (PIN, 0 mailbox options,
 * 5 change password, the new PIN twice). The Asterisk under test has no sounds, so the prompts on
 * that path are given as silent files (harness `promptDatadir`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { asteriskOrSkip, startAsterisk, promptDatadir, rewriteExample, EXAMPLES } from './harness/index.js'
import { startCluster, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

/** Prompts VoicemailMain plays from the login to a changed password (and on the ways it can fail). */
const VM_PROMPTS = [
  'vm-password', 'vm-youhave', 'vm-no', 'vm-messages', 'vm-options', 'vm-newpassword', 'vm-reenterpassword', 'vm-passchanged',
  'vm-incorrect', 'vm-goodbye', 'vm-mismatch', 'vm-invalid-password', 'vm-pls-try-again'
]

/** The static example's mapping lines (queues.conf => curl,…), for this node. */
function staticMapping (nodeUrl: string): string {
  const text = rewriteExample('extconfig.conf', readFileSync(join(EXAMPLES, 'static', 'extconfig.conf'), 'utf8'), { nodeUrl, address: '', sipPort: 0 })
  return text.split('\n').filter((l) => /^\s*[^;[\s]/.test(l)).join('\n') + '\n'
}

const DIALPLAN = `
[vm-test]
exten => vm,1,Answer()
 same => n,VoicemailMain(1001@default)
 same => n,Hangup()
; the caller: PIN 1234, 0 mailbox options, 5 change password, 5678 twice
exten => keys,1,Wait(1)
 same => n,SendDTMF(1234#05,150,100)
 same => n,Wait(1)
 same => n,SendDTMF(5678#,150,100)
 same => n,Wait(1)
 same => n,SendDTMF(5678#,150,100)
 same => n,Wait(2)
 same => n,Hangup()
`

if (install !== null) {
  t.test('queues, voicemail and static files through the node', async (t) => {
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null }) })
    const node = cluster.nodes[0]!
    await node.put('users', 'carol', { name: 'Carol', extensions: ['1001'], voicemail: { pin: '1234', email: 'carol@example.com' } })
    const row = async (family: string, columns: Record<string, string>): Promise<void> => {
      await node.json(`/api/v1/tables/${family}/rows`, { method: 'POST', body: JSON.stringify({ columns }) })
    }
    await row('queues', { name: 'sales', strategy: 'leastrecent', timeout: '20' })
    await row('queue_members', { uniqueid: '1', queue_name: 'sales', interface: 'Local/100@apps', membername: 'Alice', penalty: '2' })
    // a non-empty reason_paused in a row present at load makes app_queue write pause reasons (docs/asterisk.md)
    await row('queue_members', { uniqueid: '2', queue_name: 'sales', interface: 'Local/101@apps', membername: 'Bob', penalty: '0', reason_paused: '-' })

    const ast = await startAsterisk(t, install, {
      stack: 'pjsip',
      nodeUrl: node.url,
      datadir: promptDatadir(t, install, VM_PROMPTS),
      // res_adsi would answer VoicemailMain's ADSI probe (a CAS tone) by eating the caller's first digits
      append: { 'extconfig.conf': staticMapping(node.url), 'extensions.conf': DIALPLAN, 'modules.conf': 'noload => res_adsi.so\n' }
    })

    t.test('realtime queues and members from generic rows', async (t) => {
      const out = await ast.rx('queue show sales')
      t.match(out, /^sales has 0 calls .* in 'leastrecent' strategy/m, 'the queue is loaded on demand, with its strategy')
      t.match(out, /Alice \(Local\/100@apps.*\) with penalty 2/, 'member Alice, penalty 2')
      t.match(out, /Bob \(Local\/101@apps/, 'member Bob')

      await node.json('/api/v1/tables/queue_members/rows/2', { method: 'DELETE' })
      await row('queue_members', { uniqueid: '3', queue_name: 'sales', interface: 'Local/102@apps', membername: 'Dave' })
      const again = await ast.rx('queue show sales')
      t.notMatch(again, /Bob/, 'a deleted member row is gone at the next lookup')
      t.match(again, /Dave \(Local\/102@apps/, 'a new member row appears')
      t.match(await ast.rx('queue show nosuch'), /No such queue: nosuch/, 'a queue without a row does not exist')

      // app_queue writes a realtime member's pause back to its row, addressed by uniqueid
      const alice = async (): Promise<Record<string, string>> =>
        (await node.json<{ columns: Record<string, string> }>('/api/v1/tables/queue_members/rows/1')).columns
      await ast.rx('queue pause member Local/100@apps queue sales reason lunch')
      t.same([(await alice()).paused, (await alice()).reason_paused], ['1', 'lunch'], 'queue pause member: paused=1 and the reason in the row')
      t.match(await ast.rx('queue show sales'), /Alice \(Local\/100@apps.*\(paused/, 'and Asterisk shows it paused')
      await ast.rx('queue unpause member Local/100@apps queue sales')
      t.equal((await alice()).paused, '0', 'unpause: paused=0')
      t.equal((await alice()).membername, 'Alice', 'the other columns stay')
    })

    t.test('voicemail boxes from users; a PIN changed in VoicemailMain lands in the user record', async (t) => {
      const users = await ast.rx('voicemail show users for default')
      t.match(users, /==> mailbox: 1001/, 'the user\'s mailbox is listed')
      t.match(users, /==> fullname: Carol/, 'with the user\'s name')
      t.match(users, /==> email: carol@example\.com/, 'and email')

      await ast.rx('channel originate Local/vm@vm-test extension keys@vm-test')
      const user = await waitFor('the new PIN in the user record', async () => await node.get('users', 'carol'),
        (u) => (u?.voicemail as { pin?: string } | undefined)?.pin === '5678', 20_000)
      t.same(user?.voicemail, { pin: '5678', email: 'carol@example.com' }, 'voicemail.pin changed, nothing else')
      t.match(await ast.rx('voicemail show users for default'), /==> password: 5678/, 'Asterisk reads the new PIN back')
    })

    t.test('a static queues.conf stored on the node', async (t) => {
      const before = await ast.rx('queue show support')
      t.match(before, /No such queue: support/, 'not stored yet: the mapped file loads empty')
      const text = readFileSync(join(EXAMPLES, 'static', 'queues.conf'), 'utf8')
      const res = await node.api('/api/v1/configs/queues.conf/conf', { method: 'PUT', body: text, headers: { 'content-type': 'text/plain' } })
      t.equal(res.status, 201, 'stored')
      await ast.rx('module reload app_queue.so')
      const out = await ast.rx('queue show support')
      t.match(out, /^support has 0 calls .* in 'ringall' strategy/m, 'the static queue, its template expanded')
      t.match(out, /Carol \(Local\/200@apps/, 'its static member')
      t.match(await ast.rx('queue show sales'), /Alice \(Local\/100@apps/, 'realtime queues still load beside it')
    })

    t.test('the node refused nothing but the file asked for before it was stored', async (t) => {
      const metrics = await (await fetch(node.url + '/metrics')).text()
      const refused = [...metrics.matchAll(/^federator_realtime_refused_total\{reason="([^"]+)"\} (\d+)/gm)].filter((m) => m[2] !== '0').map((m) => m[1])
      t.match(metrics, /^federator_realtime_requests_total\{op="update"\} [1-9]/m, 'Asterisk\'s requests were counted (the password change is an update)')
      t.same(refused.filter((r) => r !== 'unknown_config'), [], 'no realtime request of Asterisk was refused')
    })
  })
}
