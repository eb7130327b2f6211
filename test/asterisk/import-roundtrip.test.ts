/**
 * `federator import-asterisk` round trip on a real Asterisk: one Asterisk loads the fixture
 * pjsip.conf (templates, #include) as static files; a node imports the same files with the CLI and
 * a second Asterisk reads them from the node through realtime. For every endpoint the two give the
 * same `pjsip show endpoint` (its options, AOR, auth and identify), and the same `pjsip show aor`
 * and `pjsip show auth` — except the lines naming where an object came from, and the names the
 * import gives an auth or identify (Federator serves them under the endpoint's id).
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { asteriskOrSkip, freeLoopbackAddress, startAsterisk, REPO } from './harness/index.js'
import { startCluster } from '../helpers/cluster.js'

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

if (install !== null) {
  t.test('the same endpoints from pjsip.conf and from Federator', async (t) => {
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null }) })
    const node = cluster.nodes[0]!
    const { stdout } = await run(process.execPath, [CLI, 'import-asterisk', '--url', node.url, '--token', cluster.token,
      join(FIXTURES, 'pjsip.conf'), join(FIXTURES, 'voicemail.conf')])
    t.match(stdout, /imported 9, failed 0/, 'the CLI imported every record')

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
}
