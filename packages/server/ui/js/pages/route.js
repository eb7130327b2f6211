// Route: ask this node's /route as Asterisk would, and show the decision with its `why` trace.
import { route } from '../api.js'
import { badge, errorBox, fill, h } from '../dom.js'

const FIELDS = [
  ['exten', 'number dialled (required)', '1001'],
  ['from', 'caller (device, optional)', ''],
  ['context', 'dialplan context (optional)', ''],
  ['node', 'as if asked on node (optional)', ''],
  ['tech', 'pjsip or sip (optional)', '']
]

export default {
  title: 'Route',
  live: false,
  mount (el) {
    const inputs = Object.fromEntries(FIELDS.map(([name, , value]) => [name, h('input', { id: 'route-' + name, name, value, size: 18 })]))
    const out = h('div', { id: 'route-result' })
    const ask = async () => {
      fill(out, h('p', { class: 'muted' }, 'Asking…'))
      try {
        const params = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()]))
        const r = await route(params)
        fill(out,
          h('p', {}, badge(r.status, r.status === 'OK' ? 'alive' : 'suspect'), ' ', 'reason ', h('code', { id: 'route-reason' }, r.reason ?? '—'), r.matched ? ` · matched ${r.matched.kind} ${r.matched.id}` : ''),
          r.alternatives?.length > 0
            ? h('ol', { class: 'dials' }, r.alternatives.map((a) => h('li', {}, h('code', {}, a.dial), a.timeout !== undefined ? ` (timeout ${a.timeout} s)` : '', a.kind ? ` · ${a.kind}` : '')))
            : null,
          h('h2', {}, 'why'),
          h('ol', { id: 'route-why' }, (r.why ?? []).map((w) => h('li', {}, w))),
          h('details', {}, h('summary', {}, 'JSON answer'), h('pre', { class: 'json' }, JSON.stringify(r, null, 2))))
      } catch (err) { fill(out, errorBox(err)) }
    }
    fill(el, h('h1', {}, 'Route'),
      h('p', { class: 'muted' }, 'Asks this node\'s /route (format=json), as Asterisk\'s dialplan does, and shows the decision with its trace.'),
      h('form', { id: 'route-form', class: 'grid', onsubmit: (ev) => { ev.preventDefault(); void ask() } },
        FIELDS.map(([name, label]) => [h('label', { for: 'route-' + name }, label), inputs[name]]),
        h('span', {}), h('div', {}, h('button', { type: 'submit' }, 'Route'))),
      out)
    return {}
  }
}
