// Small DOM helpers: elements are built with textContent only (record values never become HTML).

/** h('td', { class: 'x', onclick: fn, dataset: { k: 'v' } }, child, 'text', [more]) */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k === 'class') el.className = v
    else if (k in el && typeof v !== 'string') el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

function append (el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

/** A table: headers, then rows of cells (a row may be a ready <tr>). */
export function table (headers, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => r instanceof Node ? r : h('tr', {}, r.map((c) => c instanceof Node && c.tagName === 'TD' ? c : h('td', {}, c))))))
}

/** Replace the children of `el`. */
export function fill (el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

export function ago (ms) {
  if (ms === null || ms === undefined) return '—'
  if (ms < 1000) return 'now'
  const s = Math.round(ms / 1000)
  if (s < 120) return s + ' s ago'
  if (s < 7200) return Math.round(s / 60) + ' min ago'
  return Math.round(s / 3600) + ' h ago'
}

export function duration (s) {
  if (s === null || s === undefined) return '—'
  if (s < 120) return s + ' s'
  if (s < 7200) return Math.round(s / 60) + ' min'
  if (s < 172800) return Math.round(s / 3600) + ' h'
  return Math.round(s / 86400) + ' d'
}

export const short = (hash, n = 12) => typeof hash === 'string' ? hash.slice(0, n) : '—'

/** A value shown compactly: strings as they are, the rest as JSON. */
export const show = (v) => v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v)

export const badge = (text, kind = text) => h('span', { class: 'badge ' + kind }, text)

export function errorBox (err) {
  return h('p', { class: 'error', role: 'alert' }, err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? err))
}
