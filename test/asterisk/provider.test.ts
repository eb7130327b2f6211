/**
 * Provider trunks on a real Asterisk: the node's Asterisk (examples/asterisk/pjsip/) registers to a
 * second, plain Asterisk playing the provider (its own static pjsip.conf: an account with a
 * username and password, no Federator), and places outbound calls chosen by least-cost routing
 * through the generated context (`switch => Realtime/from-internal@extensions`); the provider logs
 * the number each INVITE asked for and the account it authenticated as.
 *
 * Checked: `ps_registrations` from a trunk with `register: true` → `pjsip show registrations` says
 * Registered and the provider holds the contact; two numbers under a route that strips the
 * international prefix arrive rewritten by the cheapest provider covering each (its own
 * strip/prepend), and the INVITE is authenticated with the trunk's credentials.
 */
import t from 'tap'
import { asteriskOrSkip, startAsterisk, freeLoopbackAddress, type AsteriskInstance } from './harness/index.js'
import { startCluster, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

const ACCOUNT = 'acct1001'
const PASSWORD = 'trunk-pw-1'

/** The provider: a plain Asterisk with one customer account, identified by its user name. */
function providerFiles (address: string): Record<string, string> {
  return {
    'modules.conf': '[modules]\nautoload = yes\nnoload => chan_sip.so\n',
    'pjsip.conf': `
[global]
type = global
endpoint_identifier_order = username,ip

[transport-udp]
type = transport
protocol = udp
bind = ${address}:5060

[${ACCOUNT}]
type = endpoint
context = from-customer
disallow = all
allow = ulaw,alaw
auth = ${ACCOUNT}
aors = ${ACCOUNT}

[${ACCOUNT}]
type = auth
auth_type = userpass
username = ${ACCOUNT}
password = ${PASSWORD}

[${ACCOUNT}]
type = aor
max_contacts = 1
remove_existing = yes

[acct1002]
type = endpoint
context = from-customer
disallow = all
allow = ulaw
auth = acct1002
aors = acct1002

[acct1002]
type = auth
auth_type = userpass
username = acct1002
password = pw-1002

[acct1002]
type = aor
max_contacts = 1
`,
    'extensions.conf': `
[from-customer]
exten => _[+0-9].,1,Log(NOTICE,PROVIDER-GOT number=\${EXTEN} account=\${CHANNEL(endpoint)} end)
 same => n,Answer()
 same => n,Wait(1)
 same => n,Hangup()
`
  }
}

const FROM_TRUNK = `
[from-trunk]
exten => _[+0-9a-z].,1,Log(NOTICE,NODE-GOT number=\${EXTEN} endpoint=\${CHANNEL(endpoint)} end)
 same => n,Hangup()
`

interface Arrival { number: string, account: string }

function arrivals (provider: AsteriskInstance): Arrival[] {
  // the Log() line itself, not the verbose "Executing … Log(…)" line that quotes it
  return [...provider.log().matchAll(/: PROVIDER-GOT number=(\S*) account=(\S*) end/g)].map((m) => ({ number: m[1]!, account: m[2]! }))
}

if (install !== null) {
  t.test('a provider trunk: registration and least-cost calls through a second Asterisk', async (t) => {
    const providerAddress = await freeLoopbackAddress()
    const provider = await startAsterisk(t, install, {
      name: 'provider', stack: 'pjsip', nodeUrl: 'http://127.0.0.1:9', examples: [], address: providerAddress, files: providerFiles(providerAddress)
    })

    const cluster = await startCluster(t, {
      nodes: 1,
      bootstrap: false,
      spec: () => ({ name: 'a', join: null, env: { FEDERATOR_ROUTING: JSON.stringify({ contexts: ['from-internal'] }) } })
    })
    const node = cluster.nodes[0]!
    await node.put('trunks', 'prov', { host: providerAddress, port: 5060, register: true, username: ACCOUNT, secret: PASSWORD, fromUser: ACCOUNT })
    // both cover 447…; the cheaper one (national format) wins there, only the dearer one (E.164) covers 441…
    await node.put('providers', 'p-national', { name: 'National format', trunks: ['prov'], prefixes: [{ prefix: '447', cost: 0.5 }], strip: 2, prepend: '0' })
    await node.put('providers', 'p-e164', { name: 'E.164', trunks: ['prov'], prefixes: [{ prefix: '44', cost: 1 }], prepend: '+' })
    await node.put('routes', 'international', { pattern: '_00X.', strip: 2, target: { kind: 'lcr' } })

    // the trunk's inbound context (trunk.context, default from-trunk): this test's own, it logs what arrived
    const ast = await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: node.url, append: { 'extensions.conf': FROM_TRUNK } })

    t.test('the trunk registers to the provider', async (t) => {
      const regs = await waitFor('Registered', async () => await ast.rx('pjsip show registrations'), (s) => /\bRegistered\b/.test(s), 20_000)
      t.match(regs, new RegExp(`prov/sip:${providerAddress.replace(/\./g, '\\.')}:5060\\s+prov\\s+Registered`), 'pjsip show registrations: prov Registered')
      const contacts = await provider.rx('pjsip show contacts')
      t.match(contacts, new RegExp(`${ACCOUNT}/sip:${ACCOUNT}@${ast.address.replace(/\./g, '\\.')}:5060`), 'the provider holds the node\'s contact under the account')
    })

    t.test('outbound calls: least cost, rewritten, authenticated', async (t) => {
      await ast.rx('channel originate Local/00447700900123@from-internal application Wait 2')
      const first = await waitFor('the first call at the provider', async () => arrivals(provider), (a) => a.length >= 1, 15_000)
      t.same(first, [{ number: '07700900123', account: ACCOUNT }], '00 447700900123: route strips 00, the cheapest provider strips 44 and prepends 0')

      await ast.rx('channel originate Local/00441632960961@from-internal application Wait 2')
      const both = await waitFor('the second call at the provider', async () => arrivals(provider), (a) => a.length >= 2, 15_000)
      t.same(both[1], { number: '+441632960961', account: ACCOUNT }, '00 441632960961: only the E.164 provider covers it, it prepends +')
    })

    t.test('an inbound call from the provider is matched to the trunk by its registration line', async (t) => {
      await provider.rx(`channel originate PJSIP/442079460000@${ACCOUNT} application Wait 2`)
      const got = await waitFor('the call at the node', async () => [...ast.log().matchAll(/: NODE-GOT number=(\S*) endpoint=(\S*) end/g)].map((m) => ({ number: m[1]!, endpoint: m[2]! })),
        (a) => a.length >= 1, 15_000)
      t.same(got, [{ number: '442079460000', endpoint: 'prov' }], 'identified as endpoint prov (line=yes, endpoint=prov), in the trunk\'s context')
    })

    t.test('a trunk added, then disabled, while Asterisk runs: at the next reload of the registrations', async (t) => {
      const contacts = async (): Promise<string> => await provider.rx('pjsip show contacts')
      // a short random delay before the first REGISTER (Asterisk's default: up to 10 s)
      await node.put('trunks', 'prov2', {
        host: providerAddress, port: 5060, register: true, username: 'acct1002', secret: 'pw-1002', fromUser: 'acct1002', pjsip: { registration__max_random_initial_delay: '1' }
      })
      await ast.rx('module reload res_pjsip_outbound_registration.so')
      await waitFor('acct1002 at the provider', contacts, (s) => s.includes('acct1002/sip:acct1002@'), 15_000)
      t.pass('a new registering trunk registers at the reload')

      await node.patch('trunks', 'prov2', { enabled: false })
      await ast.rx('module reload res_pjsip_outbound_registration.so')
      await waitFor('acct1002 gone from the provider', contacts, (s) => !s.includes('acct1002/'), 15_000)
      t.pass('disabled: Asterisk un-REGISTERs at the reload (answering the challenge with the auth the node still serves)')
      t.notMatch(await ast.rx('pjsip show registrations'), /prov2/, 'the node\'s Asterisk no longer lists it')
      t.match(await contacts(), new RegExp(`${ACCOUNT}/sip:${ACCOUNT}@`), 'the other trunk stays registered')
    })
  })
}
