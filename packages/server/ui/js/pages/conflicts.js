// Conflicts: fields edited concurrently on two nodes, the value that won and those that lost.
// Resolving = a write that has seen every version (it ends the conflict on every node):
// - a field of a live record: PATCH { field: chosen value };
// - a record deleted while another node edited it (its fields' winners are "absent"): keep it
//   deleted = PUT the lost values then DELETE, or restore it = PUT the lost values;
// - `$` on a live record (a delete lost against a re-creation): keep it = DELETE then PUT its
//   fields again (it is absent for a moment), or delete it = DELETE.
import { api, recordPath } from '../api.js'
import { badge, errorBox, fill, h, show } from '../dom.js'

async function exists (type, id) {
  try { await api(recordPath(type, id)); return true } catch (err) { if (err.status === 404) return false; throw err }
}

/** Required fields without which a record cannot be written again (core records.ts), by type. */
const MINIMAL = { user: (id) => ({ name: id, extensions: [] }) }

/** The newest lost value of each field (what the deleted record held on the node that edited it), over the required minimum. */
function lostValues (type, id, conflicts) {
  const out = MINIMAL[type]?.(id) ?? {}
  for (const c of conflicts) {
    if (c.field === '$' || c.losers.length === 0) continue
    const v = c.losers[c.losers.length - 1].value
    if (v !== null && v !== undefined) out[c.field] = v
  }
  return out
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

    function deletedBlock (item) {
      const path = recordPath(item.type, item.id)
      const values = lostValues(item.type, item.id, item.conflicts)
      const fields = item.conflicts.filter((c) => c.field !== '$')
      return h('div', { class: 'conflict', dataset: { record: `${item.type}/${item.id}`, field: 'deleted' } },
        h('h3', {}, `${item.type} ${item.id} · deleted`, ' ', badge('edits lost', 'suspect')),
        h('p', {}, 'The record was deleted on one node while another node changed it; the changes lost:'),
        fields.length > 0
          ? h('ul', { class: 'candidates' }, fields.map((c) => h('li', {}, h('code', {}, c.field), ' ', c.losers.map((l) => candidate('lost', l, 'loser')))))
          : h('p', { class: 'muted' }, 'It was created again on one node and deleted on another.'),
        h('p', { class: 'bar' },
          h('button', { type: 'button', class: 'keep', onclick: () => act(`Keep ${item.id} deleted`, async () => { await api(path, { method: 'PUT', body: values }); await api(path, { method: 'DELETE' }) }) }, 'Keep it deleted'), ' ',
          h('button', { type: 'button', onclick: () => act(`Restore ${item.id}`, () => api(path, { method: 'PUT', body: values })) }, 'Restore it with the lost values')))
    }

    function lifeBlock (item) {
      const path = recordPath(item.type, item.id)
      const keep = async () => {
        const { id: _id, ...fields } = await api(path)
        await api(path, { method: 'DELETE' })
        await api(path, { method: 'PUT', body: fields })
      }
      return h('div', { class: 'conflict', dataset: { record: `${item.type}/${item.id}`, field: '$' } },
        h('h3', {}, `${item.type} ${item.id} · existence`, ' ', badge('delete lost', 'suspect')),
        h('p', {}, 'The record exists; a concurrent delete of it lost. Keeping it deletes it and writes it again at once (absent for a moment).'),
        h('p', { class: 'bar' },
          h('button', { type: 'button', class: 'keep', onclick: () => act(`Keep ${item.id}`, keep) }, 'Keep the record'), ' ',
          h('button', { type: 'button', onclick: () => act(`Delete ${item.id}`, () => api(path, { method: 'DELETE' })) }, 'Delete it')))
    }

    function fieldBlock (item, c) {
      const path = recordPath(item.type, item.id)
      const custom = h('input', { type: 'text', size: 28, placeholder: 'another value (JSON or text)' })
      const keep = (v) => act(`Set ${item.id}.${c.field}`, () => api(path, { method: 'PATCH', body: { [c.field]: v } }))
      const choice = (label, v, cls) => h('li', {}, candidate(label, v, cls), ' ',
        h('button', { type: 'button', class: 'keep', onclick: () => keep(v.value) }, 'Keep this'))
      return h('div', { class: 'conflict', dataset: { record: `${item.type}/${item.id}`, field: c.field } },
        h('h3', {}, `${item.type} ${item.id} · ${c.field}`, ' ', badge(`${c.losers.length + 1} values`, 'suspect')),
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

    function blocks (item, alive) {
      if (!alive) return [deletedBlock(item)]
      return item.conflicts.map((c) => c.field === '$' ? lifeBlock(item) : fieldBlock(item, c))
    }

    view = {
      async update () {
        const page = await api('/api/v1/conflicts?limit=100')
        const key = JSON.stringify(page)
        if (key === last) return // keep what the user is typing
        last = key
        const alive = await Promise.all(page.items.map((i) => exists(i.type, i.id)))
        fill(body,
          h('p', { id: 'conflict-count' }, page.items.length === 0 ? 'No conflicts.' : `${page.items.length}${page.nextCursor !== null ? '+' : ''} record${page.items.length === 1 ? '' : 's'} with conflicts`),
          page.items.flatMap((item, i) => blocks(item, alive[i])))
      }
    }
    return view
  }
}
