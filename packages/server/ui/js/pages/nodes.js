// Nodes: this node, every node of the cluster as the failure detector sees it (state, version,
// load, last heard, view hash from its heartbeat), and every writer log with its lag.
import { api } from '../api.js'
import { ago, badge, duration, fill, h, short, table } from '../dom.js'

function stateOf (n) {
  if (n.revoked) return 'revoked'
  if (n.restarting) return 'restarting'
  return n.state
}

function hashCell (n, own) {
  if (n.viewHash === null || n.viewHash === undefined) return h('td', { class: 'muted' }, 'not known')
  const same = n.viewHash === own
  return h('td', { title: n.viewHash, class: same ? '' : 'warn' }, h('code', {}, short(n.viewHash)), ' ', badge(same ? 'equal' : 'differs', same ? 'alive' : 'suspect'))
}

function nodesTable (s) {
  const rows = s.nodes
    .slice()
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
    .map((n) => h('tr', { dataset: { node: n.name ?? '', state: stateOf(n) } },
      h('td', {}, n.name ?? '(unnamed)', n.self ? h('span', { class: 'muted' }, ' (this node)') : null, n.nameTaken ? badge('name taken', 'dead') : null),
      h('td', {}, badge(stateOf(n))),
      h('td', {}, n.version ?? '—'),
      h('td', {}, n.load === null ? '—' : n.load.toFixed(2)),
      h('td', {}, n.self ? 'this node' : ago(n.lastSeenAgoMs)),
      h('td', {}, duration(n.uptime)),
      h('td', {}, n.sipAddress ?? '—'),
      hashCell(n, s.viewHash),
      h('td', { title: n.writer ?? '' }, h('code', {}, short(n.writer, 16)))))
  return table(['node', 'state', 'version', 'load (1 min)', 'last heard', 'uptime', 'SIP address', 'view hash', 'writer'], rows, { id: 'nodes-table' })
}

function writersTable (s) {
  const rows = s.writers.map((w) => h('tr', { dataset: { writer: w.key.slice(0, 16) } },
    h('td', {}, w.name ?? '(unknown)', w.local ? h('span', { class: 'muted' }, ' (this node)') : null, w.revoked ? badge('revoked') : null),
    h('td', { title: w.key }, h('code', {}, short(w.key, 16))),
    h('td', { class: 'num' }, w.length),
    h('td', { class: 'num' }, w.applied),
    h('td', { class: 'num' + (w.lagEntries > 0 ? ' warn' : '') }, w.lagEntries),
    h('td', { class: 'num' }, w.lagMs > 0 ? (w.lagMs / 1000).toFixed(1) + ' s' : '0'),
    h('td', { class: 'num' + (w.quarantined > 0 ? ' warn' : '') }, w.quarantined)))
  return table(['writer (node)', 'key', 'length', 'applied', 'lag (entries)', 'behind for', 'quarantined'], rows, { id: 'writers-table' })
}

function summary (s) {
  const known = s.nodes.filter((n) => typeof n.viewHash === 'string' && n.state !== 'dead')
  const equal = known.every((n) => n.viewHash === s.viewHash)
  const counts = Object.entries(s.records).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}${n === 1 ? '' : 's'}`).join(', ')
  return h('dl', { class: 'summary' },
    h('dt', {}, 'this node'), h('dd', { id: 'self-name' }, s.node.name, ' · ', s.node.version, ' · up ', duration(s.node.uptime)),
    h('dt', {}, 'view hash'), h('dd', { id: 'view-hash-cell', title: s.viewHash }, h('code', { id: 'view-hash' }, short(s.viewHash, 16)), ' ',
      badge(equal ? `equal on ${known.length} live node${known.length === 1 ? '' : 's'}` : 'views differ', equal ? 'alive' : 'suspect')),
    h('dt', {}, 'records'), h('dd', {}, counts || 'none'),
    h('dt', {}, 'conflicts'), h('dd', {}, s.conflicts > 0 ? h('a', { href: '#/conflicts', class: 'warn' }, String(s.conflicts)) : '0'),
    s.nameClashes?.length > 0 ? [h('dt', {}, 'name clashes'), h('dd', { class: 'warn' }, s.nameClashes.map((c) => c.name).join(', '))] : null)
}

export default {
  title: 'Nodes',
  mount (el) {
    const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'))
    fill(el, h('h1', {}, 'Nodes'), body)
    return {
      async update () {
        const s = await api('/api/v1/cluster')
        fill(body, summary(s), nodesTable(s),
          h('p', { class: 'muted' }, 'A node\'s view hash comes with its heartbeat: equal hashes mean equal views (a hash a moment old can differ while a write replicates).'),
          h('h2', {}, 'Writers'), writersTable(s))
      }
    }
  }
}
