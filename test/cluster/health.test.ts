/**
 * Node health seen from the outside: a node paused with SIGSTOP (it holds
 * its sockets but sends nothing) goes suspect, then dead, in the other nodes'
 * /api/v1/cluster; the others keep replicating between themselves; after
 * SIGCONT it is alive again everywhere and catches up. A clean stop
 * (SIGTERM) is seen at once as a restart (suspect, `restarting`: calls still
 * routed to it), and as dead once its restart grace has run out.
 */
import t from 'tap'
import { startCluster, waitConverged, waitFor, type ClusterNode } from '../helpers/cluster.js'

// heartbeat 300 ms, suspect after 2 missed, dead after 8: the suspect phase lasts ~1.8 s, easy to observe by
// polling even when the machine is busy
const net = { heartbeatMs: 300, suspectAfterMissed: 2, deadAfterMissed: 8, restartGraceMs: 3000 }

t.test('SIGSTOP: suspect then dead on the others; SIGCONT: alive again', async (t) => {
  const cluster = await startCluster(t, { nodes: 3, net })
  const [n0, n1, n2] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  await waitConverged(cluster.nodes)
  const stateOn = async (viewer: ClusterNode, name: string): Promise<string | undefined> => (await viewer.status()).nodes.find((x) => x.name === name)?.state
  for (const n of [n0, n1]) await waitFor(`${n.name} sees n2 alive`, async () => await stateOn(n, 'n2'), (s) => s === 'alive')

  const seen: Record<string, string[]> = { n0: [], n1: [] }
  let polling = true
  const poll = (async () => {
    while (polling) {
      for (const n of [n0, n1]) {
        const s = await stateOn(n, 'n2').catch(() => undefined)
        const list = seen[n.name]!
        if (s !== undefined && list[list.length - 1] !== s) list.push(s)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()

  for (const n of [n0, n1]) seen[n.name] = [seen[n.name]!.at(-1) ?? 'alive'] // from the pause on
  n2.proc!.kill('SIGSTOP')
  for (const n of [n0, n1]) await waitFor(`${n.name} sees n2 dead`, async () => await stateOn(n, 'n2'), (s) => s === 'dead', 30_000)
  // the others keep working while n2 is paused
  await n0.put('users', 'while-paused', { name: 'Written while n2 was paused', extensions: ['1234'] })
  await waitConverged([n0, n1])

  n2.proc!.kill('SIGCONT')
  for (const n of [n0, n1]) await waitFor(`${n.name} sees n2 alive again`, async () => await stateOn(n, 'n2'), (s) => s === 'alive', 30_000)
  polling = false
  await poll
  for (const n of [n0, n1]) {
    // the poller may have stopped between two looks: its last sample can be older than the waitFor's
    const list = seen[n.name]!
    const now = await stateOn(n, 'n2')
    if (now !== undefined && list.at(-1) !== now) list.push(now)
  }
  for (const n of [n0, n1]) {
    // a busy machine may delay a heartbeat before the pause or after the resume (a short extra suspect):
    // what must hold is alive → suspect → dead after the pause, alive at the end
    const list = seen[n.name]!
    t.same(list.slice(0, 3), ['alive', 'suspect', 'dead'], `${n.name} saw n2 go alive → suspect → dead (${list.join(' → ')})`)
    t.equal(list.at(-1), 'alive', `${n.name} sees n2 alive again`)
  }
  await waitConverged(cluster.nodes)
  t.ok(await n2.get('users', 'while-paused') !== undefined, 'n2 caught up with the write made while it was paused')
  const metrics = await (await fetch(n0.url + '/metrics')).text()
  t.match(metrics, /federator_nodes\{state="alive"\} 3/)

  await n2.kill('SIGTERM')
  const s = await n0.status()
  t.match(s.nodes.find((x) => x.name === 'n2'), { state: 'suspect', restarting: true }, 'a clean stop is seen at once as a restart (right after n2 exited)')
  await waitFor('n2 dead on n0 once its restart grace ran out', async () => (await n0.status()).nodes.find((x) => x.name === 'n2')?.state, (st) => st === 'dead', 30_000)
  t.match((await n0.status()).nodes.find((x) => x.name === 'n2'), { state: 'dead', restarting: false })
})
