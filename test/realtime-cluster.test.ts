/**
 * The realtime API across two real node processes (issue 4): records written
 * on one node are answered by the other's realtime API (views of the merged
 * records, their cached answers invalidated by replicated changes), while
 * registrations stay with the node whose Asterisk accepted them: relayed to
 * the other node's soft state, never in its Asterisk's answers.
 * Waits poll with a deadline; nothing asserts a duration.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor, type ClusterNode } from './helpers/cluster.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'asterisk-libcurl-agent/1.0' }
const CONTACT_ID = 'alice%3B%40a709087b369aae7261670380fca91842'

async function rt (n: ClusterNode, family: string, op: string, body: string, query = ''): Promise<string> {
  const res = await fetch(`${n.url}/realtime/${family}/${op}${query === '' ? '' : '?' + query}`, { method: 'POST', headers: FORM, body })
  if (res.status !== 200) throw new Error(`realtime answered HTTP ${res.status}`)
  return await res.text()
}

/** A gauge or counter of the node's /metrics (0 when absent). */
async function metric (n: ClusterNode, name: string, labels: string): Promise<number> {
  const text = await (await fetch(n.url + '/metrics')).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  return line === undefined ? 0 : Number(line.split(' ')[1])
}

t.test('records from node A answered by node B; registrations stay with their node', async (t) => {
  const cluster = await startCluster(t, { nodes: 2, spec: (i) => ({ name: i === 0 ? 'a' : 'b' }) })
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode]
  await waitConverged([a, b])

  t.equal(await rt(b, 'ps_endpoints', 'single', 'id=alice'), '', 'B: no alice yet (and that answer is cached)')
  await a.put('users', 'alice', { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } })
  await a.put('devices', 'alice', { user: 'alice', secret: 's3cr3t' })
  await waitConverged([a, b])
  t.equal(await rt(b, 'ps_endpoints', 'single', 'id=alice'),
    'id=alice&aors=alice&auth=alice&context=from-internal&disallow=all&allow=ulaw%2Calaw&direct_media=no&dtmf_mode=rfc4733&callerid=%22Alice%22%20%3C100%3E&mailboxes=100%40default&identify_by=username\n',
    'B answers the device created on A')
  t.equal(await rt(b, 'ps_auths', 'single', 'id=alice'), 'id=alice&auth_type=userpass&username=alice&password=s3cr3t\n')
  await b.patch('devices', 'alice', { secret: 'n3w' })
  await waitConverged([a, b])
  t.equal(await rt(a, 'ps_auths', 'single', 'id=alice'), 'id=alice&auth_type=userpass&username=alice&password=n3w\n', 'and A a change made on B')

  // a PJSIP registration through A (docs/asterisk-protocol.md §6, expiring in an hour)
  const exp = Math.floor(Date.now() / 1000) + 3600
  const store = `id=${CONTACT_ID}&via_addr=127.0.0.1&qualify_timeout=3.000000&reg_server=a&path=&endpoint=alice&via_port=25070&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&expiration_time=${exp}&outbound_proxy=`
  t.equal(await rt(a, 'ps_contacts', 'store', store), '1\n')
  t.match(await rt(a, 'ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25'), new RegExp(`^id=${CONTACT_ID}&`), 'A\'s Asterisk sees its binding')
  await waitFor('B holding A\'s contact in its soft state', async () => await metric(b, 'federator_soft_items', 'kind="contact"'), (n) => n === 1)
  t.equal(await rt(b, 'ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25'), '', 'B\'s Asterisk does not')
  t.equal(await rt(b, 'ps_contacts', 'multi', 'id%20LIKE=%25'), '')
  t.equal(await rt(b, 'ps_contacts', 'multi', `expiration_time%20%3C%3D=${exp + 10}`), '', 'B\'s pruning never sees it')
  t.equal(await rt(b, 'ps_contacts', 'destroy', `id=${CONTACT_ID}&`), '0\n', 'nor can B\'s Asterisk remove it')
  t.equal(await metric(a, 'federator_realtime_registrations', 'kind="contact"'), 1)
  t.equal(await metric(b, 'federator_realtime_registrations', 'kind="contact"'), 0)

  // a chan_sip registration through A
  t.equal(await rt(a, 'sippeers', 'update', `ipaddr=127.0.0.1&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&lastms=0&useragent=Zoiper&defaultuser=alice&regseconds=${exp}&port=5062`, 'name=alice'), '1\n')
  await waitFor('B holding A\'s chan_sip registration', async () => await metric(b, 'federator_soft_items', 'kind="sipreg"'), (n) => n === 1)
  t.match(await rt(a, 'sippeers', 'single', 'ipaddr=127.0.0.1&port=5062'), /^name=alice&/)
  t.equal(await rt(b, 'sippeers', 'single', 'ipaddr=127.0.0.1&port=5062'), '')

  // unregister on A: gone from B's soft state too
  t.equal(await rt(a, 'ps_contacts', 'destroy', `id=${CONTACT_ID}&`), '1\n')
  await waitFor('the removal relayed to B', async () => await metric(b, 'federator_soft_items', 'kind="contact"'), (n) => n === 0)

  // a trunk created on B: A's identify answer (cached before) follows
  t.equal(await rt(a, 'ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25'), '')
  await b.put('trunks', 'carrier', { ips: ['192.0.2.10'] })
  await waitConverged([a, b])
  t.equal(await rt(a, 'ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25'), 'id=carrier&endpoint=carrier&match=192.0.2.10\n')
})
