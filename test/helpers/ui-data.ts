/** Data for the web UI's test and screenshots: registrations made as Asterisk makes them, and a conflict. */
import { waitConverged, type ClusterNode } from './cluster.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'asterisk-libcurl-agent/1.0' }

/** A PJSIP registration of `device` through node `n` (stored as its Asterisk stores a contact), expiring in an hour. */
export async function registerContact (n: ClusterNode, device: string, port = 5062): Promise<void> {
  const exp = Math.floor(Date.now() / 1000) + 3600
  const id = encodeURIComponent(`${device};@${Buffer.from(device + port).toString('hex').padEnd(32, '0').slice(0, 32)}`)
  const body = `id=${id}&via_addr=127.0.0.1&endpoint=${device}&uri=${encodeURIComponent(`sip:${device}@127.0.0.1:${port}`)}&expiration_time=${exp}&qualify_frequency=0&reg_server=x&path=&outbound_proxy=`
  const res = await fetch(`${n.url}/realtime/ps_contacts/store`, { method: 'POST', headers: FORM, body })
  const text = await res.text()
  if (text !== '1\n') throw new Error(`the contact of ${device} was not stored on ${n.name}: ${text}`)
}

/**
 * A conflict on `users/<id>.name`: the field patched on `x` and `y` at the same moment (each write
 * made before the other one reached the other node), repeated until a conflict is listed (at most
 * `tries` times). Resolves with whether it was made.
 */
export async function makeNameConflict (nodes: ClusterNode[], x: ClusterNode, y: ClusterNode, id: string, tries = 20): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    await Promise.all([x.patch('users', id, { name: `${id} edited on ${x.name} (${i})` }), y.patch('users', id, { name: `${id} edited on ${y.name} (${i})` })])
    await waitConverged(nodes)
    if ((await x.conflicts()).some((c) => c.id === id)) return true
  }
  return false
}

/**
 * A record deleted on `x` while `y` edits its name at the same moment, repeated (the record made
 * again each time) until the conflict is listed. Resolves with whether it was made.
 */
export async function makeDeleteConflict (nodes: ClusterNode[], x: ClusterNode, y: ClusterNode, id: string, tries = 20): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    await x.put('users', id, { name: id, extensions: [] })
    await waitConverged(nodes)
    await Promise.all([x.remove('users', id), y.patch('users', id, { name: `${id} edited on ${y.name} (${i})` })])
    await waitConverged(nodes)
    if ((await x.conflicts()).some((c) => c.id === id)) return true
  }
  return false
}
