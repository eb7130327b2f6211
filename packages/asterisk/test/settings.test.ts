import t from 'tap'
import { asteriskSettings, parseAriUrl, parseUserPassword, DEFAULT_ARI_APP } from '../src/settings.js'

t.test('no ARI: realtime mode, no connection', async (t) => {
  t.same(asteriskSettings({}), { mode: 'realtime' })
})

t.test('flags and environment: ariUrl, ariUser user:password, ariApp, asteriskMode', async (t) => {
  const s = asteriskSettings({ ariUrl: 'http://127.0.0.1:8088/', ariUser: 'fed:pa:ss', asteriskMode: 'push' })
  t.same(s, { mode: 'push', ari: { url: 'http://127.0.0.1:8088', user: 'fed', password: 'pa:ss', app: DEFAULT_ARI_APP } }, 'a password may hold colons; the trailing / goes')
  t.equal(asteriskSettings({ ariUrl: 'http://[::1]:8088/ari', ariUser: 'a:b', ariApp: 'fed-1' }).ari?.url, 'http://[::1]:8088', '/ari is accepted and dropped')
})

t.test('a config file: ari object, asterisk.mode; flags win over the file', async (t) => {
  const s = asteriskSettings({ ari: { url: 'https://pbx.local:8089', user: 'u', password: 'p', app: 'x' }, asterisk: { mode: 'push' } })
  t.same(s, { mode: 'push', ari: { url: 'https://pbx.local:8089', user: 'u', password: 'p', app: 'x' } })
  const f = asteriskSettings({ ari: { url: 'http://127.0.0.1:1', user: 'u', password: 'p' }, ariUrl: 'http://127.0.0.1:2', ariUser: 'v:q', asterisk: { mode: 'push' }, asteriskMode: 'realtime' })
  t.same(f, { mode: 'realtime', ari: { url: 'http://127.0.0.1:2', user: 'v', password: 'q', app: 'federator' } })
  t.same(asteriskSettings({ ari: { url: 'http://127.0.0.1:1', user: 'u:p' } }).ari, { url: 'http://127.0.0.1:1', user: 'u', password: 'p', app: 'federator' }, 'ari.user may be user:password')
})

t.test('bad values: FED_ERR_CONFIG naming the setting', async (t) => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ asteriskMode: 'memory' }, /asterisk\.mode: one of realtime, push/],
    [{ asteriskMode: 'push' }, /push needs ARI/],
    [{ ariUser: 'a:b' }, /ari\.url is not/],
    [{ ariUrl: 'http://127.0.0.1:8088' }, /ari\.user is not/],
    [{ ariUrl: 'http://127.0.0.1:8088', ariUser: 'nopassword' }, /ari\.user: expected user:password/],
    [{ ariUrl: 'http://127.0.0.1:8088', ariUser: ':pw' }, /no user/],
    [{ ariUrl: 'ftp://127.0.0.1', ariUser: 'a:b' }, /http or https only/],
    [{ ariUrl: 'not a url', ariUser: 'a:b' }, /expected a URL/],
    [{ ariUrl: 'http://u:p@127.0.0.1:8088', ariUser: 'a:b' }, /not in the URL/],
    [{ ariUrl: 'http://127.0.0.1:8088/x', ariUser: 'a:b' }, /the path \/x/],
    [{ ariUrl: 'http://127.0.0.1:8088', ariUser: 'a:b', ariApp: 'bad app' }, /ari\.app/],
    [{ ari: 'http://x' }, /ari: expected an object/],
    [{ ari: { url: 'http://x', usr: 'a' } }, /unknown setting\(s\) usr/],
    [{ asterisk: { mode: 'push', cache: 1 } }, /asterisk: unknown setting\(s\) cache/]
  ]
  for (const [input, message] of bad) {
    t.throws(() => asteriskSettings(input), { code: 'FED_ERR_CONFIG', message }, JSON.stringify(input))
  }
  t.throws(() => parseUserPassword('user:', 'x'), { code: 'FED_ERR_CONFIG', message: /no password/ })
  t.equal(parseAriUrl('HTTP://LOCALHOST:8088'), 'http://localhost:8088')
})

t.test('AMI: --ami host:port with --ami-user, or a config file object; bad values name the setting', async (t) => {
  const ari = { ariUrl: 'http://127.0.0.1:8088', ariUser: 'a:b' }
  t.same(asteriskSettings({ ...ari, ami: '127.0.0.1:5038', amiUser: 'fed:s:x' }).ami, { host: '127.0.0.1', port: 5038, user: 'fed', password: 's:x' })
  t.same(asteriskSettings({ ...ari, ami: '[::1]:5039', amiUser: 'u:p' }).ami, { host: '::1', port: 5039, user: 'u', password: 'p' })
  t.same(asteriskSettings({ ...ari, ami: { port: 6000, user: 'u', password: 'p' } }).ami, { host: '127.0.0.1', port: 6000, user: 'u', password: 'p' }, 'host defaults to loopback')
  t.same(asteriskSettings({ ...ari, ami: { host: 'h', port: 1, user: 'u:p' }, amiUser: 'v:q' }).ami, { host: 'h', port: 1, user: 'v', password: 'q' }, 'the flag wins')
  t.equal(asteriskSettings(ari).ami, undefined, 'no AMI unless asked')
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...ari, ami: '127.0.0.1' }, /ami: expected host:port/],
    [{ ...ari, ami: '127.0.0.1:99999', amiUser: 'u:p' }, /ami: expected host:port/],
    [{ ...ari, ami: '127.0.0.1:5038' }, /ami\.user is not/],
    [{ ...ari, amiUser: 'u:p' }, /ami is not/],
    [{ ...ari, ami: { host: 'h', secret: 'x' } }, /unknown setting\(s\) secret/]
  ]
  for (const [input, re] of bad) t.throws(() => asteriskSettings(input), { code: 'FED_ERR_CONFIG', message: re }, JSON.stringify(input))
  t.same(asteriskSettings({ ami: '127.0.0.1:5038', amiUser: 'u:p' }), { mode: 'realtime', ami: { host: '127.0.0.1', port: 5038, user: 'u', password: 'p' } }, 'AMI alone (realtime mode\'s cache expiry)')
})

t.test('asterisk.push tunables and asterisk.transports (config file)', async (t) => {
  const ari = { ariUrl: 'http://127.0.0.1:8088', ariUser: 'a:b' }
  const s = asteriskSettings({ ...ari, asterisk: { mode: 'push', push: { driftCheckMs: 500 }, transports: { 'transport-udp': { protocol: 'udp', bind: '0.0.0.0:5060' } } } })
  t.same(s.push, { driftCheckMs: 500 })
  t.same(s.transports, { 'transport-udp': { protocol: 'udp', bind: '0.0.0.0:5060' } })
  t.throws(() => asteriskSettings({ ...ari, asterisk: { push: { driftCheckMs: -1 } } }), { code: 'FED_ERR_CONFIG', message: /asterisk\.push\.driftCheckMs/ })
  t.throws(() => asteriskSettings({ ...ari, asterisk: { transports: { udp: { port: 5060 } } } }), { code: 'FED_ERR_CONFIG', message: /asterisk\.transports/ })
  t.throws(() => asteriskSettings({ ...ari, asterisk: { transports: [] } }), { code: 'FED_ERR_CONFIG', message: /asterisk\.transports/ })
})
