// Conflicts: fields edited concurrently on two nodes, the value that won and those that lost.
// Resolving = writing the chosen value again (a later write that has seen both ends the conflict):
// PATCH { field: value } on the record; for `$` (a delete against a concurrent edit) the record is
// written back whole (keep it) or deleted (keep it deleted).
import { api, recordPath } from '../api.js'
import { badge, errorBox, fill, h, show } from '../dom.js'

async function keepRecord (type, id) {
  const path = recordPath(type, id)
  const { id: _id, ...fields } = await api(path)
  await api(path, { method: 'PUT', body: fields })
}

function candidate (label, v, cls) {
  return h('div', { class: 'candidate ' + cls },
    h('span', { class: 'label' }, label), ' ',
    h('code', { class: 'value' }, show(v.value)), ' ',
    h('span', { class: 'muted' }, `${v.node ?? v.writer} · ${new Date(v.time).toLocaleString()}`))
}

export default {
  title: 'Conflicts',
  mount (el) {
    const msg = h('div', { id: 'conflict-msg', 'aria-live': 'polite' })
    const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'))
    let last = ''
    let view = null
    const act = async (what, fn) => {
      fill(msg, h('p', { class: 'muted' }, what + '…'))
      try {
        await fn()
        fill(msg, h('p', { class: 'ok' }, what + ': done.'))
        last = ''
        await view.update()
      } catch (err) { fill(msg, errorBox(err)) }
    }
    fill(el, h('h1', {}, 'Conflicts'),
      h('p', { class: 'muted' }, 'Every node lists the same conflicts. Choose the value to keep: it is written again, which resolves the conflict on every node.'),
      msg, body)

    function fieldBlock (item, c) {
      const label = `${item.type} ${item.id} · ${c.field === '$' ? 'existence' : c.field}`
      const path = recordPath(item.type, item.id)
      if (c.field === '$') {
        const alive = c.value !== null
        return h('div', { class: 'conflict', dataset: { record: `${item.type}/${item.id}`, field: '$' } },
          h('h3', {}, label),
          h('p', {}, alive ? 'The record exists; a concurrent delete lost.' : 'The record is deleted; a concurrent edit lost.'),
          alive
            ? h('button', { type: 'button', onclick: () => act(`Keep ${item.id}`, () => keepRecord(item.type, item.id)) }, 'Keep the record')
            : h('button', { type: 'button', onclick: () => act(`Delete ${item.id}`, () => api(path, { method: 'DELETE' })) }, 'Keep it deleted'))
      }
      const custom = h('input', { type: 'text', size: 28, placeholder: 'another value (JSON or text)' })
      const keep = (v) => act(`Set ${item.id}.${c.field}`, () => api(path, { method: 'PATCH', body: { [c.field]: v } }))
      const choice = (label, v, cls) => h('li', {}, candidate(label, v, cls), ' ',
        h('button', { type: 'button', class: 'keep', onclick: () => keep(v.value) }, 'Keep this'))
      return h('div', { class: 'conflict', dataset: { record: `${item.type}/${item.id}`, field: c.field } },
        h('h3', {}, label, ' ', badge(`${c.losers.length + 1} values`, 'suspect')),
        h('ul', { class: 'candidates' }, choice('shown', c, 'winner'), c.losers.map((l) => choice('lost', l, 'loser'))),
        h('form', {
          class: 'bar',
          onsubmit: (ev) => {
            ev.preventDefault()
            let v = custom.value
            try { v = JSON.parse(v) } catch { /* plain text */ }
            void keep(v)
          }
        }, custom, ' ', h('button', { type: 'submit' }, 'Write this value')))
    }

    view = {
      async update () {
        const page = await api('/api/v1/conflicts?limit=100')
        const key = JSON.stringify(page)
        if (key === last) return // keep what the user is typing
        last = key
        fill(body,
          h('p', { id: 'conflict-count' }, page.items.length === 0 ? 'No conflicts.' : `${page.items.length}${page.nextCursor !== null ? '+' : ''} record${page.items.length === 1 ? '' : 's'} with conflicts`),
          page.items.flatMap((item) => item.conflicts.map((c) => fieldBlock(item, c))))
      }
    }
    return view
  }
}
