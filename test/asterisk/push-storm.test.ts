/**
 * A registration storm in push mode: 2,000 devices, an Asterisk that has just started (its memory
 * empty) and 2,000 phones (one UDP socket, a contact each: harness/register-storm.ts) registering at
 * once while the node's first full push runs. Asterisk opens its SIP port only when the push is done
 * (the node pushes the transport last), so no REGISTER is refused: the early ones go unanswered and
 * their retransmissions succeed. Every phone registers; the node mirrors every contact.
 */
import t from 'tap'
import { asteriskOrSkip } from './harness/index.js'
import { RegisterStorm } from './harness/register-storm.js'
import { waitFor } from '../helpers/cluster.js'
import { fullPushes, metrics, pushSetup } from './push-setup.js'

const install = asteriskOrSkip(t)
const N = 2000

if (install !== null) {
  t.test(`a registration storm of ${N} phones during the first full push`, async (t) => {
    const s = await pushSetup(t, install, { push: { driftCheckMs: 5000, refreshMs: 5000 } })
    const { node } = s
    const devices = Array.from({ length: N }, (_, i) => ({ id: `storm-${String(i).padStart(4, '0')}`, password: `pw-${i}` }))
    const res = await node.api('/api/v1/import', { method: 'POST', body: devices.map((d) => JSON.stringify({ type: 'device', id: d.id, secret: d.password })).join('\n') + '\n', headers: { 'content-type': 'application/x-ndjson' } })
    t.match(await res.json(), { imported: N, failed: 0 }, `${N} devices imported`)

    const ast = await s.startAsterisk()
    // the storm starts once ARI is connected, i.e. while the node's first full push runs (the node's
    // reconnect backoff before Asterisk was up is not what is tested)
    await waitFor('ARI connected', async () => (await metrics(node)).federator_ari_connected, (v) => v === 1, 30_000, 20)
    const pushing = (await metrics(node)).federator_push_full_pushes_total === 0
    const storm = await new RegisterStorm({ registrar: ast.sipAddress, devices, inFlight: 50, expires: 600 }).start()
    t.teardown(() => storm.close())
    const result = await storm.run()
    const m = await fullPushes(node, 1)
    t.ok(pushing, 'the storm started before the first full push was done')
    t.comment(`${N} registrations in ${Math.round(result.ms)} ms (${Math.round(N / result.ms * 1000)}/s), ${result.retransmits} retransmissions; full push ${m.federator_push_last_full_push_seconds} s`)
    const counts: Record<number, number> = {}
    for (const st of result.status.values()) counts[st] = (counts[st] ?? 0) + 1
    t.comment(`final answers: ${JSON.stringify(counts)} (0: none after SIP's 32 s)`)
    const refused = [...result.status].filter(([, st]) => st !== 200)
    t.same(refused.slice(0, 5), [], 'every phone registered: none refused, none unanswered')
    t.equal(result.ok, N, `${N} × 200 OK`)
    t.match(await ast.rx('pjsip show contacts'), new RegExp(`Objects found: ${N}\\b`), `Asterisk holds ${N} contacts`)
    await waitFor('every contact mirrored', async () => (await metrics(node)).federator_realtime_registrations, (n) => n === N, 30_000, 200)
    t.pass(`the node mirrored all ${N} contacts into its soft state`)
    t.equal((await metrics(node)).federator_push_errors_total, 0, 'no push errors')
  })
}
