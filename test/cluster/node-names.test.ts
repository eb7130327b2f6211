/**
 * Two live nodes with one name (two nodes on one host, two hosts called
 * `pbx`): the one that claimed the name first keeps it; the second is
 * refused on both sides — an error in both logs, the second not ready
 * (FED_ERR_NAME_TAKEN), both marked in /api/v1/cluster — and /route on a
 * third node answers the same every time (it used to flap between the two
 * `fed-pbx`). Renamed, the second node is ready and routed to.
 */
import t from 'tap'
import { join } from 'node:path'
import { startCluster, waitConverged, waitFor, type ClusterNode } from '../helpers/cluster.js'
import { runCli } from '../helpers/node-process.js'
import { ASTERISK_FORM, registerBody } from '../helpers/asterisk-requests.js'

interface Clash { name: string, holder: string, refused: string[] }

t.test('a second live node with a taken name is refused on both sides; routing does not flap', async (t) => {
  const cluster = await startCluster(t, { nodes: 2, spec: (i) => ({ name: i === 0 ? 'pbx' : 'other', args: ['--sip-address', `127.0.0.${i + 1}:5060`] }) })
  const [first, third] = cluster.nodes as [ClusterNode, ClusterNode]
  await waitConverged([first, third])
  await first.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
  await first.put('devices', 'alice', { user: 'alice', secret: 'x' })
  await first.put('users', 'bob', { name: 'Bob', extensions: ['200'] })
  await first.put('devices', 'bob', { user: 'bob', secret: 'y' })
  const second = await cluster.addNode({ name: 'pbx', dataDir: join(cluster.dir, 'pbx-2'), args: ['--sip-address', '127.0.0.3:5060'] })
  const nodes = [first, second, third]
  await waitConverged(nodes)
  const [w1, w2] = [(await first.status()).node.writer, (await second.status()).node.writer]

  // the second one knows it: not ready, with the code; an error in its log
  const ready = await waitFor('the second pbx not ready', async () => await fetch(second.url + '/readyz'), (r) => r.status === 503, 30_000, 100)
  const body = await ready.json() as { code: string, message: string }
  t.equal(body.code, 'FED_ERR_NOT_READY')
  t.match(body.message, new RegExp(`FED_ERR_NAME_TAKEN: the node name "pbx" is taken by the live node ${w1}`))
  t.equal((await fetch(first.url + '/readyz')).status, 200, 'the first one stays ready')
  await waitFor('errors in both logs', async () => [first.stderr, second.stderr], ([a, b]) =>
    /"level":50[^\n]*FED_ERR_NAME_TAKEN[^\n]*also calls itself \\"pbx\\"/.test(a!) && /"level":50[^\n]*FED_ERR_NAME_TAKEN[^\n]*is taken by another live node/.test(b!), 10_000)
  for (const n of [first, second]) {
    const s = await n.status() as unknown as { nameClashes: Clash[], nodes: Array<{ writer: string | null, nameTaken: boolean }> }
    t.same(s.nameClashes, [{ name: 'pbx', holder: w1, refused: [w2] }], `${n.name} on ${n === first ? 'the first' : 'the second'}: the clash in /api/v1/cluster`)
    t.equal(s.nodes.find((x) => x.writer === w2)?.nameTaken, true)
    t.equal(s.nodes.find((x) => x.writer === w1)?.nameTaken, false)
  }

  const st = await runCli(['status', '--url', second.url, '--token', cluster.token])
  t.match(st.stdout, new RegExp(`name clash: "pbx" is held by ${w1.slice(0, 16)}…; refused \\(FED_ERR_NAME_TAKEN`), '`federator status` says so')

  // alice registers on the first pbx, bob on the second: a third node routes alice to fed-pbx every time, bob never
  t.equal(await (await fetch(first.url + '/realtime/ps_contacts/store', { method: 'POST', headers: ASTERISK_FORM, body: registerBody('alice', { hash: 'aaaa' }) })).text(), '1\n')
  t.equal(await (await fetch(second.url + '/realtime/ps_contacts/store', { method: 'POST', headers: ASTERISK_FORM, body: registerBody('bob', { hash: 'bbbb' }) })).text(), '1\n')
  const route = async (q: string): Promise<string> => await (await fetch(`${third.url}/route?${q}`)).text()
  await waitFor('the third node routes alice', async () => await route('exten=100'), (s) => s.startsWith('status=OK'), 30_000, 100)
  const answers = new Set<string>()
  for (let i = 0; i < 20; i++) answers.add(await route('exten=100'))
  t.same([...answers], ['status=OK&dial=PJSIP%2F100%40fed-pbx&timeout=30&count=1&reason=user'], 'the same answer 20 times: through the first pbx')
  t.match(await (await fetch(`${third.url}/realtime/ps_aors/single`, { method: 'POST', headers: ASTERISK_FORM, body: 'id=fed-pbx' })).text(), /contact=sip%3A127\.0\.0\.1%3A5060/, 'fed-pbx is the first one')
  t.notMatch(await route('exten=200'), /^status=OK/, 'the refused node is not routed to')

  // renamed, the second node is ready and routed to
  await second.kill('SIGTERM')
  const renamed = cluster.createNode({ name: 'pbx2', dataDir: second.dataDir, args: ['--sip-address', '127.0.0.3:5060'] })
  await renamed.start(t)
  await waitFor('the renamed node ready', async () => (await fetch(renamed.url + '/readyz')).status, (s) => s === 200, 30_000, 100)
  t.equal(await (await fetch(renamed.url + '/realtime/ps_contacts/store', { method: 'POST', headers: ASTERISK_FORM, body: registerBody('bob', { hash: 'bbbb' }) })).text(), '1\n')
  t.equal(await waitFor('bob routed through pbx2', async () => await route('exten=200'), (s) => s.startsWith('status=OK'), 30_000, 100),
    'status=OK&dial=PJSIP%2F200%40fed-pbx2&timeout=30&count=1&reason=user')
  t.same(((await first.status()) as unknown as { nameClashes: Clash[] }).nameClashes, [], 'no clash any more')
})
