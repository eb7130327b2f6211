/**
 * Registrations survive a restart of the node they were made through (issue 9):
 * two `federator start` processes (test/helpers/cluster.ts), devices
 * registering through node A with Asterisk's exact `ps_contacts/store` body.
 *
 *   A stopped with SIGTERM: while it is down B still routes to it (A said it
 *   is restarting: suspect, not dead); once started again A still answers the
 *   contact to its Asterisk and B still routes through A; a contact whose
 *   expiry passed while A was down is gone;
 *   A killed with SIGKILL more than a second (softPersistMs) after a
 *   registration: after the restart the registration is there;
 *   a contact removed (destroy) before a restart stays removed;
 *   with B gone too (nothing to get back from a peer) A restarts with what
 *   it kept on disk.
 * Waits poll with a deadline; nothing asserts a duration.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor, type ClusterNode } from './helpers/cluster.js'
import { contactId, realtime, registerBody, route } from './helpers/asterisk-requests.js'

/** `<endpoint>;@<hash>` URL-encoded, the hash padded as Asterisk's are. */
const cid = (endpoint: string, hash: string): string => contactId(endpoint, hash.padEnd(32, '0'))

/** The contacts A's Asterisk sees for an endpoint (what `pjsip show contacts` reads). */
const contactsOf = async (n: ClusterNode, endpoint: string): Promise<string> => await realtime(n, 'ps_contacts', 'multi', `id%20LIKE=${endpoint}%3B%40%25`)

const viaA = (ext: string): string => `status=OK&dial=PJSIP%2F${ext}%40fed-a&timeout=30&count=1&reason=user`
const NOT_REGISTERED = 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20'
const nowS = (): number => Math.floor(Date.now() / 1000)
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('registrations survive SIGTERM and SIGKILL restarts of their node; expired and removed ones stay gone', async (t) => {
  const cluster = await startCluster(t, {
    nodes: 2,
    spec: (i) => ({ name: i === 0 ? 'a' : 'b', args: ['--sip-address', `127.0.0.${i + 1}:5060`] })
  })
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode]
  await waitConverged([a, b])
  const users = [['alice', '100'], ['bob', '200'], ['carol', '300'], ['dave', '400']] as const
  for (const [u, ext] of users) {
    await a.put('users', u, { name: u, extensions: [ext] })
    await a.put('devices', u, { user: u, secret: 'x' })
  }
  await waitConverged([a, b])

  const alice = cid('alice', 'a1')
  const carol = cid('carol', 'c1')
  t.equal(await realtime(a, 'ps_contacts', 'store', registerBody('alice', { id: alice, exp: nowS() + 3600 })), '1')
  t.equal(await waitFor('B routing alice through A', async () => await route(b, 'exten=100'), (s) => s.startsWith('status=OK')), viaA('100'))

  // carol's registration runs out (expiry plus the 60 s grace) about 3 s from now: it must not outlive the restart
  const carolGone = Date.now() + 3000
  t.equal(await realtime(a, 'ps_contacts', 'store', registerBody('carol', { id: carol, exp: Math.floor((carolGone - 60_000) / 1000) })), '1')
  t.match(await contactsOf(a, 'carol'), /^id=carol%3B%40/, 'carol registered (not yet past her grace)')

  // ---- SIGTERM: a clean stop announces a restart ----
  await a.kill('SIGTERM')
  const seenByB = await waitFor('B to see A restarting', async () => (await b.status()).nodes.find((n) => n.name === 'a'), (n) => n?.state !== 'alive')
  t.match(seenByB, { state: 'suspect', restarting: true }, 'A is restarting on B, not dead')
  t.equal(await route(b, 'exten=100'), viaA('100'), 'while A is down, B still routes alice through A')
  if (Date.now() < carolGone + 500) await sleep(carolGone + 500 - Date.now())
  await a.start()
  t.match(await contactsOf(a, 'alice'), new RegExp(`^id=${alice}&.*expiration_time=`), 'A still answers alice’s contact to its Asterisk after the restart')
  t.equal(await contactsOf(a, 'carol'), '', 'carol’s registration expired while A was down: gone')
  t.equal(await waitFor('B routing alice through A again', async () => await route(b, 'exten=100'), (s) => s.startsWith('status=OK')), viaA('100'))
  t.equal(await waitFor('A alive on B', async () => (await b.status()).nodes.find((n) => n.name === 'a')?.state, (s) => s === 'alive'), 'alive')
  t.equal(await route(b, 'exten=100'), viaA('100'), 'B routes alice through A')
  t.equal(await waitFor('carol gone on B', async () => await route(b, 'exten=300'), (s) => s === NOT_REGISTERED), NOT_REGISTERED)

  // ---- SIGKILL more than softPersistMs (1 s) after a registration; a removal before it ----
  const dave = cid('dave', 'd1')
  const bob = cid('bob', 'b1')
  t.equal(await realtime(a, 'ps_contacts', 'store', registerBody('bob', { id: bob, exp: nowS() + 3600 })), '1')
  t.equal(await waitFor('B routing bob through A', async () => await route(b, 'exten=200'), (s) => s.startsWith('status=OK')), viaA('200'))
  t.equal(await realtime(a, 'ps_contacts', 'destroy', `id=${bob}&`), '1', 'bob’s phone unregisters')
  t.equal(await realtime(a, 'ps_contacts', 'store', registerBody('dave', { id: dave, exp: nowS() + 3600 })), '1')
  await sleep(1500)
  t.match(await (await fetch(a.url + '/metrics')).text(), /\nfederator_soft_kept_items_written_total [1-9]/, 'on disk already (the write-behind timer), before the kill')
  await a.kill('SIGKILL')
  await a.start()
  t.match(await contactsOf(a, 'dave'), new RegExp(`^id=${dave}&`), 'dave, registered 1.5 s before the SIGKILL, is there')
  t.match(await contactsOf(a, 'alice'), new RegExp(`^id=${alice}&`), 'and alice')
  t.equal(await contactsOf(a, 'bob'), '', 'bob, removed before the SIGKILL, stays removed')
  t.equal(await realtime(a, 'ps_contacts', 'multi', `expiration_time%20%3C%3D=${nowS() + 7200}`).then((s) => s.split('\n').filter((l) => l !== '').length), 2,
    'Asterisk’s pruning query sees exactly alice and dave')
  t.equal(await waitFor('B routing dave through A', async () => await route(b, 'exten=400'), (s) => s.startsWith('status=OK')), viaA('400'))
  t.equal(await route(b, 'exten=100'), viaA('100'))
  t.equal(await route(b, 'exten=200'), NOT_REGISTERED, 'B does not route to bob')
  t.equal(await route(a, 'exten=200'), NOT_REGISTERED, 'nor does A')

  // ---- and once more with SIGTERM: the removal is still kept, the registrations too ----
  await a.kill('SIGTERM')
  await a.start()
  t.equal(await contactsOf(a, 'bob'), '', 'bob still removed after another restart')
  t.match(await contactsOf(a, 'dave'), new RegExp(`^id=${dave}&`))
  t.equal(await route(a, 'exten=100'), 'status=OK&dial=PJSIP%2Falice&timeout=30&count=1&reason=user', 'A rings alice directly')

  // ---- with B gone, nothing can come back from a peer: what A answers after a restart is what it kept on disk ----
  await b.kill('SIGKILL')
  await a.kill('SIGKILL')
  await a.start()
  t.match(await contactsOf(a, 'alice'), new RegExp(`^id=${alice}&`), 'alice, from A’s own disk')
  t.match(await contactsOf(a, 'dave'), new RegExp(`^id=${dave}&`), 'dave, from A’s own disk')
  t.equal(await contactsOf(a, 'bob'), '', 'bob’s removal, from A’s own disk')
  t.equal(await route(a, 'exten=100'), 'status=OK&dial=PJSIP%2Falice&timeout=30&count=1&reason=user')
})
