/**
 * The hand-written dialplan of docs/asterisk.md ("Writing it yourself": `[fed-route]` asking `/route`
 * through `CURL()`), as examples/asterisk/{pjsip,chan_sip}/extensions.conf carry it, on a real
 * Asterisk of each stack against one Federator node.
 *
 * Calls are placed with `channel originate Local/<n>@fed-test` (or from a phone's channel, to read
 * `CHANNEL(endpoint)`/`CHANNEL(peername)` on a real SIP channel). `fed-test` is this test's own
 * wrapper, not in the examples: it pushes a hangup handler and goes to the example's
 * `from-internal-curl`; the handler writes `HANGUPCAUSE`, `DIALSTATUS` and the route status in a
 * `FEDTEST` line of Asterisk's full log. Each call is read from its slice of the log (calls are
 * placed one after the other). Phones and the provider are TestPhones; the provider is the host of
 * trunk `t-live`, and trunk `t-dead` points at a loopback address where nothing listens. The docs'
 * POST line and plain form, and the generated context (`fed-gen`), are exercised too.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { asteriskOrSkip, startAsterisk, freeLoopbackAddress, TestPhone, EXAMPLES, REPO, type AsteriskInstance, startPhone } from './harness/index.js'
import { startCluster, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

/** The test's wrapper context: log how the call ended, then the example's context. */
function wrapper (fromItem: 'endpoint' | 'peername'): string {
  return `
[fed-test]
exten => _X!,1,Set(CHANNEL(hangup_handler_push)=fed-test-hangup,s,1(\${EXTEN}))
 same => n,GotoIf($["\${CHANNEL(channeltype)}" = "Local"]?go)
 same => n,Set(FEDFROM=\${CHANNEL(${fromItem})})
 same => n(go),Goto(from-internal-curl,\${EXTEN},1)

[fed-gen]
exten => _X!,1,Set(CHANNEL(hangup_handler_push)=fed-test-hangup,s,1(\${EXTEN}))
 same => n,Goto(from-internal,\${EXTEN},1)

[fed-test-hangup]
exten => s,1,Log(NOTICE,FEDTEST exten=\${ARG1} cause=\${HANGUPCAUSE} dialstatus=\${DIALSTATUS} route=\${HASH(route,status)}\${HASH(fedroute,status)} from=\${FEDFROM} end)
 same => n,Return()
`
}

/**
 * The docs' two other forms, taken from docs/asterisk.md as written: the POST request line in a
 * copy of the example's `[fed-route]` (`fed-route-post`, reached through `fed-post`), and the plain
 * form as context `fed-plain` (reached through `fed-plainw`). The node URL is rewritten here (the
 * harness rewrites only the example files).
 */
function docsForms (nodeUrl: string): string {
  const docs = readFileSync(join(REPO, 'docs', 'asterisk.md'), 'utf8')
  const post = /^ same => n,Set\(R=\$\{CURL\(http:\/\/127\.0\.0\.1:7280\/route,.*$/m.exec(docs)?.[0]
  const plain = /The plain form[^\n]*\n\n```\n([\s\S]*?)\n```/.exec(docs)?.[1]
  if (post === undefined || plain === undefined) throw new Error('docs/asterisk.md: no POST line or plain form')
  const example = readFileSync(join(EXAMPLES, 'pjsip', 'extensions.conf'), 'utf8')
  const fedRoute = example.slice(example.indexOf('[fed-route]'))
  const copy = fedRoute.replace('[fed-route]', '[fed-route-post]').replace(/^ same => n,Set\(R=\$\{CURL\(.*$/m, post)
  if (!copy.includes(post)) throw new Error('no request line replaced')
  return `
${copy}
[fed-post]
exten => _X!,1,Set(CHANNEL(hangup_handler_push)=fed-test-hangup,s,1(\${EXTEN}))
 same => n,Gosub(fed-route-post,s,1(\${EXTEN},from-internal-curl))

[fed-plain]
${plain}

[fed-plainw]
exten => _X!,1,Set(CHANNEL(hangup_handler_push)=fed-test-hangup,s,1(\${EXTEN}))
 same => n,Goto(fed-plain,\${EXTEN},1)
`.replaceAll('http://127.0.0.1:7280', nodeUrl)
}

interface Call { exten: string, cause: string, dialstatus: string, route: string, from: string, log: string, dials: string[] }

const END = /FEDTEST exten=(\S*) cause=(\S*) dialstatus=(\S*) route=(\S*) from=(\S*) end/

/**
 * Place a call (a Local channel through `wrapper`, or `channel` to a phone first) and read how it
 * ended. `fed-test` goes to the example's CURL() context, `fed-gen` to its generated one.
 */
async function call (ast: AsteriskInstance, exten: string, channel?: string, wrapper = 'fed-test'): Promise<Call> {
  const start = ast.log().length
  await ast.rx(channel === undefined
    ? `channel originate Local/${exten}@${wrapper} application Wait 2`
    : `channel originate ${channel} extension ${exten}@${wrapper}`)
  const log = await waitFor(`the end of the call to ${exten}`, async () => ast.log().slice(start), (s) => END.test(s), 20_000)
  const m = END.exec(log)!
  const dials = [...log.matchAll(/Executing \[[^\]]+\] Dial\("[^"]*", "([^"]*)"\)/g)].map((d) => d[1]!)
  return { exten: m[1]!, cause: m[2]!, dialstatus: m[3]!, route: m[4]!, from: m[5]!, log, dials }
}

if (install !== null) {
  t.test('the CURL() dialplan of the docs on a real Asterisk', async (t) => {
    // the generated context too (example part 1), for the causes after failed alternatives
    const routing = JSON.stringify({ contexts: ['from-internal'] })
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null, env: { FEDERATOR_ROUTING: routing } }) })
    const node = cluster.nodes[0]!

    // the provider: a TestPhone on its own address is the host of trunk t-live
    const provider = await startPhone(t, { user: 'provider', password: 'x', registrar: '127.0.0.1:5060', address: await freeLoopbackAddress(), answer: 'ok' })
    const dead = await freeLoopbackAddress()
    const fastQualify = { aor__qualify_frequency: '1', aor__qualify_timeout: '0.5' }

    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 'alice-pw-1' })
    await node.put('users', 'bob', { name: 'Bob', extensions: ['101'] })
    await node.put('devices', 'bob-desk', { user: 'bob', secret: 'bob-pw-1' })
    await node.put('users', 'carol', { name: 'Carol', extensions: ['102'] })
    await node.put('devices', 'carol-desk', { user: 'carol', secret: 'carol-pw-1' })
    await node.put('users', 'dave', { name: 'Dave', extensions: ['103'] })
    await node.put('devices', 'dave-sip', { user: 'dave', secret: 'dave-pw-1' })
    await node.put('users', 'erin', { name: 'Erin', extensions: ['104'] })
    await node.put('devices', 'erin-desk', { user: 'erin', secret: 'erin-pw-1', pjsip: fastQualify })
    // nothing listens on `dead`; qualify (every second) finds it unreachable
    await node.put('trunks', 't-dead', { host: dead, port: 5060, pjsip: fastQualify })
    await node.put('trunks', 't-live', { host: provider.address, port: provider.port })
    await node.put('trunks', 't-off', { host: dead, port: 5060, enabled: false })
    await node.put('providers', 'p-dead', { name: 'Cheap but down', trunks: ['t-dead'], prefixes: [{ prefix: '', cost: 1 }] })
    await node.put('providers', 'p-live', { name: 'Dearer', trunks: ['t-live'], prefixes: [{ prefix: '44', cost: 2 }], prepend: '+' })
    await node.put('providers', 'p-off', { name: 'Switched off', trunks: ['t-off'], prefixes: [] })
    await node.put('routes', 'out-9', { pattern: '_9X.', strip: 1, target: { kind: 'lcr', providers: ['p-dead', 'p-live'] } })
    await node.put('routes', 'out-8', { pattern: '_8X.', target: { kind: 'trunk', trunk: 't-dead' } })
    await node.put('routes', 'out-7', { pattern: '_7X.', target: { kind: 'provider', provider: 'p-off' } })

    const [ast, sip] = await Promise.all([
      startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url, append: { 'extensions.conf': wrapper('endpoint') + docsForms(node.url) } }),
      startAsterisk(t, install, { stack: 'chan_sip', nodeUrl: node.url, append: { 'extensions.conf': wrapper('peername') } })
    ])
    const phone = async (user: string, password: string, registrar: AsteriskInstance, answer: 'ok' | 'busy'): Promise<TestPhone> => {
      const p = await startPhone(t, { user, password, registrar: registrar.sipAddress, answer })
      t.equal((await p.register(300)).status, 200, `${user} registers with ${registrar.stack}`)
      return p
    }
    const alice = await phone('alice-desk', 'alice-pw-1', ast, 'ok')
    const bob = await phone('bob-desk', 'bob-pw-1', ast, 'busy')
    const erin = await phone('erin-desk', 'erin-pw-1', ast, 'ok')
    const dave = await phone('dave-sip', 'dave-pw-1', sip, 'ok')
    erin.close() // registered, then gone: qualify marks the contact unreachable

    t.test('PJSIP: a registered phone gets the INVITE', async (t) => {
      const c = await call(ast, '100')
      t.equal(c.route, 'OK')
      t.same(c.dials, ['PJSIP/alice-desk,30'], 'one Dial, to the device')
      t.equal(alice.invitesFor('alice-desk').length, 1, 'alice-desk got the INVITE')
      t.equal(c.dialstatus, 'ANSWER')
    })

    t.test('PJSIP: an unknown number ends with cause 1', async (t) => {
      const c = await call(ast, '555')
      t.equal(c.route, 'NOTFOUND')
      t.equal(c.cause, '1')
      t.same(c.dials, [], 'nothing dialled')
    })

    t.test('PJSIP: a user whose device is not registered ends with cause 20', async (t) => {
      const c = await call(ast, '102')
      t.equal(c.route, 'UNAVAILABLE')
      t.equal(c.cause, '20')
      t.same(c.dials, [], 'nothing dialled')
    })

    t.test('PJSIP: a busy phone: DIALSTATUS BUSY, cause 17, no failover', async (t) => {
      const c = await call(ast, '101')
      t.equal(bob.invitesFor('bob-desk').length, 1, 'bob-desk got the INVITE and answered 486')
      t.equal(c.route, 'OK')
      t.equal(c.dialstatus, 'BUSY')
      t.equal(c.cause, '17')
      t.same(c.dials, ['PJSIP/bob-desk,30'], 'one Dial only')
    })

    t.test('PJSIP: failover to dial2 when the cheapest trunk is unreachable', async (t) => {
      await waitFor('t-dead unreachable', async () => await ast.rx('pjsip show contacts'), (s) => /t-dead\/\S+\s+\S+\s+Unavail/.test(s), 15_000)
      const c = await call(ast, '9447700900123')
      t.same(c.dials, ['PJSIP/447700900123@t-dead,60', 'PJSIP/+447700900123@t-live,60'], 'dial (p-dead, strip 1), then dial2 (p-live, prepend +)')
      t.match(c.log, /Unable to create channel of type 'PJSIP' \(cause 3/, 'the first failed at once (the contact is unreachable)')
      t.equal(provider.invites.length, 1, 'the provider got one INVITE')
      t.match(provider.invites[0]?.uri, /^sip:\+447700900123@/, 'with the rewritten number in the request URI')
      t.equal(c.dialstatus, 'ANSWER')
    })

    t.test('PJSIP: the only trunk unreachable ends with cause 34, not Asterisk\'s 3', async (t) => {
      const c = await call(ast, '8123')
      t.same(c.dials, ['PJSIP/8123@t-dead,60'])
      t.equal(c.dialstatus, 'CHANUNAVAIL')
      t.equal(c.cause, '34')
    })

    t.test('PJSIP: a registered but unreachable phone ends with cause 20', async (t) => {
      await waitFor('erin-desk unreachable', async () => await ast.rx('pjsip show contacts'), (s) => /erin-desk\/\S+\s+\S+\s+Unavail/.test(s), 15_000)
      const c = await call(ast, '104')
      t.equal(c.route, 'OK', 'the node still has the registration')
      t.same(c.dials, ['PJSIP/erin-desk,30'])
      t.equal(c.dialstatus, 'CHANUNAVAIL')
      t.equal(c.cause, '20')
    })

    t.test('PJSIP, the generated context: the same causes when nothing could be reached', async (t) => {
      const trunk = await call(ast, '8123', undefined, 'fed-gen')
      t.same(trunk.dials, ['PJSIP/8123@t-dead,60'], 'pbx_realtime ran the generated rows')
      t.equal(trunk.dialstatus, 'CHANUNAVAIL')
      t.equal(trunk.cause, '34', 'the only trunk unreachable: 34')
      const user = await call(ast, '104', undefined, 'fed-gen')
      t.equal(user.dialstatus, 'CHANUNAVAIL')
      t.equal(user.cause, '20', 'an unreachable phone: 20')
    })

    t.test('PJSIP: all trunks unavailable ends with cause 34', async (t) => {
      const c = await call(ast, '7123')
      t.equal(c.route, 'CONGESTION')
      t.equal(c.cause, '34')
      t.same(c.dials, [], 'nothing dialled')
    })

    t.test('PJSIP: CHANNEL(endpoint) on a PJSIP channel', async (t) => {
      const before = alice.invites.length
      const c = await call(ast, '555', 'PJSIP/alice-desk')
      t.equal(alice.invites.length, before + 1, 'the call came from alice-desk')
      t.equal(c.from, 'alice-desk', 'CHANNEL(endpoint) is the endpoint name')
      t.notMatch(c.log, /Unknown or unavailable item requested: 'endpoint'/, 'the request line reads it without a warning')
      t.equal(c.cause, '1')
    })

    t.test('PJSIP: the docs\' POST request line and plain form', async (t) => {
      const before = alice.invites.length
      const ok = await call(ast, '100', undefined, 'fed-post')
      t.same(ok.dials, ['PJSIP/alice-desk,30'], 'POST: the answer dialled')
      t.equal(ok.dialstatus, 'ANSWER')
      t.equal((await call(ast, '555', undefined, 'fed-post')).cause, '1', 'POST: an unknown number, cause 1')
      const plain = await call(ast, '100', undefined, 'fed-plainw')
      t.same(plain.dials, ['PJSIP/alice-desk,30'], 'plain: the first alternative dialled')
      t.equal(alice.invites.length, before + 2, 'alice-desk got both INVITEs')
      const refused = await call(ast, '555', undefined, 'fed-plainw')
      t.same(refused.dials, [], 'plain: an unknown number is not dialled')
      t.match(refused.log, /Executing \[555@fed-plain:\d+\] Congestion\(/, 'plain: Congestion()')
      t.equal(refused.cause, '34', 'plain: Congestion() ends the call with 34, whatever the reason')
    })

    t.test('chan_sip: tech=sip dials SIP/<peer>, the INVITE arrives', async (t) => {
      const c = await call(sip, '103')
      t.equal(c.route, 'OK')
      t.same(c.dials, ['SIP/dave-sip,30'])
      t.equal(dave.invitesFor('dave-sip').length, 1, 'dave-sip got the INVITE')
      t.equal(c.dialstatus, 'ANSWER')
    })

    t.test('chan_sip: refusals end with the route\'s cause', async (t) => {
      t.equal((await call(sip, '555')).cause, '1', 'unknown number: 1')
      t.equal((await call(sip, '102')).cause, '20', 'not registered: 20')
      t.equal((await call(sip, '7123')).cause, '34', 'all trunks unavailable: 34')
    })

    t.test('chan_sip: CHANNEL(peername) on a SIP channel', async (t) => {
      const c = await call(sip, '555', 'SIP/dave-sip')
      t.equal(c.from, 'dave-sip', 'CHANNEL(peername) is the peer name')
      t.notMatch(c.log, /Unknown or unavailable item requested/, 'the request line reads it without a warning')
      t.equal(c.cause, '1')
    })

    t.test('the node not answering (stopped): cause 41, then back', async (t) => {
      node.proc!.kill('SIGSTOP')
      let c: Call
      try {
        c = await call(ast, '100')
      } finally {
        node.proc!.kill('SIGCONT')
      }
      t.equal(c.cause, '41')
      t.equal(c.route, '', 'no route answer')
      t.match(c.log, /func_curl\.c: .*(timed out|Timeout)/i, 'CURL() gave up after its timeout')
      t.equal((await call(ast, '102')).cause, '20', 'the node answers again')
    })

    t.test('the node down: cause 41', async (t) => {
      await node.kill('SIGKILL')
      for (const a of [ast, sip]) {
        const c = await call(a, '100')
        t.equal(c.cause, '41', `${a.stack}: 41`)
        t.same(c.dials, [], `${a.stack}: nothing dialled`)
      }
    })
  })
}
