/**
 * `federator import-asterisk` as a user runs it: --dry-run prints the report and writes nothing
 * (no node needed), then a real import into a node process, read back through the realtime API
 * Asterisk uses: the rows are the options the files gave (written out here by hand), and importing
 * the same files again changes nothing.
 */
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpDir } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

const FIX = join(import.meta.dirname, 'fixtures', 'asterisk-import')
const FILES = ['pjsip.conf', 'sip.conf', 'voicemail.conf', 'queues.conf'].map((f) => join(FIX, f))
const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'asterisk-libcurl-agent/1.0' }

/** One realtime answer line as columns. */
function columns (line: string): Record<string, string> {
  return Object.fromEntries(line.trim().split('&').filter((p) => p.length > 0).map((p) => p.split('=').map(decodeURIComponent) as [string, string]))
}

t.test('--dry-run: the report, nothing written, no node needed', async (t) => {
  const r = await runCli(['import-asterisk', '--dry-run', '--url', 'http://127.0.0.1:9', ...FILES])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^Records: 3 users, 5 devices, 3 trunks, 1 provider, 3 rows$/m)
  t.match(r.stdout, /device 102 {2}← .*pjsip_phones\.conf:\d+ endpoint 102 \+ .*aor 102 \+ .*auth 102-auth/)
  t.match(r.stdout, /overrides: pjsip\.language, pjsip\.qualify_frequency/)
  t.match(r.stdout, /trunk sipgate-out {2}← .*sip\.conf:\d+ peer sipgate-out \+ .*register => 4930999:\*\*\*@sipgate-out/, 'the register line is shown without its secret')
  t.notMatch(r.stdout, /sip-trunk-pw/, 'no secret in the report')
  t.match(r.stdout, /Not mapped:[\s\S]*transport transport-udp: a transport is node-local/)
  t.match(r.stdout, /device 201 {2}← .*\n {6}overrides: [^\n]*sip\.call-limit/, 'call-limit kept as a sip override')
  t.match(r.stdout, /\(dry run: nothing written\)/)

  const rec = await runCli(['import-asterisk', '--dry-run', '--records', ...FILES])
  const records = rec.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string, id: string })
  t.equal(records.length, 15)
  t.same(records.slice(0, 3).map((x) => x.type), ['user', 'user', 'user'], 'users first (devices name them)')

  const missing = await runCli(['import-asterisk', '--dry-run', join(FIX, 'nope.conf')])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /FED_ERR_CONFIG: cannot read .*nope\.conf/)
  const bad = join(tmpDir(t), 'pjsip.conf')
  await writeFile(bad, '[a]\ntype=endpoint\n#include missing.conf\n')
  const broken = await runCli(['import-asterisk', '--dry-run', bad])
  t.equal(broken.code, 2)
  t.match(broken.stderr, /FED_ERR_IMPORT_LINE: .*pjsip\.conf:3: #include missing\.conf: cannot read it/)
})

t.test('import into a node; Asterisk reads back what the files said', async (t) => {
  const data = tmpDir(t)
  const node = new NodeProcess(data)
  await node.start(t)
  const imp = await runCli(['import-asterisk', '--url', node.url, '--data', data, ...FILES])
  t.equal(imp.code, 0, imp.stderr)
  t.match(imp.stdout, /imported 15, failed 0/)

  const rt = async (family: string, op: string, body: string): Promise<string> => {
    const res = await fetch(`${node.url}/realtime/${family}/${op}`, { method: 'POST', headers: FORM, body })
    t.equal(res.status, 200)
    return await res.text()
  }
  t.same(columns(await rt('ps_endpoints', 'single', 'id=102')), {
    id: '102', aors: '102', auth: '102', context: 'from-internal', disallow: 'all', allow: 'ulaw,alaw,g722', direct_media: 'no',
    dtmf_mode: 'rfc4733', rtp_symmetric: 'yes', force_rport: 'yes', rewrite_contact: 'yes', callerid: '"Bob Jones" <102>',
    mailboxes: '102@sales', identify_by: 'username', language: 'de'
  }, 'endpoint 102: template + own options + the (+) addition')
  t.same(columns(await rt('ps_aors', 'single', 'id=102')), { id: '102', max_contacts: '1', remove_existing: 'yes', qualify_frequency: '0' })
  t.same(columns(await rt('ps_auths', 'single', 'id=102')), { id: '102', auth_type: 'userpass', username: '102', password: 'bob-secret-2' })
  t.same(columns(await rt('ps_endpoints', 'single', 'id=carrier')), {
    id: 'carrier', aors: 'carrier', context: 'from-carrier', disallow: 'all', allow: 'ulaw', direct_media: 'no', dtmf_mode: 'rfc4733'
  }, 'a trunk endpoint with only the options the file set')
  t.same(columns(await rt('ps_endpoint_id_ips', 'single', 'id=carrier')), { id: 'carrier', endpoint: 'carrier', match: '127.0.0.1,127.0.0.0/28' })
  t.same(columns(await rt('ps_registrations', 'single', 'id=itsp')), {
    id: 'itsp', server_uri: 'sip:127.0.0.1:5998', client_uri: 'sip:4930123456@127.0.0.1:5998', contact_user: '4930123456',
    outbound_auth: 'itsp', expiration: '600', retry_interval: '60', forbidden_retry_interval: '600', line: 'yes', endpoint: 'itsp'
  })
  t.same(columns(await rt('sippeers', 'single', 'name=202')), {
    name: '202', type: 'friend', host: 'dynamic', secret: 'dan-sip-202', context: 'from-internal', disallow: 'all', allow: 'ulaw',
    nat: 'force_rport,comedia', directmedia: 'no', dtmfmode: 'rfc2833', qualify: 'yes', callerid: '"Dan Wu" <202>'
  })
  const vm = columns(await rt('voicemail', 'single', 'mailbox=101&context=default'))
  t.same({ ...vm, uniqueid: undefined }, {
    uniqueid: undefined, context: 'default', mailbox: '101', password: '4242', fullname: 'Alice Smith', email: 'alice@example.com', attach: 'yes', saycid: 'yes'
  })
  t.same(columns(await rt('queues', 'single', 'name=sales')), { name: 'sales', strategy: 'rrmemory', timeout: '15', retry: '5', musicclass: 'default', announce_frequency: '30' })
  const members = (await rt('queue_members', 'multi', 'queue_name=sales')).trim().split('\n').map(columns)
  t.same(members.map((m) => m.interface).sort(), ['PJSIP/101', 'PJSIP/102'])

  const before = await (await fetch(`${node.url}/api/v1/devices/102`, { headers: { authorization: `Bearer ${node.token}` } })).json()
  const again = await runCli(['import-asterisk', '--url', node.url, '--data', data, ...FILES])
  t.match(again.stdout, /imported 15, failed 0/, 'a second import of the same files')
  t.same(await (await fetch(`${node.url}/api/v1/devices/102`, { headers: { authorization: `Bearer ${node.token}` } })).json(), before, 'changes nothing')
  await node.kill('SIGTERM')
})
