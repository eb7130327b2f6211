/**
 * The cluster DNS server seen with `dig` (Debian's dnsutils), on 3 node
 * processes on loopback, each answering on its own port for `pbx.test.`:
 * SRV answers list the alive nodes with their weights and ports, A records
 * their SIP hosts; a node paused (SIGSTOP) is dropped while it is only
 * suspect, and listed again once resumed (SIGCONT); a node SIGKILLed is gone
 * before the dead-detection time; names outside the zone are REFUSED, a
 * malformed packet gets FORMERR and the server keeps answering. Skipped
 * without dig, a failure under CI=true.
 */
import { execFile, execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { promisify } from 'node:util'
import t from 'tap'
import { freeUdpPort, startCluster, waitFor, type ClusterNode } from '../helpers/cluster.js'

const run = promisify(execFile)
let missing: string | null = null
try { execFileSync('dig', ['-v'], { stdio: 'ignore' }) } catch { missing = 'dig not found (apt-get install dnsutils)' }
if (missing !== null && process.env.CI === 'true') t.fail(`the DNS test needs dig under CI: ${missing}`)

const ZONE = 'pbx.test'
// heartbeat 300 ms, suspect after 2 missed (0.6 s), dead after 20 (6 s): a long suspect phase, so that
// "dropped while suspect" is observed before the node would be dead even on a busy machine
const net = { heartbeatMs: 300, suspectAfterMissed: 2, deadAfterMissed: 20 }
const DEAD_MS = net.heartbeatMs * net.deadAfterMissed

interface Dig { status: string, flags: string[], answers: string[][] }

/** One query with dig (no recursion asked, one try); answer lines split into fields. */
async function dig (port: number, name: string, type: string, extra: string[] = []): Promise<Dig> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), name, type, '+norec', '+tries=1', '+time=2', '+noall', '+comments', '+answer', ...extra])
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'none'
  const flags = /;; flags: ([a-z ]+);/.exec(stdout)?.[1]?.trim().split(' ') ?? []
  const answers = stdout.split('\n').filter((l) => l !== '' && !l.startsWith(';')).map((l) => l.trim().split(/\s+/))
  return { status, flags, answers }
}

/** The SRV targets as `target priority weight port`, sorted. */
async function srv (port: number, service = '_sip._udp'): Promise<string[]> {
  const d = await dig(port, `${service}.${ZONE}`, 'SRV')
  if (d.status !== 'NOERROR') throw new Error(`SRV ${service}: ${d.status}`)
  return d.answers.filter((a) => a[3] === 'SRV').map((a) => `${a[7]} ${a[4]} ${a[5]} ${a[6]}`).sort()
}

const entry = (name: string, weight: number, port = 5060): string => `${name}.${ZONE}. 10 ${weight} ${port}`
const names = (list: string[]): string[] => list.map((l) => l.split('.')[0]!)

t.test('dig against a 3-node cluster: SRV/A of the live nodes, suspect and dead nodes dropped, refusal, FORMERR', { skip: missing ?? false }, async (t) => {
  const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()]
  const cluster = await startCluster(t, {
    nodes: 3,
    net,
    spec: (i) => ({
      args: ['--sip-address', `127.0.0.${i + 1}:5060`, '--dns', `127.0.0.1:${ports[i]!}`, '--dns-zone', `${ZONE}.`],
      env: { FEDERATOR_DNS: JSON.stringify({ weight: (i + 1) * 10, transports: i === 2 ? ['udp', 'tcp:5070'] : ['udp'], ttl: 10 }) }
    })
  })
  const [n0, n1, n2] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  const [p0, p1, p2] = ports as [number, number, number]
  const all = [entry('n0', 10), entry('n1', 20), entry('n2', 30)]
  for (const p of ports) await waitFor(`every node's SRV lists the 3 nodes (port ${p})`, async () => await srv(p), (l) => l.join() === all.join(), 30_000)
  t.pass('SRV _sip._udp on each node: the 3 nodes with their weights')
  t.same(await srv(p1, '_sip._tcp'), [entry('n2', 30, 5070)], 'SRV _sip._tcp: only the node serving TCP, with its port')
  const a = await dig(p0, `n1.${ZONE}`, 'A')
  t.same([a.status, a.answers.map((x) => x[4])], ['NOERROR', ['127.0.0.2']], 'A of a node: its SIP host')
  t.ok(a.flags.includes('aa') && !a.flags.includes('ra'), `authoritative, no recursion (flags: ${a.flags.join(' ')})`)
  t.same((await dig(p0, ZONE, 'A')).answers.map((x) => x[4]).sort(), ['127.0.0.1', '127.0.0.2', '127.0.0.3'], 'A of the zone: every live node')
  t.equal((await dig(p0, `_sip._udp.${ZONE}`, 'SRV', ['+tcp'])).answers.length, 3, 'over TCP too')
  t.equal((await dig(p0, ZONE, 'SOA')).answers[0]?.[3], 'SOA')
  t.same((await dig(p0, ZONE, 'NS')).answers.map((x) => x[4]).sort(), [`n0.${ZONE}.`, `n1.${ZONE}.`, `n2.${ZONE}.`], 'NS: the nodes serving DNS')

  // outside the zone: refused, nothing answered; inside, unknown: NXDOMAIN
  const out = await dig(p0, 'www.example.com', 'A', ['+rec'])
  t.same([out.status, out.answers.length], ['REFUSED', 0], 'a name outside the zone is refused (even with RD)')
  t.equal((await dig(p0, `nope.${ZONE}`, 'A')).status, 'NXDOMAIN')

  // a malformed packet: FORMERR, and the server keeps answering
  const sock = dgram.createSocket('udp4')
  t.teardown(() => sock.close())
  const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve))
  sock.send(Buffer.from('beef0100000500000000000000ff', 'hex'), p0, '127.0.0.1') // 5 questions announced, none there
  const fe = await Promise.race([reply, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('no answer to the malformed packet')), 5000))])
  t.same([fe.readUInt16BE(0), fe[2]! & 0x80, fe[3]! & 0x0f], [0xbeef, 0x80, 1], 'FORMERR with the query id')
  t.equal((await srv(p0)).length, 3, 'and the server keeps answering')

  // paused: dropped while only suspect; resumed: listed again
  const stateOn = async (viewer: ClusterNode, name: string): Promise<string | undefined> => (await viewer.status()).nodes.find((x) => x.name === name)?.state
  n2.proc!.kill('SIGSTOP')
  await waitFor('n2 dropped from n0\'s answers', async () => await srv(p0), (l) => !names(l).includes('n2'), DEAD_MS)
  t.equal(await stateOn(n0, 'n2'), 'suspect', 'n2 is dropped while n0 holds it suspect (not yet dead)')
  t.same(await srv(p0), [entry('n0', 10), entry('n1', 20)], 'the others are still listed')
  t.equal((await dig(p1, `n2.${ZONE}`, 'A')).status, 'NXDOMAIN', 'and its A record is gone')
  n2.proc!.kill('SIGCONT')
  for (const p of [p0, p1, p2]) await waitFor(`n2 listed again (port ${p})`, async () => await srv(p), (l) => l.join() === all.join(), 30_000)
  t.pass('n2 listed again on every node once resumed')

  // killed: gone within the dead-detection time (it goes at suspect time)
  const killedAt = Date.now()
  n1.proc!.kill('SIGKILL')
  await waitFor('n1 gone from n0 and n2', async () => [...await srv(p0), ...await srv(p2)], (l) => !names(l).includes('n1'), DEAD_MS)
  t.pass(`n1 gone from the answers ${Date.now() - killedAt} ms after SIGKILL (dead-detection time ${DEAD_MS} ms)`)
  t.same(await srv(p2), [entry('n0', 10), entry('n2', 30)])
  const metrics = await (await fetch(n0.url + '/metrics')).text()
  t.match(metrics, /federator_dns_queries_total\{result="formerr"\} 1/, 'the FORMERR is counted')
  t.match(metrics, /federator_dns_queries_total\{result="refused"\} 1/)
  t.match(metrics, /federator_dns_nodes 2/)
})
