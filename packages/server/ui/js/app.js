// The status UI's shell: the login form, hash routing between pages, and the live loop — the
// current page's update() runs every POLL_MS (never two at once), so data follows the cluster.
import { api, token } from './api.js'
import { errorBox, fill, h } from './dom.js'
import nodes from './pages/nodes.js'
import registrations from './pages/registrations.js'
import conflicts from './pages/conflicts.js'
import records from './pages/records.js'
import route from './pages/route.js'

export const POLL_MS = 1500
const PAGES = { nodes, registrations, conflicts, records, route }

const main = document.getElementById('page')
const nav = document.getElementById('nav')
const live = document.getElementById('live')
const logout = document.getElementById('logout')
let current = null // { name, page, timer, busy }

function stop () {
  if (current === null) return
  clearTimeout(current.timer)
  current.stopped = true
  current = null
}

function login (message) {
  stop()
  nav.hidden = true
  logout.hidden = true
  live.hidden = true
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true, size: 48, placeholder: 'admin token' })
  const out = h('div', {})
  const form = h('form', {
    id: 'login',
    onsubmit: async (ev) => {
      ev.preventDefault()
      token.set(input.value.trim())
      try {
        await api('/api/v1/cluster')
        show()
      } catch (err) {
        token.clear()
        fill(out, errorBox(err))
      }
    }
  },
  h('h1', {}, 'Sign in'),
  h('p', {}, 'An admin token of this cluster: it is sent as ', h('code', {}, 'Authorization: Bearer'), ' to this node\'s admin API, kept in this browser tab only and forgotten when the tab closes or on "Log out".'),
  h('label', { for: 'token' }, 'Admin token '), input, ' ', h('button', { type: 'submit' }, 'Sign in'),
  message !== undefined ? h('p', { class: 'error' }, message) : null,
  out)
  fill(main, form)
  input.focus()
}

function show () {
  if (token.get() === null) { login(); return }
  const name = (location.hash.replace(/^#\/?/, '').split('/')[0]) || 'nodes'
  const page = PAGES[name]
  if (page === undefined) { location.hash = '#/nodes'; return }
  stop()
  nav.hidden = false
  logout.hidden = false
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === name)
  document.title = `Federator · ${page.title}`
  const el = h('section', { id: 'page-' + name, class: 'page' })
  fill(main, el)
  const state = { name, view: page.mount(el), timer: 0, stopped: false }
  current = state
  const tick = async () => {
    if (state.stopped) return
    if (document.hidden && page.live !== false) { state.timer = setTimeout(tick, POLL_MS); return } // a tab in the background asks nothing
    try {
      await state.view.update?.()
      live.hidden = false
      live.textContent = page.live === false ? '' : 'live · ' + new Date().toLocaleTimeString()
      live.classList.remove('stale')
    } catch (err) {
      live.hidden = false
      live.textContent = 'update failed: ' + (err.code ?? err.message)
      live.classList.add('stale')
    }
    if (!state.stopped && page.live !== false) state.timer = setTimeout(tick, POLL_MS)
  }
  tick()
}

window.addEventListener('hashchange', show)
// a 401 on a page: back to the login form (on the form itself, its own error box says why)
window.addEventListener('fed-unauthorized', (ev) => { if (current !== null) login(ev.detail ?? 'The token was refused.') })
logout.addEventListener('click', () => { token.clear(); login() })
show()
