/**
 * Partition and heal, with a real partition: five node processes, each in its
 * own network namespace, on a virtual LAN of two bridges joined by one cable
 * (nodes 1–2 on bridge A; nodes 3–5 and the DHT bootstrap node on bridge B).
 * Cutting the cable (`ip link set … down` on its end in the switch namespace)
 * splits the cluster 2|3 at the link layer: no packet crosses, connections
 * time out as they would between two sites, and both sides keep serving and
 * accepting writes. Namespaces are the most real partition this machine
 * allows (root, `ip netns` permitted; no iptables/nft here); where `ip netns`
 * is not permitted the test is skipped with the reason.
 *
 * Both sides write during the split — the same field of the same record,
 * different fields of one record, deletes concurrent with edits, new records —
 * and after the cable is restored: identical view hashes on all five, every
 * acknowledged write visible or listed as a losing conflict in
 * /api/v1/conflicts (on every node, identically), no deleted record back.
 */
import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, waitConverged, waitFor, type ClusterNode, type ConflictItem } from '../helpers/cluster.js'
import { NetLab, netnsBootstrap, netnsDenied, NetnsNode } from './netns.js'

const denied = netnsDenied()
const skip = denied === null ? false : `ip netns is not permitted here (${denied}): the partition test needs network namespaces`

/** how long the split lasts after its connections died (env FED_PARTITION_HOLD_MS): without the
 * node's own re-discovery, 40 s made the heal fail here, 20 s did not */
const HOLD_MS = Number(process.env.FED_PARTITION_HOLD_MS ?? 45_000)

interface Ack { node: string, id: string, field: string, value: unknown }

t.test('5 nodes split 2|3 by cutting a cable, both sides write, heal: one view, nothing lost, no delete undone', { skip }, async (t) => {
  const lab = new NetLab()
  t.teardown(() => lab.close())
  lab.open()
  lab.addBridge('brA')
  lab.addBridge('brB')
  const cable = lab.linkBridges('brA', 'brB')
  const hosts = [lab.addHost('brA'), lab.addHost('brA'), lab.addHost('brB'), lab.addHost('brB'), lab.addHost('brB')]
  const bootHost = lab.addHost('brB')
  const boot = await netnsBootstrap(t, bootHost.ns, bootHost.ip)
  const sockDir = await mkdtemp(join(tmpdir(), 'fed-sock-'))
  t.teardown(() => rm(sockDir, { recursive: true, force: true }))

  const cluster = await startCluster(t, {
    nodes: 5,
    bootstrap: false,
    spec: (i) => ({
      name: `n${i + 1}`,
      swarmHost: hosts[i]!.ip,
      swarmPort: 49737,
      args: ['--bootstrap', boot.address],
      make: (name, dataDir, args, env, token) => new NetnsNode(name, dataDir, args, env, token, hosts[i]!.ns, sockDir)
    })
  })
  const [n1, n2, n3, n4, n5] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode, ClusterNode]
  const all = cluster.nodes
  const sideA = [n1, n2]
  const sideB = [n3, n4, n5]
  await waitConverged(all, 60_000)
  for (const n of all) {
    const s = await n.status()
    t.ok(s.peers.filter((p) => p.state === 'admitted').every((p) => p.remoteAddress?.startsWith(lab.subnet + '.')), `${n.name} talks over the virtual LAN`)
  }

  // records every side will touch
  for (let k = 1; k <= 6; k++) await n1.put('users', `r${k}`, { name: `R${k}`, extensions: [String(3000 + k)] })
  await waitConverged(all)

  // cut the cable: a real 2|3 split
  lab.setLink(cable, 'down')
  const stateOf = async (viewer: ClusterNode, name: string): Promise<string | undefined> => (await viewer.status()).nodes.find((x) => x.name === name)?.state
  await waitFor('n1 sees n3 dead', async () => await stateOf(n1, 'n3'), (s) => s === 'dead', 30_000)
  await waitFor('n3 sees n1 dead', async () => await stateOf(n3, 'n1'), (s) => s === 'dead', 30_000)
  t.pass('each side sees the other as dead')

  const acks: Ack[] = []
  const patch = async (n: ClusterNode, id: string, fields: Record<string, unknown>): Promise<void> => {
    await n.patch('users', id, fields)
    for (const [field, value] of Object.entries(fields)) acks.push({ node: n.name, id, field, value })
  }
  const put = async (n: ClusterNode, id: string, fields: Record<string, unknown>): Promise<void> => {
    await n.put('users', id, fields)
    for (const [field, value] of Object.entries(fields)) acks.push({ node: n.name, id, field, value })
  }
  // side A
  await patch(n1, 'r1', { name: 'R1 from A' }) // same field as side B: one conflict
  await patch(n1, 'r2', { email: 'r2@a.example' }) // B changes another field of r2: both win
  await n1.remove('users', 'r3') // B edits r3 concurrently: r3 stays deleted, B's edit listed
  await patch(n2, 'r4', { email: 'r4@a.example' }) // B deletes r4 concurrently
  await n2.remove('users', 'r5') // deleted on both sides
  await put(n2, 'a-new', { name: 'Made on A', extensions: ['4001'] })
  // side B
  await patch(n3, 'r1', { name: 'R1 from B' })
  await patch(n4, 'r2', { name: 'R2 from B' })
  await patch(n5, 'r3', { email: 'r3@b.example' })
  await n3.remove('users', 'r4')
  await n4.remove('users', 'r5')
  await put(n5, 'b-new', { name: 'Made on B', extensions: ['4002'] })
  await patch(n3, 'r6', { extensions: ['3006', '3016'] })

  // each side converges on its own and does not see the other's writes
  const hashA = await waitConverged(sideA)
  const hashB = await waitConverged(sideB)
  t.not(hashA, hashB, 'the two sides hold different views while split')
  t.equal(await n1.get('users', 'b-new'), undefined, 'side A does not see side B\'s record')
  t.equal(await n3.get('users', 'a-new'), undefined, 'side B does not see side A\'s record')

  // a split long enough for the connections across it to die (not just a blip that retransmissions hide)
  const keysOf = async (ns: ClusterNode[]): Promise<Set<string>> => new Set(await Promise.all(ns.map(async (n) => (await n.status()).node.swarmKey ?? '')))
  const keysA = await keysOf(sideA)
  const keysB = await keysOf(sideB)
  const cutAt = Date.now()
  for (const [n, other] of [[n1, keysB], [n2, keysB], [n3, keysA], [n4, keysA], [n5, keysA]] as const) {
    await waitFor(`${n.name} has no connection across the cut`, async () => await n.status(), (s) => !s.peers.some((p) => other.has(p.swarmKey)), 90_000, 250)
  }
  t.comment(`connections across the cut closed ${Date.now() - cutAt} ms after the writes`)

  // … and longer than hyperswarm's retries of the lost peers (4 attempts, then it would look again only
  // after ~10 min): with a shorter hold a retry still pending at the heal reconnects, and the test would
  // not show that the node itself looks for missing nodes again (net tunable rediscoverMs)
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS))
  // both sides keep accepting writes for the whole split
  await put(n2, 'a-late', { name: 'Late on A', extensions: ['4003'] })
  await patch(n1, 'r6', { name: 'R6 from A' }) // B changed r6.extensions: both win
  await put(n4, 'b-late', { name: 'Late on B', extensions: ['4004'] })
  await patch(n5, 'r2', { extensions: ['3002', '3012'] })
  // heal
  const healedAt = Date.now()
  lab.setLink(cable, 'up')
  const hash = await waitConverged(all, 90_000, 100)
  t.comment(`healed: all five converged ${Date.now() - healedAt} ms after the cable came back`)
  const views = await Promise.all(all.map(async (n) => await n.status()))
  t.equal(new Set(views.map((v) => v.viewHash)).size, 1, 'identical view hashes on all five: ' + hash.slice(0, 16))
  for (const v of views) t.ok(v.nodes.filter((x) => !x.self).every((x) => x.state === 'alive'), `${v.node.name} sees every node alive`)

  // no deleted record back
  for (const n of all) {
    for (const id of ['r3', 'r4', 'r5']) t.equal(await n.get('users', id), undefined, `${n.name}: ${id} stays deleted`)
  }
  // conflicts: listed, identical everywhere
  const conflicts = await Promise.all(all.map(async (n) => await n.conflicts()))
  for (const c of conflicts) t.same(c, conflicts[0], 'every node lists the same conflicts')
  const listed = conflicts[0]!
  t.comment('conflicts: ' + JSON.stringify(listed.map((c) => [c.id, c.conflicts.map((x) => [x.field, x.value, x.losers.map((l) => l.value)])])))
  const r1 = listed.find((c) => c.id === 'r1')?.conflicts.find((c) => c.field === 'name')
  t.ok(r1 !== undefined, 'the concurrent edits of r1.name are a conflict')
  t.same([r1?.value, ...(r1?.losers.map((l) => l.value) ?? [])].sort(), ['R1 from A', 'R1 from B'], 'winner and loser are the two sides\' values')
  t.notOk(listed.some((c) => c.id === 'r2'), 'edits of different fields of r2 are no conflict')

  // every acknowledged write: visible, or listed as a losing conflict
  const finals = new Map<string, Record<string, unknown> | undefined>()
  for (const id of new Set(acks.map((a) => a.id))) finals.set(id, await n5.get('users', id))
  let visible = 0
  let lost = 0
  for (const a of acks) {
    const rec = finals.get(a.id)
    if (rec !== undefined && JSON.stringify(rec[a.field]) === JSON.stringify(a.value)) { visible++; continue }
    const listedAsLoser = listed.some((c) => c.id === a.id && c.conflicts.some((x) => x.losers.some((l) => JSON.stringify(l.value) === JSON.stringify(a.value) || (x.field === '$' && l.node === a.node))))
    t.ok(listedAsLoser, `acknowledged write ${a.node} ${a.id}.${a.field}=${JSON.stringify(a.value)} is visible or a listed loser`)
    if (listedAsLoser) lost++
  }
  t.comment(`${acks.length} acknowledged field writes: ${visible} visible, ${lost} listed as losing conflicts`)
  t.same(finals.get('r2'), { id: 'r2', name: 'R2 from B', email: 'r2@a.example', extensions: ['3002', '3012'] }, 'r2 carries both sides\' edits')
  t.same(finals.get('r6'), { id: 'r6', name: 'R6 from A', extensions: ['3006', '3016'] }, 'r6 carries both sides\' edits')
  for (const n of all) {
    for (const id of ['a-new', 'b-new', 'a-late', 'b-late']) t.ok(await n.get('users', id) !== undefined, `${n.name} holds ${id}`)
  }
})
