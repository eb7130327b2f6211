// Records: browse a collection page by page (the API's signed cursors), filter it (the API's
// equality filters: field=value, indexed ones like extension=1001 or user=alice are fast), or
// open one record by id. The page shown is fetched again on every tick: new records appear live.
import { api, COLLECTIONS, recordPath } from '../api.js'
import { errorBox, fill, h } from '../dom.js'

const compact = (fields) => {
  const s = JSON.stringify(fields)
  return s.length > 160 ? s.slice(0, 157) + '…' : s
}

export default {
  title: 'Records',
  mount (el) {
    const collection = h('select', { id: 'rec-collection' }, Object.values(COLLECTIONS).map((c) => h('option', { value: c }, c)), h('option', { value: 'rows' }, 'rows of a table'))
    const family = h('input', { id: 'rec-family', type: 'text', size: 16, placeholder: 'table (family)', hidden: true })
    const rowsMode = () => collection.value === 'rows'
    const listPath = () => rowsMode() ? `/api/v1/tables/${encodeURIComponent(family.value.trim())}/rows` : `/api/v1/${collection.value}`
    const filter = h('input', { id: 'rec-filter', type: 'search', size: 32, placeholder: 'field=value field2=value2' })
    const openId = h('input', { id: 'rec-id', type: 'search', size: 20, placeholder: 'id' })
    const results = h('div', { id: 'rec-results' })
    const detail = h('div', { id: 'rec-detail' })
    let cursors = [null] // cursor of each page seen; the last is the current page's
    let next = null
    let last = ''
    let view = null
    const restart = () => { cursors = [null]; last = ''; void view.update().catch((err) => fill(results, errorBox(err))) }

    const openRecord = async (id) => {
      try {
        const fam = family.value.trim()
        const path = !rowsMode() ? `/api/v1/${collection.value}/${encodeURIComponent(id)}` : recordPath('row', id.startsWith(fam + '/') ? id : `${fam}/${id}`)
        const r = await api(path)
        fill(detail, h('h2', {}, `${rowsMode() ? 'rows of ' + fam : collection.value} / ${id}`), h('pre', { class: 'json' }, JSON.stringify(r, null, 2)))
      } catch (err) { fill(detail, errorBox(err)) }
    }

    fill(el, h('h1', {}, 'Records'),
      h('form', { class: 'bar', onsubmit: (ev) => { ev.preventDefault(); restart() } },
        h('label', { for: 'rec-collection' }, 'Collection '), collection, ' ', family, ' ',
        h('label', { for: 'rec-filter' }, 'Filter '), filter, ' ', h('button', { type: 'submit' }, 'Search')),
      h('form', { class: 'bar', onsubmit: (ev) => { ev.preventDefault(); if (openId.value.trim() !== '') void openRecord(openId.value.trim()) } },
        h('label', { for: 'rec-id' }, 'Open by id '), openId, ' ', h('button', { type: 'submit' }, 'Open')),
      results, detail)
    collection.addEventListener('change', () => { family.hidden = !rowsMode(); restart() })

    view = {
      async update () {
        const q = new URLSearchParams({ limit: '50' })
        for (const part of filter.value.trim().split(/\s+/).filter((x) => x !== '')) {
          const eq = part.indexOf('=')
          if (eq <= 0) throw Object.assign(new Error(`Filter "${part}": write field=value`), { code: 'FILTER' })
          q.append(part.slice(0, eq), part.slice(eq + 1))
        }
        if (rowsMode() && family.value.trim() === '') { fill(results, h('p', { class: 'muted' }, 'Name the table whose rows to list (e.g. queue_rules), then Search.')); last = ''; return }
        const cursor = cursors[cursors.length - 1]
        if (cursor !== null) q.set('cursor', cursor)
        let page
        try {
          page = await api(`${listPath()}?${q.toString()}`)
        } catch (err) {
          if (err.status === 400 || err.status === 404) { fill(results, errorBox(err)); last = ''; return }
          throw err
        }
        next = page.nextCursor
        const key = JSON.stringify(page)
        if (key === last) return
        last = key
        const pager = h('p', { class: 'bar' },
          h('button', { type: 'button', disabled: cursors.length === 1, onclick: () => { cursors = [null]; last = ''; void view.update() } }, 'First'), ' ',
          h('button', { type: 'button', disabled: next === null, onclick: () => { cursors.push(next); last = ''; void view.update() } }, 'Next'), ' ',
          h('span', { class: 'muted' }, `page ${cursors.length} · ${page.items.length} item${page.items.length === 1 ? '' : 's'}${next === null ? '' : ', more follow'}`))
        fill(results, pager, page.items.length === 0
          ? h('p', { class: 'muted' }, 'Nothing here.')
          : h('table', { id: 'rec-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'id'), h('th', {}, 'fields'))),
            h('tbody', {}, page.items.map(({ id, ...fields }) => h('tr', { dataset: { id } },
              h('td', {}, h('a', { href: '#/records', onclick: (ev) => { ev.preventDefault(); void openRecord(id) } }, id)),
              h('td', {}, h('code', {}, compact(fields))))))))
      }
    }
    return view
  }
}
