// Registrations: which device is registered on which node (soft state, relayed to every node).
import { api } from '../api.js'
import { badge, fill, h, table } from '../dom.js'

export default {
  title: 'Registrations',
  mount (el) {
    const device = h('input', { id: 'reg-device', type: 'search', placeholder: 'device (exact)', size: 24 })
    const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'))
    let view = null
    const form = h('form', { class: 'bar', onsubmit: (ev) => { ev.preventDefault(); void view.update() } },
      h('label', { for: 'reg-device' }, 'Device '), device, ' ', h('button', { type: 'submit' }, 'Filter'))
    fill(el, h('h1', {}, 'Registrations'), form, body)
    view = {
      async update () {
        const q = new URLSearchParams({ limit: '1000' })
        if (device.value.trim() !== '') q.set('device', device.value.trim())
        const page = await api('/api/v1/cluster/registrations?' + q.toString())
        const byNode = new Map()
        for (const r of page.items) {
          const k = r.node ?? `(unknown node ${r.owner})`
          if (!byNode.has(k)) byNode.set(k, [])
          byNode.get(k).push(r)
        }
        const now = Date.now()
        const sections = [...byNode].map(([node, items]) => h('section', { class: 'node-regs', dataset: { node } },
          h('h2', {}, node, ' ', h('span', { class: 'muted' }, `${items.length} registration${items.length === 1 ? '' : 's'}`), items[0].self ? badge('this node', 'alive') : null),
          table(['device', 'kind', 'contact', 'expires in'], items.map((r) => h('tr', { dataset: { device: r.device } },
            h('td', {}, r.device),
            h('td', {}, r.kind === 'contact' ? 'PJSIP' : 'chan_sip'),
            h('td', {}, h('code', {}, r.uri)),
            h('td', {}, Math.max(0, Math.round((Date.parse(r.expires) - now) / 1000)) + ' s'))))))
        fill(body,
          h('p', { id: 'reg-total' }, `${page.total} registration${page.total === 1 ? '' : 's'} on ${byNode.size} node${byNode.size === 1 ? '' : 's'}`, page.truncated ? ` (first ${page.items.length} shown)` : ''),
          sections.length > 0 ? sections : h('p', { class: 'muted' }, 'No device is registered.'))
      }
    }
    return view
  }
}
