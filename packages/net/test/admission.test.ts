/**
 * Only admitted peers get data: a node with another cluster's secret is
 * dropped by admission (even when it knows our log key), a revoked node is
 * refused at connect by the firewall, and a node revoked while connected is
 * dropped once the grace for it to receive its revocation (revokedDropDelayMs)
 * has passed.
 */
import t from 'tap'
import { formatJoinString, newClusterSecret, type PeerStatus } from '../src/index.js'
import { appliedOf, makeNode, waitFor, write } from './helpers.js'

t.test('a peer with the wrong secret is dropped and gets no data', async (t) => {
  const a = await makeNode(t, { join: formatJoinString(newClusterSecret()) })
  await write(a, 'secret-record')
  const rejectedByA: Array<{ swarmKey: string, reason: string }> = []
  a.net.on('peer-rejected', (r: { swarmKey: string, reason: string }) => rejectedByA.push(r))
  const admittedByA: PeerStatus[] = []
  a.net.on('peer-admitted', (p: PeerStatus) => admittedByA.push(p))

  const e = await makeNode(t, {
    join: formatJoinString(newClusterSecret()),
    peers: [`${a.net.swarmKey}@127.0.0.1:${a.net.address!.port}`],
    tunables: { reconnectBackoffMs: [100, 200, 300, 400] }
  })
  // the intruder even knows A's log key: without an admitted connection nothing can flow
  await e.store.addWriter(a.store.writerKey)
  await waitFor('three rejected attempts', () => rejectedByA.length >= 3)
  t.same(new Set(rejectedByA.map(r => r.swarmKey)), new Set([e.net.swarmKey]))
  // both sides check at once: whichever sees the bad proof first closes, the other sees 'closed'
  t.ok(rejectedByA.every(r => r.reason === 'bad-proof' || r.reason === 'closed'))
  const badProofs = (a.net.status().counters.rejected['bad-proof'] ?? 0) + (e.net.status().counters.rejected['bad-proof'] ?? 0)
  t.ok(badProofs >= 3, `${badProofs} bad proofs seen`)
  t.same(admittedByA, [], 'never admitted')
  t.equal(appliedOf(e, a.store.writerKey), 0, 'nothing of A\'s log applied')
  t.equal(e.store.getCore(a.store.writerKey as never)?.length ?? 0, 0, 'not even A\'s log length reached the intruder')
  t.equal(e.store.count('user'), 0)
  await waitFor('connections dropped', () => a.net.peers().every(p => p.state !== 'admitted'))
  t.pass('dropped')
})

t.test('a revoked swarm key is refused at connect; a node revoked while connected is dropped', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const revoked = new Set<string>()
  const a = await makeNode(t, { join, isRevoked: (k) => revoked.has(k) })
  await write(a, 'a1')
  const aAddr = `${a.net.swarmKey}@127.0.0.1:${a.net.address!.port}`
  const fast = { reconnectBackoffMs: [100, 200, 300, 400] as [number, number, number, number] }

  // r's key is revoked before it ever connects
  const r = await makeNode(t, { join, tunables: fast }, undefined)
  revoked.add(r.net.swarmKey!)
  r.net.addPeer(aAddr)
  await waitFor('A refused r at connect', () => a.net.status().counters.firewalled >= 1)
  t.equal(r.net.status().counters.admitted, 0)
  t.equal(appliedOf(r, a.store.writerKey), 0, 'r got nothing')

  // c is admitted and replicates, then gets revoked
  const c = await makeNode(t, { join, peers: [aAddr], tunables: fast })
  await waitFor('c has A\'s log', () => appliedOf(c, a.store.writerKey) === a.store.core.length)
  t.equal(a.net.status().counters.admitted, 1)
  revoked.add(c.net.swarmKey!)
  await write(a, 'a2') // the store applies an entry (in the product: the revocation itself): the network re-checks revocations
  // c is dropped only after revokedDropDelayMs: time to receive that entry (a revoked node learns it is revoked)
  await waitFor('c has a2 (the entry that revoked it)', () => appliedOf(c, a.store.writerKey) === a.store.core.length)
  t.ok(a.net.peers().some(p => p.swarmKey === c.net.swarmKey), 'c was still connected when it got it')
  await waitFor('c dropped', () => !a.net.peers().some(p => p.swarmKey === c.net.swarmKey))
  await write(a, 'a3')
  await new Promise(resolve => setTimeout(resolve, 500)) // c keeps retrying meanwhile
  t.notOk(a.net.peers().some(p => p.swarmKey === c.net.swarmKey && p.state === 'admitted'), 'c does not get back in')
  t.ok(appliedOf(c, a.store.writerKey) < a.store.core.length, 'c did not receive A\'s later entries')
})
