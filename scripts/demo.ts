/**
 * `npm run demo`: a three-node Federator cluster on this machine, nothing
 * leaves 127.0.0.1. A private DHT bootstrap node runs in this process; three
 * `federator start` processes join the same cluster through it. Sample data
 * (users, devices, a trunk, a provider, routes) is loaded on node 1, a change
 * made on node 1 is timed until it is readable on nodes 2 and 3, then the URLs,
 * the admin token and commands to try are printed. Ctrl-C stops everything
 * (SIGTERM to each node, then the bootstrap node) and removes the data.
 *
 * Options: --keep  keep the data directory; FEDERATOR_DEMO_DIR=<dir> use it.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalCluster, waitConverged, type ClusterNode } from '../test/helpers/cluster.js'
import { CLI, runCli } from '../test/helpers/node-process.js'

const NAMES = ['pbx1', 'pbx2', 'pbx3']
const keep = process.argv.includes('--keep')
const out = (s = ''): void => { process.stdout.write(s + '\n') }
const bold = (s: string): string => process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s
const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`

const SAMPLE: Array<Record<string, unknown>> = [
  { type: 'user', id: 'alice', name: 'Alice Archer', extensions: ['1001'], email: 'alice@example.org' },
  { type: 'user', id: 'bob', name: 'Bob Baker', extensions: ['1002'] },
  { type: 'user', id: 'carol', name: 'Carol Cruz', extensions: ['1003', '2000'] },
  { type: 'device', id: 'alice-desk', user: 'alice', secret: 'alice-secret', codecs: ['g722', 'ulaw'], context: 'from-internal' },
  { type: 'device', id: 'alice-mobile', user: 'alice', secret: 'alice-mobile-secret', codecs: ['opus', 'ulaw'], context: 'from-internal', nat: true },
  { type: 'device', id: 'bob-desk', user: 'bob', secret: 'bob-secret', codecs: ['ulaw'], context: 'from-internal' },
  { type: 'device', id: 'carol-desk', user: 'carol', secret: 'carol-secret', codecs: ['ulaw'], context: 'from-internal', maxContacts: 2 },
  { type: 'trunk', id: 'carrier-a', description: 'Carrier A (example)', host: 'sip.carrier-a.example', register: true, username: 'acct1234', secret: 'trunk-secret', codecs: ['ulaw', 'alaw'], context: 'from-carrier', ips: ['192.0.2.10', '192.0.2.11'] },
  { type: 'provider', id: 'carrier-a', name: 'Carrier A', trunks: ['carrier-a'], prefixes: [{ prefix: '', cost: 0.02 }, { prefix: '0044', cost: 0.01 }], priority: 10 },
  { type: 'route', id: 'national', pattern: '_0[1-9]X.', target: { kind: 'lcr' }, priority: 10 },
  { type: 'route', id: 'international', pattern: '_00X.', target: { kind: 'provider', provider: 'carrier-a' }, priority: 5 },
  { type: 'route', id: 'sales', pattern: '3000', target: { kind: 'user', user: 'carol' }, priority: 1 }
]

let cluster: LocalCluster | null = null

async function main (): Promise<void> {
  const dir = process.env.FEDERATOR_DEMO_DIR ?? await mkdtemp(join(tmpdir(), 'federator-demo-'))
  await mkdir(dir, { recursive: true })
  out(bold('Federator demo') + ': 3 nodes on 127.0.0.1, a private DHT bootstrap node, no internet')
  out(`data: ${dir}${keep ? '' : ' (removed when you stop the demo; --keep to keep it)'}`)

  const t0 = Date.now()
  cluster = await LocalCluster.start({
    nodes: 3,
    dir,
    fastNet: false,
    net: { heartbeatMs: 1000, refreshBackoffMs: [250, 500, 1000, 2000, 4000, 8000] },
    logLevel: 'warn',
    // own session: Ctrl-C reaches only this script, which then stops each node once, cleanly
    spec: (i) => ({ name: NAMES[i]!, args: ['--sip-address', `127.0.0.1:${5070 + i}`], prefix: ['setsid'] })
  })
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    out('\nstopping the nodes (SIGTERM) and the bootstrap node …')
    cluster!.close({ graceful: true })
      .then(async () => { if (!keep && process.env.FEDERATOR_DEMO_DIR === undefined) await rm(dir, { recursive: true, force: true }) })
      .then(() => { out('stopped.'); process.exit(0) }, (err: unknown) => { process.stderr.write(`stop failed: ${String(err)}\n`); process.exit(1) })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  const [n1, n2, n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  out(`bootstrap node ${cluster.bootstrapAddress}; nodes started in ${Date.now() - t0} ms`)
  const t1 = Date.now()
  await waitConverged(cluster.nodes, 60_000, 20)
  out(`all three connected and in sync ${Date.now() - t1} ms later`)

  out()
  out(bold('1. sample data, imported on pbx1') + ` (${SAMPLE.length} records: users, devices, a trunk, a provider, routes)`)
  const t2 = performance.now()
  const res = await n1.importNdjson(SAMPLE)
  const imported = performance.now() - t2
  const hash = await waitConverged(cluster.nodes, 30_000, 5)
  out(`   imported on pbx1 in ${ms(imported)}; on all three nodes ${ms(performance.now() - t2)} after the request (view hash ${hash.slice(0, 16)}…), failed: ${res.failed}`)

  out()
  out(bold('2. a change on pbx1, read back on pbx2 and pbx3'))
  const rounds: Array<[number, number]> = []
  for (let i = 1; i <= 5; i++) {
    const name = `Alice Archer (v${i})`
    const start = performance.now()
    await n1.patch('users', 'alice', { name })
    const acked = performance.now() - start
    const arrivals = await Promise.all([n2, n3].map(async (n) => {
      for (;;) {
        const r = await n.get('users', 'alice')
        if (r?.name === name) return performance.now() - start
      }
    }))
    rounds.push([arrivals[0]!, arrivals[1]!])
    out(`   PATCH /api/v1/users/alice {"name":"${name}"} on pbx1: acknowledged in ${ms(acked)}, readable on pbx2 after ${ms(arrivals[0]!)}, pbx3 after ${ms(arrivals[1]!)}`)
  }
  out('   (times from sending the PATCH until a GET on the other node shows the change; HTTP polling included)')

  out()
  out(bold('3. the cluster as pbx3 sees it') + ' (federator status)')
  const st = await runCli(['status', '--url', n3.url, '--token', cluster.token])
  for (const line of st.stdout.trimEnd().split('\n')) out('   ' + line)

  const [u1, u2, u3] = [n1.url, n2.url, n3.url]
  out()
  out(bold('4. try it'))
  out(`   nodes:  pbx1 ${u1}   pbx2 ${u2}   pbx3 ${u3}`)
  out(`   admin token (all three nodes): ${cluster.token}`)
  out(`   API docs: ${u1}/docs`)
  out(`   status web UI: ${u1}/ui   (sign in with the admin token; docs/ui.md)`)
  out()
  out(`   export TOKEN=${cluster.token}`)
  out(`   curl -s -H "Authorization: Bearer $TOKEN" ${u2}/api/v1/users/alice`)
  out(`   curl -s -X PATCH -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"email":"bob@example.org"}' ${u2}/api/v1/users/bob`)
  out(`   curl -s -H "Authorization: Bearer $TOKEN" ${u3}/api/v1/users/bob          # the change made on pbx2`)
  out(`   curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"id":"dave","name":"Dave","extensions":["1004"]}' ${u3}/api/v1/users`)
  out(`   curl -s -H "Authorization: Bearer $TOKEN" ${u1}/api/v1/cluster           # view hash, writers, lag, nodes, peers`)
  out(`   curl -s -H "Authorization: Bearer $TOKEN" ${u1}/api/v1/conflicts`)
  out(`   curl -s ${u1}/metrics | grep ^federator_`)
  out(`   curl -s '${u1}/route?exten=00441234567890&format=json'                # routing answer (LCR)`)
  out(`   curl -s -d 'id=alice-desk' ${u2}/realtime/ps_endpoints/single          # what Asterisk's res_config_curl gets`)
  out(`   node ${CLI} status --url ${u2} --token $TOKEN`)
  out(`   kill -STOP <pid of a node>   # then watch it go suspect, then dead, in /api/v1/cluster on the others (kill -CONT to resume)`)
  out(`   node pids: ${cluster.nodes.map((n) => `${n.name} ${n.pid ?? '?'}`).join(', ')}`)
  out()
  out('Press Ctrl-C to stop.')
}

main().catch(async (err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`)
  await cluster?.close()
  process.exit(1)
})
