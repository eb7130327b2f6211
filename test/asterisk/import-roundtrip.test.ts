/**
 * `federator import-asterisk` round trip on a real Asterisk: one Asterisk loads the fixture files
 * (test/fixtures/asterisk-import/: templates, #include, (+)) statically; a node imports the same
 * files with the CLI and a second Asterisk reads them from the node through realtime. Equal, for
 * every object: `pjsip show endpoint|aor|auth`, `sip show peer`, `queue show`, VM_INFO of each
 * mailbox, and the REGISTER the chan_sip trunk sends — except the lines naming where an object came
 * from and the names the import gives an auth or identify (served under the endpoint's id). One
 * node, four Asterisks, ~25 s.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { asteriskOrSkip, freeLoopbackAddress, startAsterisk, REPO } from './harness/index.js'
import { startCluster, waitFor } from '../helpers/cluster.js'

const run = promisify(execFile)
const install = asteriskOrSkip(t)
const FIXTURES = join(REPO, 'test', 'fixtures', 'asterisk-import')
const CLI = join(REPO, 'packages', 'federator', 'dist', 'cli.js')
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')

/** `pjsip show …` output without what legitimately differs: the object source and the renamed auth. */
export function normalize (out: string): string {
  return out.split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => !/^\s*(Object Source|object_source|ObjectSource)\b/i.test(l))
    .map((l) => l.replace(/\b102-auth\b/g, '102').replace(/\bcarrier-ips\b/g, 'carrier'))
    .join('\n')
}

/** `sip show peer` / `queue show` output without what says where a peer or member came from. */
export function normalizeSip (out: string): string {
  return out.split('\n')
    .map((l) => l.replace(/\s+$/, '').replace(/ \(realtime\)/g, '').replace(/\(login was \d+ secs? ago\)/, '(login was N secs ago)'))
    .filter((l) => !/^\s*(Realtime peer|Addr->IP|Defaddr->IP|Reg\. exten|Status|Useragent|Reg\. Contact|Qualify Freq)\b/.test(l))
    .join('\n')
}

if (install !== null) {
  t.test('import-asterisk round trips on a real Asterisk', async (t) => {
  const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null }) })
  const node = cluster.nodes[0]!
  const { stdout } = await run(process.execPath, [CLI, 'import-asterisk', '--url', node.url, '--token', cluster.token,
    ...['pjsip.conf', 'sip.conf', 'voicemail.conf', 'queues.conf'].map((f) => join(FIXTURES, f))])
  t.match(stdout, /imported 15, failed 0/, 'the CLI imported every record')

  t.test('PJSIP: the same endpoints from pjsip.conf and from Federator', async (t) => {

    const address = await freeLoopbackAddress(5060)
    const staticAst = await startAsterisk(t, install, {
      stack: 'pjsip',
      nodeUrl: node.url,
      address,
      files: {
        'pjsip.conf': fixture('pjsip.conf').replace('bind = 0.0.0.0:5060', `bind = ${address}:5060`),
        'pjsip_phones.conf': fixture('pjsip_phones.conf'),
        'pjsip_trunks.conf': fixture('pjsip_trunks.conf'),
        'sorcery.conf': '; static: every PJSIP object from pjsip.conf\n'
      }
    })
    const realtimeAst = await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url })

    for (const id of ['101', '102', 'lobby', 'itsp', 'carrier']) {
      const fromFile = normalize(await staticAst.rx(`pjsip show endpoint ${id}`))
      const fromNode = normalize(await realtimeAst.rx(`pjsip show endpoint ${id}`))
      t.match(fromFile, new RegExp(`Endpoint:\\s+${id}\\b`), `the static Asterisk has endpoint ${id}`)
      t.equal(fromNode, fromFile, `pjsip show endpoint ${id}: the same from the file and from Federator`)
      const aorFile = normalize(await staticAst.rx(`pjsip show aor ${id}`))
      t.equal(normalize(await realtimeAst.rx(`pjsip show aor ${id}`)), aorFile, `pjsip show aor ${id}: the same`)
    }
    for (const [file, fed] of [['101', '101'], ['102-auth', '102'], ['lobby', 'lobby'], ['itsp', 'itsp']] as const) {
      t.equal(normalize(await realtimeAst.rx(`pjsip show auth ${fed}`)), normalize(await staticAst.rx(`pjsip show auth ${file}`)), `pjsip show auth ${file}: the same`)
    }
  })

  t.test('chan_sip, queues and voicemail: the same peers, queue and mailboxes from the files and from Federator', async (t) => {
    const general = fixture('sip.conf').split(/^\[office-phone\]/m)[0]!
    // where sipgate-out's registration goes: chan_sip sends it to the peer's host on port 5060, not to
    // the peer's port (5996), for a register => line naming the peer and for a realtime peer's
    // callbackextension alike (Asterisk 20.20.1; docs/migration.md)
    const registers: Array<{ from: string, text: string }> = []
    const provider = createSocket('udp4')
    provider.on('message', (msg, rinfo) => { registers.push({ from: rinfo.address, text: msg.toString('latin1') }) })
    const listening = await new Promise<boolean>((resolve) => { provider.once('error', () => resolve(false)); provider.bind(5060, '127.0.0.1', () => resolve(true)) })
    t.teardown(() => { if (listening) provider.close() })
    const staticAddress = await freeLoopbackAddress(5060)
    const staticAst = await startAsterisk(t, install, {
      stack: 'chan_sip',
      nodeUrl: node.url,
      address: staticAddress,
      files: {
        'sip.conf': fixture('sip.conf').replace('udpbindaddr = 0.0.0.0:5060', `udpbindaddr = ${staticAddress}:5060`),
        'queues.conf': fixture('queues.conf'),
        'voicemail.conf': fixture('voicemail.conf'),
        'extconfig.conf': '[settings]\n'
      }
    })
    // the node-local [general] sections stay the same; the register line became the trunk's register: true
    const rtAddress = await freeLoopbackAddress(5060)
    const realtimeAst = await startAsterisk(t, install, {
      stack: 'chan_sip',
      nodeUrl: node.url,
      address: rtAddress,
      files: {
        'sip.conf': general.replace('udpbindaddr = 0.0.0.0:5060', `udpbindaddr = ${rtAddress}:5060`).replace(/^register =>.*$/m, '') +
          'rtupdate = yes\nrtcachefriends = yes\n', // qualify needs cached realtime peers (docs/asterisk.md, chan_sip)
        'queues.conf': fixture('queues.conf').split(/^\[support\]/m)[0]!,
        'voicemail.conf': fixture('voicemail.conf').split(/^\[default\]/m)[0]!
      }
    })
    for (const id of ['201', '202', 'sipgate-out']) {
      const fromFile = normalizeSip(await staticAst.rx(`sip show peer ${id}`))
      t.match(fromFile, new RegExp(`\\* Name\\s+:\\s+${id}`), `the static Asterisk has peer ${id}`)
      t.equal(normalizeSip(await realtimeAst.rx(`sip show peer ${id} load`)), fromFile, `sip show peer ${id}: the same from the file and from Federator`)
    }
    // the register => line of the file, and the trunk's callbackextension from the node: the same REGISTER to the provider
    if (listening) {
      for (const [what, address] of [['file', staticAddress], ['Federator', rtAddress]] as const) {
        const reg = await waitFor(`REGISTER from the ${what}`, async () => registers.find((r) => r.from === address && /^REGISTER /.test(r.text) && /^From: <sip:4930999@/m.test(r.text)), (r) => r !== undefined)
        t.match(reg!.text, /^REGISTER sip:sipgate\.example SIP\/2\.0\r\n/, `the Asterisk with the ${what} registers as 4930999, the same request`)
      }
    } else t.comment('127.0.0.1:5060 is taken: the REGISTERs are not checked')
    const queueFile = normalizeSip(await staticAst.rx('queue show sales'))
    t.match(queueFile, /sales has 0 calls/)
    t.equal(normalizeSip(await realtimeAst.rx('queue show sales')), queueFile, 'queue show sales: the same')

    // voicemail: what app_voicemail knows of each mailbox (VM_INFO), from voicemail.conf and from the users.
    // Only attributes the fixture sets, one at a time: `dialplan eval function` of VM_INFO made Asterisk
    // 20.20.1 exit after an empty result (static and realtime alike)
    const attributes: Record<string, string[]> = {
      '101@default': ['exists', 'password', 'fullname', 'email'],
      '103@default': ['exists', 'password', 'fullname'],
      '102@sales': ['exists', 'password', 'fullname', 'email', 'pager', 'tz']
    }
    for (const [box, attrs] of Object.entries(attributes)) {
      const info = async (ast: typeof staticAst): Promise<string[]> => {
        const out: string[] = []
        for (const a of attrs) out.push((await ast.rx(`dialplan eval function VM_INFO(${box},${a})`)).replace(/\s+$/, ''))
        return out
      }
      const fromFile = await info(staticAst)
      t.match(fromFile[0], /Result: 1$/, `the static Asterisk has mailbox ${box}`)
      t.same(await info(realtimeAst), fromFile, `VM_INFO of ${box} (${attrs.join(', ')}): the same`)
    }
  })
  })
}
