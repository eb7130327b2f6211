// The admin API from the browser: the token lives in this tab's sessionStorage and goes out as a bearer header.

const KEY = 'federator-admin-token'

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY)
}

export class ApiError extends Error {
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** Record type → collection path below /api/v1 (core PLURAL; rows live below their table). */
export const COLLECTIONS = { user: 'users', device: 'devices', trunk: 'trunks', provider: 'providers', route: 'routes', table: 'tables', node: 'nodes', config: 'configs' }

export function recordPath (type, id) {
  if (type === 'row') {
    const slash = id.indexOf('/')
    return `/api/v1/tables/${encodeURIComponent(id.slice(0, slash))}/rows/${id.slice(slash + 1).split('/').map(encodeURIComponent).join('/')}`
  }
  return `/api/v1/${COLLECTIONS[type] ?? type + 's'}/${encodeURIComponent(id)}`
}

/** A JSON request to the admin API; a 401 forgets the token and sends the tab back to the login page. */
export async function api (path, { method = 'GET', body } = {}) {
  const headers = { authorization: 'Bearer ' + (token.get() ?? '') }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
  const text = await res.text()
  let json
  try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
  if (res.status === 401) {
    token.clear()
    window.dispatchEvent(new CustomEvent('fed-unauthorized', { detail: json?.message }))
  }
  if (!res.ok) throw new ApiError(res.status, json?.code ?? 'HTTP_' + res.status, json?.message ?? text.slice(0, 200))
  return json
}

/** `/route` with its JSON decision and `why` trace (open like Asterisk's requests; no token needed). */
export async function route (params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== '') q.set(k, v)
  q.set('format', 'json')
  const res = await fetch('/route?' + q.toString(), { cache: 'no-store' })
  return await res.json()
}
