/**
 * Registrations are soft state owned by the node whose Asterisk accepted
 * them: another node's items (offered to our table as gossip would) are in
 * our soft state but never in our Asterisk's answers, cannot be destroyed or
 * updated by it, and our own expire with their TTL even if nobody sweeps.
 */
import t from 'tap'
import { CONTACT_KIND, RealtimeService, SIPREG_KIND } from '../../src/realtime/index.js'
import { newSoftState, rtHarness } from './harness.js'

const NOW = 1795686000

function contactBody (aor: string, hash: string, exp: number): string {
  return `id=${aor}%3B%40${hash}&uri=sip%3A${aor}%40192.0.2.7%3A5060&expiration_time=${exp}&endpoint=${aor}&reg_server=pbx&path=`
}

t.test('another node\'s registrations: in our soft state, not in our Asterisk\'s answers', async (t) => {
  const h = await rtHarness(t, { now: () => NOW * 1000 })
  await h.write({ op: 'create', type: 'device', id: 'alice', fields: { secret: 'x' } })
  const other = newSoftState(() => NOW * 1000)
  const theirs = other.publish(CONTACT_KIND, 'alice;@ffff', { id: 'alice;@ffff', aor: 'alice', expiration_time: NOW + 3600, uri: 'sip:alice@198.51.100.9' }, 3600_000)
  t.equal(h.soft.offer([theirs.body, theirs.signature, 0], null), 'new', 'relayed to us')
  const reg = other.publish(SIPREG_KIND, 'alice', { name: 'alice', ipaddr: '198.51.100.9', port: 5060, regseconds: NOW + 3600 }, 3600_000)
  t.equal(h.soft.offer([reg.body, reg.signature, 0], null), 'new')

  t.equal((await h.rt('ps_contacts', 'store', contactBody('alice', 'aaaa', NOW + 60))).body, '1\n')
  t.equal(h.soft.get(CONTACT_KIND).length, 2, 'both in our soft state (routing sees them)')
  const ours = (await h.rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body
  t.match(ours, /^id=alice%3B%40aaaa&/)
  t.notMatch(ours, /ffff/, 'not theirs')
  t.notMatch((await h.rt('ps_contacts', 'multi', 'id%20LIKE=%25')).body, /ffff/)
  t.equal((await h.rt('ps_contacts', 'multi', `expiration_time%20%3C%3D=${NOW + 7200}`)).body.split('\n').length, 2, 'pruning sees only ours')
  t.equal((await h.rt('ps_contacts', 'single', 'id=alice%3B%40ffff')).body, '')
  t.equal((await h.rt('ps_contacts', 'destroy', 'id=alice%3B%40ffff&')).body, '0\n', 'our Asterisk cannot remove theirs')
  t.equal((await h.rt('ps_contacts', 'update', 'expiration_time=1', 'id=alice%3B%40ffff')).body, '0\n')
  t.ok(h.soft.get(CONTACT_KIND).some((i) => i.key === 'alice;@ffff' && i.owner === other.owner), 'still there')

  t.equal((await h.rt('sippeers', 'single', 'ipaddr=198.51.100.9&port=5060')).body, '', 'their chan_sip registration is not ours')
  t.notMatch((await h.rt('sippeers', 'single', 'name=alice')).body, /ipaddr/)
})

t.test('our registrations expire with their TTL, swept or not', async (t) => {
  let now = NOW * 1000
  const h = await rtHarness(t, { now: () => now, limits: { registrationGraceMs: 10_000 } })
  await h.write({ op: 'create', type: 'device', id: 'alice', fields: { secret: 'x' } })
  t.equal((await h.rt('ps_contacts', 'store', contactBody('alice', 'aaaa', NOW + 60))).body, '1\n')
  t.equal((await h.rt('sippeers', 'update', `ipaddr=192.0.2.7&port=5062&regseconds=${NOW + 60}`, 'name=alice')).body, '1\n')
  t.match((await h.rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body, /aaaa/)
  now += 65_000
  h.service.book.expire()
  t.match((await h.rt('ps_contacts', 'multi', `expiration_time%20%3C%3D=${NOW + 65}`)).body, /aaaa/, 'past its expiry, within the grace period: Asterisk\'s pruning still finds it')
  now += 10_000
  h.service.book.expire()
  t.equal((await h.rt('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')).body, '', 'gone from our answers')
  t.equal((await h.rt('sippeers', 'single', 'ipaddr=192.0.2.7&port=5062')).body, '')
  t.same(h.soft.get(CONTACT_KIND), [], 'and from the table, by its TTL')
  t.equal(h.soft.sweep(), 2, 'a sweep drops both items')
})

t.test('a new service on the same table picks up this node\'s registrations', async (t) => {
  const soft = newSoftState(() => NOW * 1000)
  const first = await rtHarness(t, { registrations: soft, now: () => NOW * 1000 })
  t.equal((await first.rt('ps_contacts', 'store', contactBody('bob', 'bbbb', NOW + 600))).body, '1\n')
  const second = await rtHarness(t, { registrations: soft, store: first.store, now: () => NOW * 1000 })
  t.match((await second.rt('ps_contacts', 'multi', 'id%20LIKE=bob%3B%40%25')).body, /^id=bob%3B%40bbbb&/)
  t.equal(second.service.book.contactCount, 1)
  t.type(second.service, RealtimeService)
})

t.test('a contact too big for the soft state is refused with -1', async (t) => {
  const h = await rtHarness(t, { registrations: newSoftState(undefined, 300) })
  t.equal((await h.rt('ps_contacts', 'store', contactBody('alice', 'a'.repeat(32), NOW + 60) + '&user_agent=' + 'u'.repeat(250))).body, '-1\n')
  t.equal(h.refused('soft_state_refused'), 1)
})
