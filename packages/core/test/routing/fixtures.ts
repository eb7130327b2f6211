/**
 * A small cluster for routing tests: node a (self), b (alive), c (dead), d (suspect);
 * users, devices and registrations spread over them; trunks and providers for LCR.
 */
import { MemorySnapshot, type RoutingContact, type SnapshotInput } from '../../src/index.js'

export const NOW = 1_700_000_000_000
export const A = 'a'.repeat(64)
export const B = 'b'.repeat(64)
export const C = 'c'.repeat(64)
export const D = 'd'.repeat(64)

export function contact (device: string, node: string, opts: { updated?: number, expires?: number, id?: string } = {}): RoutingContact {
  return {
    id: opts.id ?? `${device};@${node.slice(0, 6)}`,
    node,
    device,
    uri: `sip:${device}@10.1.1.1:5060`,
    updated: opts.updated ?? NOW - 10_000,
    expires: opts.expires ?? NOW + 60_000
  }
}

export function baseInput (): SnapshotInput {
  return {
    self: A,
    nodes: [
      { id: A, name: 'a', sipAddress: '10.0.0.1', state: 'alive' },
      { id: B, name: 'b', sipAddress: '10.0.0.2:5070', state: 'alive' },
      { id: C, name: 'c', sipAddress: '10.0.0.3', state: 'dead' },
      { id: D, name: 'd', sipAddress: '10.0.0.4', state: 'suspect' }
    ],
    users: [
      { id: 'alice', name: 'Alice', extensions: ['100', '1100'], voicemail: { mailbox: '100', context: 'default' } },
      { id: 'bob', name: 'Bob', extensions: ['200'] },
      { id: 'carol', name: 'Carol', extensions: ['300'] },
      { id: 'dave', name: 'Dave', extensions: ['400'] },
      { id: 'erin', name: 'Erin', extensions: ['500'] },
      { id: 'frank', name: 'Frank', extensions: ['600'] },
      { id: 'gina', name: 'Gina', extensions: ['700'], callWaiting: false },
      { id: 'henry', name: 'Henry', extensions: ['800'] }
    ],
    devices: [
      { id: 'alice-desk', user: 'alice' },
      { id: 'alice-mobile', user: 'alice' },
      { id: 'bob-desk', user: 'bob' },
      { id: 'carol-desk', user: 'carol' },
      { id: 'carol-soft', user: 'carol' },
      { id: 'erin-desk', user: 'erin', enabled: false },
      { id: 'frank-desk', user: 'frank' },
      { id: 'gina-desk', user: 'gina' },
      { id: 'henry-desk', user: 'henry' }
    ],
    contacts: [
      contact('alice-desk', A),
      contact('alice-mobile', B),
      contact('bob-desk', A, { updated: NOW - 50_000 }),
      contact('bob-desk', B, { updated: NOW - 5_000 }),
      contact('carol-desk', B),
      contact('carol-soft', B),
      contact('frank-desk', C),
      contact('gina-desk', A),
      contact('henry-desk', A, { expires: NOW - 1 })
    ],
    busy: ['gina-desk'],
    trunks: [
      { id: 't-local' },
      { id: 't-b', nodes: ['b'] },
      { id: 't-c', nodes: [C] },
      { id: 't-full', maxChannels: 2 },
      { id: 't-off', enabled: false },
      { id: 't-bd', nodes: ['d', 'b'] }
    ],
    channels: { 't-full': 2, 't-local': 7 },
    providers: [
      { id: 'cheap', name: 'Cheap', trunks: ['t-full', 't-local'], prefixes: [{ prefix: '44', cost: 1 }] },
      { id: 'mid', name: 'Mid', trunks: ['t-b'], prefixes: [{ prefix: '44', cost: 2 }, { prefix: '447', cost: 0.5 }], prepend: '+' },
      { id: 'pricey', name: 'Pricey', trunks: ['t-bd', 't-local'], prefixes: [{ prefix: '', cost: 5 }], priority: 1 },
      { id: 'tie', name: 'Tie', trunks: ['t-local'], prefixes: [{ prefix: '', cost: 5 }], priority: 0, strip: 2, prepend: '0' },
      { id: 'off', name: 'Off', trunks: ['t-local'], prefixes: [{ prefix: '44', cost: 0.1 }], enabled: false }
    ],
    routes: [
      { id: 'r-intl', pattern: '_00X.', strip: 2, target: { kind: 'lcr' } },
      { id: 'r-emerg', pattern: '112', target: { kind: 'trunk', trunk: 't-local' } },
      { id: 'r-op', pattern: '_0', target: { kind: 'user', user: 'alice' } },
      { id: 'r-desk', pattern: '_9', target: { kind: 'device', device: 'bob-desk' } },
      { id: 'r-b', pattern: '_8X.', strip: 1, target: { kind: 'trunk', trunk: 't-b' } },
      { id: 'r-prov', pattern: '_7X.', target: { kind: 'provider', provider: 'mid' } },
      { id: 'r-fail1', pattern: '_66X.', priority: 1, target: { kind: 'trunk', trunk: 't-full' } },
      { id: 'r-fail2', pattern: '_66X.', priority: 2, target: { kind: 'trunk', trunk: 't-local' } },
      { id: 'r-dead', pattern: '_55X.', target: { kind: 'trunk', trunk: 't-c' } },
      { id: 'r-missing', pattern: '_54X.', target: { kind: 'trunk', trunk: 'nope' } },
      { id: 'r-sales', pattern: '_X.', context: 'sales', target: { kind: 'lcr', providers: ['pricey'] } }
    ]
  }
}

export function cluster (patch: (i: SnapshotInput) => void = () => {}): MemorySnapshot {
  const input = baseInput()
  patch(input)
  return new MemorySnapshot(input)
}
