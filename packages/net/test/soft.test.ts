/**
 * Soft state over real connections: relayed along a line A–B–C (A and C never
 * connect), removed, expired, and handed whole to a node that connects later.
 * Node health: a node paused with SIGSTOP goes suspect then dead, comes back
 * alive on SIGCONT; a clean shutdown is seen at once as a restart (suspect,
 * still routed to) and is dead when the restart grace runs out.
 */
import t from 'tap'
import { formatJoinString, newClusterSecret, type SoftChange, type StateTransition } from '../src/index.js'
import { makeNode, tmpdir, waitFor, FAST } from './helpers.js'
import { spawnNode } from './child.js'

t.test('soft state is relayed across a line, removed, expired, and sent whole to a newcomer', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const b = await makeNode(t, { join, health: { name: 'b' } })
  const bAddr = `${b.net.swarmKey}@127.0.0.1:${b.net.address!.port}`
  const a = await makeNode(t, { join, peers: [bAddr], health: { name: 'a' } })
  const c = await makeNode(t, { join, peers: [bAddr], health: { name: 'c' } })
  await waitFor('A and C connected to B', () => a.net.status().counters.admitted === 1 && c.net.status().counters.admitted === 1)

  const changes: SoftChange[] = []
  c.net.on('change', (ch: SoftChange) => { if (ch.kind === 'contact') changes.push(ch) })
  a.net.publish('contact', 'alice/1', { aor: 'alice', uri: 'sip:alice@10.0.0.5:5060' }, 60_000)
  await waitFor('A\'s contact on C', () => c.net.get('contact').length === 1)
  t.match(c.net.get('contact')[0], { owner: a.net.swarmKey, key: 'alice/1', value: { uri: 'sip:alice@10.0.0.5:5060' }, local: false })
  t.notOk(a.net.peers().some(p => p.swarmKey === c.net.swarmKey), 'A and C are not connected')

  a.net.publish('contact', 'alice/1', { aor: 'alice', uri: 'sip:alice@10.0.0.6:5060' }, 60_000)
  await waitFor('the update on C', () => (c.net.get('contact')[0]?.value as { uri?: string } | undefined)?.uri === 'sip:alice@10.0.0.6:5060')
  t.ok(a.net.remove('contact', 'alice/1'))
  await waitFor('the removal on C', () => c.net.get('contact').length === 0)

  a.net.publish('contact', 'bob/1', { aor: 'bob' }, 600) // never refreshed
  await waitFor('bob on C', () => c.net.get('contact').some(x => x.key === 'bob/1'))
  await waitFor('bob expired on C', () => changes.some(ch => ch.key === 'bob/1' && ch.reason === 'expire'))
  t.same(changes.map(ch => [ch.key, ch.reason]), [['alice/1', 'update'], ['alice/1', 'update'], ['alice/1', 'remove'], ['bob/1', 'update'], ['bob/1', 'expire']])
  t.same(b.net.get('contact'), [], 'expired on B too')

  // a node connecting later gets the current set at once, health of every node included
  c.net.publish('contact', 'carol/1', { aor: 'carol' }, 60_000)
  const d = await makeNode(t, { join, peers: [`${c.net.swarmKey}@127.0.0.1:${c.net.address!.port}`], health: { name: 'd' } })
  await waitFor('D has carol and all four nodes', () => d.net.get('contact').length === 1 && d.net.nodes().length === 4)
  t.same(d.net.nodes().map(n => n.info.name).sort(), ['a', 'b', 'c', 'd'])
  t.ok(d.net.nodes().every(n => n.state === 'alive'))
  const s = d.net.status()
  t.equal(s.soft?.kinds.contact, 1)
  t.equal(s.peers[0]?.name, 'c', 'peers are named from their heartbeats')
})

t.test('failure detection: a paused node goes suspect then dead, revives; a clean stop is a restart until its grace runs out', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const tunables = { ...FAST, heartbeatMs: 200, suspectAfterMissed: 2, deadAfterMissed: 4, restartGraceMs: 1500 }
  const a = await makeNode(t, { join, health: { name: 'a' }, tunables })
  const seen: StateTransition[] = []
  a.net.on('node-state', (s: StateTransition) => seen.push(s))
  const child = await spawnNode(t, { dir: await tmpdir(t), join, name: 'x', tunables, peers: [`${a.net.swarmKey}@127.0.0.1:${a.net.address!.port}`] })
  const stateOfX = (): string | undefined => a.net.nodes().find(n => n.swarmKey === child.swarmKey)?.state
  await waitFor('x alive on A', () => stateOfX() === 'alive')

  child.proc.kill('SIGSTOP')
  const suspectMs = await waitFor('x suspect', () => stateOfX() === 'suspect')
  const deadMs = await waitFor('x dead', () => stateOfX() === 'dead')
  t.comment(`suspect after ${suspectMs} ms, dead ${deadMs} ms later (heartbeat 200 ms, suspect at 2, dead at 4 missed)`)
  child.proc.kill('SIGCONT')
  await waitFor('x alive again', () => stateOfX() === 'alive')
  t.same(seen.filter(s => s.swarmKey === child.swarmKey).map(s => s.to), ['alive', 'suspect', 'dead', 'alive'])
  t.equal(seen[0]?.name, 'x')

  await child.stop()
  t.equal(stateOfX(), 'suspect', 'a clean shutdown is seen at once (before the stop resolved): restarting, suspect')
  t.match(a.net.nodes().find(n => n.swarmKey === child.swarmKey), { restarting: true, left: false })
  await waitFor('x dead once its restart grace ran out', () => stateOfX() === 'dead')
  t.equal(seen.filter(s => s.swarmKey === child.swarmKey).map(s => s.to).slice(-2).join(' → '), 'suspect → dead')
})

t.test('full mesh: items are not relayed where their owner sends them itself; a broken link is bridged', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const revokedByA = new Set<string>()
  const a = await makeNode(t, { join, health: { name: 'a' }, isRevoked: (k) => revokedByA.has(k) })
  const addr = (n: typeof a): string => `${n.net.swarmKey}@127.0.0.1:${n.net.address!.port}`
  const b = await makeNode(t, { join, health: { name: 'b' }, peers: [addr(a)] })
  const c = await makeNode(t, { join, health: { name: 'c' }, peers: [addr(a), addr(b)] })
  const nodes = [a, b, c]
  const meshKnown = (): boolean => nodes.every(n => n.net.nodes().length === 3 && n.net.nodes().every(x => x.self || (x.info.peers?.length ?? 0) === 2))
  await waitFor('every node knows the full mesh', meshKnown)
  const dup = (): number => nodes.reduce((sum, n) => sum + (n.net.soft?.counters.duplicate ?? 0), 0)
  const before = dup()
  for (let i = 0; i < 20; i++) a.net.publish('contact', 'k' + i, { i }, 60_000)
  await waitFor('20 contacts on B and C', () => b.net.get('contact').length === 20 && c.net.get('contact').length === 20)
  await new Promise(resolve => setTimeout(resolve, 200))
  const extra = dup() - before
  t.ok(extra <= 5, `${extra} duplicate deliveries (flooding would make at least 40)`)

  // A drops its link to C (and refuses C from now on): A's items must reach C through B
  revokedByA.add(c.net.swarmKey!)
  a.net.gate.dropRevoked(true) // at once, without the grace that lets a revoked node learn it
  await waitFor('A–C link gone', () => !a.net.peers().some(p => p.swarmKey === c.net.swarmKey))
  a.net.publish('contact', 'after-break', { via: 'b' }, 60_000)
  await waitFor('C has the new item through B', () => c.net.get('contact').some(x => x.key === 'after-break'))
  t.pass('bridged')
})
