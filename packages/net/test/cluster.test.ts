import t from 'tap'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import {
  base32Decode, base32Encode, clusterKeys, formatJoinString, newClusterSecret, parseJoinString,
  parseBootstrapList, parseHostPort, parseStaticPeer, formatStaticPeer
} from '../src/index.js'

const RUNS = Number(process.env.FC_RUNS ?? 1000)
const PK = 'ab'.repeat(32)

t.test('base32 round-trips any bytes', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
    const text = base32Encode(bytes)
    return /^[a-z2-7]*$/.test(text) && Buffer.compare(base32Decode(text) ?? Buffer.alloc(1), Buffer.from(bytes)) === 0
  }), { numRuns: RUNS })
  t.equal(base32Encode(Buffer.from('foobar')), 'mzxw6ytboi', 'RFC 4648 test vector')
  t.equal(base32Decode('MZXW6YTBOI')?.toString(), 'foobar', 'upper case accepted')
  t.equal(base32Decode('mzxw1'), null, 'foreign character refused')
})

t.test('a join string round-trips the secret and the hints', async (t) => {
  const secret = newClusterSecret()
  const s = formatJoinString(secret, { peers: [{ publicKey: PK, host: '10.0.0.2', port: 49737 }], bootstrap: [{ host: '::1', port: 5000 }, { host: 'boot.example', port: 49737 }] })
  t.match(s, /^fed1:[a-z2-7]{56}\//)
  const j = parseJoinString(s)
  t.same(j.cluster.secret, secret)
  t.same(j.peers, [{ publicKey: PK, host: '10.0.0.2', port: 49737 }])
  t.same(j.bootstrap, [{ host: '::1', port: 5000 }, { host: 'boot.example', port: 49737 }])
  t.same(parseJoinString(formatJoinString(secret)).peers, [], 'hints are optional')
  t.same(parseJoinString('  ' + formatJoinString(secret).toUpperCase().replace('FED1', 'fed1') + '\n').cluster.secret, secret, 'case and surrounding space do not matter')
})

t.test('derived keys: deterministic, distinct, and not the secret', async (t) => {
  const secret = randomBytes(32)
  const a = clusterKeys(secret)
  const b = clusterKeys(Buffer.from(secret))
  t.same(a.topic, b.topic)
  t.equal(a.id, b.id)
  t.match(a.id, /^[0-9a-f]{16}$/)
  const all = [a.secret, a.topic, a.authKey, a.lanId].map(x => x.toString('hex'))
  t.equal(new Set(all).size, 4)
  t.not(clusterKeys(randomBytes(32)).topic.toString('hex'), a.topic.toString('hex'))
})

t.test('bad join strings give FED_ERR_JOIN_STRING with a reason', async (t) => {
  const good = formatJoinString(newClusterSecret())
  const body = good.slice(5)
  const typo = body[0] === 'a' ? 'b' + body.slice(1) : 'a' + body.slice(1)
  const cases: Array<[string, RegExp]> = [
    ['', /must start with "fed1:"/],
    ['hello', /must start with "fed1:"/],
    ['fed2:' + body, /unsupported version "fed2"/],
    ['fed1:' + body.slice(1), /must be 56 characters, got 55/],
    ['fed1:' + body.slice(0, 55) + '1', /outside a–z and 2–7/],
    ['fed1:' + typo, /checksum mismatch/],
    [good + '/nohost', /hint "nohost": .*missing :<port>/],
    [good + '/' + PK + '@h:99999', /port must be 1–65535/],
    [good + '/xyz@h:1', /public key must be 64 hex digits/]
  ]
  for (const [input, msg] of cases) {
    t.throws(() => parseJoinString(input), { code: 'FED_ERR_JOIN_STRING', message: msg }, JSON.stringify(input))
  }
})

t.test('peer addresses', async (t) => {
  t.same(parseHostPort('127.0.0.1:49737'), { host: '127.0.0.1', port: 49737 })
  t.same(parseHostPort('[fe80::1]:7'), { host: 'fe80::1', port: 7 })
  t.same(parseStaticPeer(PK.toUpperCase() + '@node-2.lan:1234'), { publicKey: PK, host: 'node-2.lan', port: 1234 })
  t.equal(formatStaticPeer({ publicKey: PK, host: '::1', port: 9 }), PK + '@[::1]:9')
  t.same(parseBootstrapList(['a:1,b:2', ' ', 'c:3']), [{ host: 'a', port: 1 }, { host: 'b', port: 2 }, { host: 'c', port: 3 }])
  for (const bad of ['host', 'host:', 'host:0', 'host:x', '::1:5', '[::1:5', '[zz]:5', 'a b:1']) {
    t.throws(() => parseHostPort(bad), { code: 'FED_ERR_PEER_ADDRESS' }, bad)
  }
  for (const bad of ['127.0.0.1:5', 'abc@127.0.0.1:5', PK + '@']) {
    t.throws(() => parseStaticPeer(bad), { code: 'FED_ERR_PEER_ADDRESS' }, bad)
  }
})
