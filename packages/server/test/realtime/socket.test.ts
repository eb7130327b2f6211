/**
 * Over a real socket, the way libcurl talks: HTTP/1.1 keep-alive, one
 * connection reused for many requests, exact headers of Asterisk, and a
 * body that arrives in pieces.
 */
import t from 'tap'
import { connect } from 'node:net'
import { rtHarness } from './harness.js'

t.test('one keep-alive connection carries many lookups and writes', async (t) => {
  const h = await rtHarness(t)
  await h.write({ op: 'create', type: 'device', id: 'alice', fields: { secret: 's3cr3t' } })
  let connections = 0
  h.app.server.on('connection', () => { connections++ })
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = new URL(url)
  const sock = connect({ host: '127.0.0.1', port: Number(port) })
  t.teardown(() => sock.destroy())
  await new Promise((resolve) => sock.once('connect', resolve))
  let buffer = ''
  sock.setEncoding('latin1')
  sock.on('data', (d: string) => { buffer += d })

  /** One response: headers and a Content-Length body. */
  const response = async (): Promise<{ head: string, body: string }> => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n')
      if (end !== -1) {
        const head = buffer.slice(0, end)
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
        if (buffer.length >= end + 4 + len) {
          const body = buffer.slice(end + 4, end + 4 + len)
          buffer = buffer.slice(end + 4 + len)
          return { head, body }
        }
      }
      await new Promise((resolve) => sock.once('data', resolve))
    }
  }
  const request = (path: string, body: string): string =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: asterisk-libcurl-agent/1.0\r\nAccept: */*\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n${body}`

  for (let i = 0; i < 20; i++) {
    sock.write(request('/realtime/ps_auths/single', 'id=alice'))
    const r = await response()
    t.match(r.head, /^HTTP\/1\.1 200 OK/)
    t.notMatch(r.head, /connection: close/i)
    t.equal(r.body, 'id=alice&auth_type=userpass&username=alice&password=s3cr3t\n')
  }
  const store = request('/realtime/queues/store', 'name=support&strategy=ringall')
  sock.write(store.slice(0, 150))
  await new Promise((resolve) => setTimeout(resolve, 20))
  sock.write(store.slice(150))
  t.equal((await response()).body, '1\n', 'a body in two pieces')
  sock.write(`GET /realtime/static?file=queues.conf HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: asterisk-libcurl-agent/1.0\r\nAccept: */*\r\n\r\n`)
  t.equal((await response()).body, '', 'a static GET on the same connection')
  sock.write(request('/realtime/queues/single', 'name=support') + request('/realtime/ps_auths/single', 'id=nobody') + request('/realtime/queues/destroy', 'name=support&'))
  t.equal((await response()).body, 'name=support&strategy=ringall\n', 'pipelined: in order')
  t.equal((await response()).body, '')
  t.equal((await response()).body, '1\n')
  t.equal(connections, 1, 'all of it over one connection')
})
