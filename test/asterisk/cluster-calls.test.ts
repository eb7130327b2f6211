/**
 * Calls across a cluster through real Asterisks and the generated dialplan and inter-node trunks.
 *
 * Three nodes in one cluster, each beside its own Asterisk on its own loopback address (the node is
 * started with `--sip-address` of that Asterisk, so the others serve a `fed-<name>` trunk for it):
 * A with chan_sip (`"tech": "SIP"`), B and C with PJSIP, all with the examples' `extensions.conf`
 * (`switch => Realtime/…@extensions`) and `"contexts": ["from-internal"]`. The records are made on A.
 *
 *   alice's phone registers on B; a call to 100 placed on C (PJSIP → PJSIP) and on A (chan_sip → PJSIP)
 *   reaches it through fed-b; bob's phone registers on A (chan_sip) and a call placed on C reaches it
 *   through fed-a (PJSIP → chan_sip); B is killed: C answers 100 as unavailable (cause 20) and the
 *   phone gets nothing; alice's phone registers on C: the call is local (PJSIP/alice-desk).
 *
 * Inter-node calls must be identified by the sender's IP: a call whose caller id names a device of
 * the receiving node (placed on C through a test-only context setting CALLERID(num)) still comes
 * through, with that caller id — chan_sip (A) looks the From user up among its devices first.
 */
import t from 'tap'
import { asteriskOrSkip, startAsterisk, freeLoopbackAddress, TestPhone, header, type AsteriskInstance, type SipMessage, startPhone } from './harness/index.js'
import { startCluster, waitConverged, waitFor, type ClusterNode } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

interface RouteAnswer { status: string, reason: string, cause?: number, alternatives?: Array<{ dial: string }> }

async function route (node: ClusterNode, exten: string, context = 'from-internal'): Promise<RouteAnswer> {
  const res = await fetch(`${node.url}/route?format=json&exten=${encodeURIComponent(exten)}&context=${encodeURIComponent(context)}`)
  return await res.json() as RouteAnswer
}

/** Place a call from `ast`'s `from-internal` (a Local channel running the generated dialplan). */
async function call (ast: AsteriskInstance, exten: string): Promise<void> {
  await ast.rx(`channel originate Local/${exten}@from-internal application Wait 2`)
}

/** Whether `ast`'s log has (or gets within a few seconds: Asterisk's logger thread writes it) a line matching `re`. */
async function logged (ast: AsteriskInstance, re: RegExp): Promise<boolean> {
  return await waitFor('a log line', async () => ast.log(), (s) => re.test(s), 5000, 100).then(() => true, () => false)
}

/** Wait until `phone` has received more than `before` INVITEs for `user`; resolves with the newest. */
async function inviteFor (phone: TestPhone, user: string, before: number, what: string): Promise<SipMessage> {
  const got = await waitFor(what, async () => phone.invitesFor(user), (l) => l.length > before, 20_000)
  return got.at(-1)!
}

if (install !== null) {
  t.test('calls across the cluster: inter-node trunks, mixed stacks, a dead node, a moved phone', async (t) => {
    // the Asterisks' addresses must be known before the nodes start (--sip-address)
    const addr = { a: await freeLoopbackAddress(), b: await freeLoopbackAddress(), c: await freeLoopbackAddress() }
    const names = ['a', 'b', 'c'] as const
    const tech = { a: 'SIP', b: 'PJSIP', c: 'PJSIP' } as const
    const cluster = await startCluster(t, {
      nodes: 3,
      spec: (i) => {
        const n = names[i]!
        return {
          name: n,
          args: ['--sip-address', `${addr[n]}:5060`],
          env: { FEDERATOR_ROUTING: JSON.stringify({ tech: tech[n], contexts: ['from-internal'] }) }
        }
      }
    })
    const [A, B, C] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]

    await A.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await A.put('devices', 'alice-desk', { user: 'alice', secret: 'alice-pw-1' })
    await A.put('users', 'bob', { name: 'Bob', extensions: ['200'] })
    await A.put('devices', 'bob-desk', { user: 'bob', secret: 'bob-pw-1' })
    await waitConverged([A, B, C])

    // C's test-only contexts: calls whose caller id names a device (alice-desk on B, bob-desk on A)
    const cid = ['alice-desk', 'bob-desk'].map((d) => `[cid-${d}]\nexten => _X!,1,Set(CALLERID(num)=${d})\n same => n,Goto(from-internal,\${EXTEN},1)\n`).join('')
    const [astA, astB, astC] = await Promise.all([
      startAsterisk(t, install, { name: 'ast-a', stack: 'chan_sip', nodeUrl: A.url, address: addr.a }),
      startAsterisk(t, install, { name: 'ast-b', stack: 'pjsip', nodeUrl: B.url, address: addr.b }),
      startAsterisk(t, install, { name: 'ast-c', stack: 'pjsip', nodeUrl: C.url, address: addr.c, append: { 'extensions.conf': cid } })
    ])

    const alice = await startPhone(t, { user: 'alice-desk', password: 'alice-pw-1', registrar: astB.sipAddress })
    const bob = await startPhone(t, { user: 'bob-desk', password: 'bob-pw-1', registrar: astA.sipAddress })

    await t.test('alice registers on B; a call placed on C reaches her through fed-b (PJSIP → PJSIP)', async (t) => {
      t.equal((await alice.register(300)).status, 200, 'REGISTER on B: 200')
      const r = await waitFor('C to route 100 to fed-b', async () => await route(C, '100'), (r) => r.status === 'OK')
      t.equal(r.alternatives?.[0]?.dial, 'PJSIP/100@fed-b', 'C dials the extension at node B over the inter-node trunk')
      const before = alice.invitesFor('alice-desk').length
      await call(astC, '100')
      const invite = await inviteFor(alice, 'alice-desk', before, 'the INVITE from B to alice')
      t.equal(invite.from.address, addr.b, "the INVITE came from B's Asterisk")
      t.match(invite.body, /^m=audio \d+ RTP\/AVP( \d+)*? (0|8)\b/m, 'with ulaw or alaw offered')
      t.ok(await logged(astB, /Executing \[100@federator-inbound:\d+\] \w+\("PJSIP\/fed-c-/), 'B took the call as from fed-c (by IP), in the inbound context')

      // a caller id naming one of B's devices must not make B take the call as from that device (and
      // challenge it): the trunk's From user is fixed, the caller id goes in P-Asserted-Identity
      const again = alice.invitesFor('alice-desk').length
      await astC.rx('channel originate Local/100@cid-alice-desk application Wait 2')
      const spoofed = await inviteFor(alice, 'alice-desk', again, 'the INVITE from B to alice (caller id alice-desk)')
      t.match(header(spoofed, 'From') ?? '', /sip:alice-desk@/, 'alice sees the caller id alice-desk')
      t.equal(spoofed.from.address, addr.b, 'the call came through B (taken as from fed-c, not challenged)')
    })

    await t.test('a call placed on A (chan_sip) reaches alice on B through fed-b (chan_sip → PJSIP)', async (t) => {
      const r = await route(A, '100')
      t.equal(r.alternatives?.[0]?.dial, 'SIP/fed-b/100', 'A dials SIP/fed-b/100')
      const before = alice.invitesFor('alice-desk').length
      await call(astA, '100')
      const invite = await inviteFor(alice, 'alice-desk', before, 'the INVITE from B to alice (call from A)')
      t.equal(invite.from.address, addr.b, "alice rang, from B's Asterisk")
      t.ok(await logged(astB, /Executing \[100@federator-inbound:\d+\] \w+\("PJSIP\/fed-a-/), 'B took the call as from fed-a')
    })

    await t.test('bob registers on A (chan_sip); a call placed on C reaches him through fed-a (PJSIP → chan_sip)', async (t) => {
      t.equal((await bob.register(300)).status, 200, 'REGISTER on A (chan_sip): 200')
      const r = await waitFor('C to route 200 to fed-a', async () => await route(C, '200'), (r) => r.status === 'OK')
      t.equal(r.alternatives?.[0]?.dial, 'PJSIP/200@fed-a', 'C dials the extension at node A')
      const before = bob.invitesFor('bob-desk').length
      await call(astC, '200')
      const invite = await inviteFor(bob, 'bob-desk', before, 'the INVITE from A to bob')
      t.equal(invite.from.address, addr.a, "bob rang, from A's Asterisk")
      t.ok(await logged(astA, /Executing \[200@federator-inbound:\d+\] \w+\("SIP\/fed-c-/), 'A (chan_sip) took the call as from peer fed-c, in the inbound context')

      // the same on chan_sip, which always tries the From user among its devices first
      const again = bob.invitesFor('bob-desk').length
      await astC.rx('channel originate Local/200@cid-bob-desk application Wait 2')
      const spoofed = await inviteFor(bob, 'bob-desk', again, 'the INVITE from A to bob (caller id bob-desk)')
      t.equal(spoofed.from.address, addr.a, 'a caller id naming a chan_sip peer still comes through as fed-c')
      t.match(header(spoofed, 'From') ?? '', /sip:bob-desk@/, 'with that caller id (P-Asserted-Identity, trusted)')
    })

    await t.test('B is killed: C answers 100 as unavailable and alice gets nothing', async (t) => {
      const killed = Date.now()
      await B.kill('SIGKILL')
      const r = await waitFor('C to answer 100 UNAVAILABLE', async () => await route(C, '100'), (r) => r.status === 'UNAVAILABLE')
      t.comment(`C answered UNAVAILABLE (${r.reason}) ${Date.now() - killed} ms after B was killed`)
      t.equal(r.cause, 20, 'cause 20 (subscriber absent)')
      const before = alice.invites.length
      const logFrom = astC.log().length
      await call(astC, '100')
      const log = await waitFor('C to hang up 100', async () => astC.log().slice(logFrom), (s) => /Hangup\("Local\/100@from-internal-[^"]*", "20"\)/.test(s), 10_000)
      t.match(log, /Hangup\("Local\/100@from-internal-[^"]*", "20"\)/, 'the generated dialplan hangs up with cause 20')
      t.notMatch(log, /Dial\(/, 'and dials nothing')
      t.equal(alice.invites.length, before, 'no INVITE reached alice')
    })

    await t.test('alice registers on C: the call is local', async (t) => {
      const moved = await startPhone(t, { user: 'alice-desk', password: 'alice-pw-1', registrar: astC.sipAddress })
      t.equal((await moved.register(300)).status, 200, 'REGISTER on C: 200')
      const r = await waitFor('C to route 100 locally', async () => await route(C, '100'), (r) => r.status === 'OK')
      t.equal(r.alternatives?.[0]?.dial, 'PJSIP/alice-desk', 'C dials the device directly')
      const before = moved.invitesFor('alice-desk').length
      await call(astC, '100')
      const invite = await inviteFor(moved, 'alice-desk', before, 'the INVITE from C to alice')
      t.equal(invite.from.address, addr.c, "alice rang, from C's Asterisk")
    })
  })
}
