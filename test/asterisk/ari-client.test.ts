/**
 * The node's ARI client (packages/asterisk) against a real Asterisk with ARI on loopback:
 * it connects its events WebSocket, makes REST requests, receives events, reconnects
 * after Asterisk restarts (saying `connect` again, the cue for a full sync), reports a
 * rejected login once and keeps retrying, and fails requests with FED_ERR_ARI.
 */
import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import { AriClient, type AriEvent } from '@federator/asterisk'
import { asteriskOrSkip, startAsterisk } from './harness/index.js'
import { freeTcpPort, waitFor } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)
const FAST = { backoffMinMs: 50, backoffMaxMs: 300, requestTimeoutMs: 3000 }

function capture (): { log: pino.Logger, lines: () => Array<Record<string, unknown>> } {
  const out: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l !== '') out.push(JSON.parse(l)); cb() } })
  return { log: pino({ level: 'info' }, stream), lines: () => out }
}

if (install !== null) {
  t.test('connects, requests, hears events, reconnects after an Asterisk restart', async (t) => {
    const httpPort = await freeTcpPort()
    const ast = await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: 'http://127.0.0.1:9', httpPort })
    const { log } = capture()
    const ari = new AriClient({ url: `http://127.0.0.1:${httpPort}`, user: 'federator', password: 'federator', app: 'federator', log, tunables: FAST })
    t.teardown(() => ari.close())
    let connects = 0
    const events: AriEvent[] = []
    ari.on('connect', () => { connects++ })
    ari.on('event', (e) => events.push(e))
    await ari.ready()
    await waitFor('ARI connected', async () => ari.connected, (c) => c)
    t.equal(connects, 1, 'one connect')

    const info = await ari.request<{ system: { version: string } }>('GET', 'asterisk/info')
    t.match(info.system.version, /^20\./, 'GET /ari/asterisk/info answers with the Asterisk version')
    const apps = await ari.request<Array<{ name: string }>>('GET', 'applications')
    t.ok(apps.some((a) => a.name === 'federator'), 'the events WebSocket registered the application')

    // ARI controls only Stasis: device states (Custom: ones answer 409 "Uncontrolled device specified");
    // a Custom: state is set through the DEVICE_STATE() function, as a global variable write
    const uncontrolled = await ari.request('PUT', 'deviceStates/Custom:ari-test', { query: { deviceState: 'INUSE' } }).then(() => null, (e: unknown) => e)
    t.match(uncontrolled, { code: 'FED_ERR_ARI', details: { status: 409 } }, 'PUT deviceStates/Custom:… is refused (409)')
    await ari.request('PUT', 'deviceStates/Stasis:ari-test', { query: { deviceState: 'INUSE' } })
    const ev = await waitFor('DeviceStateChanged', async () => events.find((e) => e.type === 'DeviceStateChanged' && (e.device_state as { name?: string } | undefined)?.name === 'Stasis:ari-test'), (e) => e !== undefined)
    t.equal((ev?.device_state as { state: string }).state, 'INUSE', 'a device state set over REST comes back as an event')
    await ari.request('POST', 'asterisk/variable', { query: { variable: 'DEVICE_STATE(Custom:ari-test)', value: 'RINGING' } })
    t.match(await ast.rx('devstate list'), /Custom:ari-test.*RINGING/s, 'a Custom: state set as DEVICE_STATE(Custom:…) over ARI: Asterisk shows it')

    const missing = await ari.request('GET', 'endpoints/PJSIP/nobody-here').then(() => null, (e: unknown) => e)
    t.match(missing, { code: 'FED_ERR_ARI', details: { status: 404, method: 'GET' } }, 'a 404 is FED_ERR_ARI with the status')

    let disconnects = 0
    ari.on('disconnect', () => { disconnects++ })
    await ast.stop()
    await waitFor('ARI disconnected', async () => ari.connected, (c) => !c)
    const down = await ari.request('GET', 'asterisk/info').then(() => null, (e: unknown) => e)
    t.match(down, { code: 'FED_ERR_ARI', details: { status: 0 } }, 'Asterisk away: FED_ERR_ARI with status 0')
    await ast.start()
    await waitFor('ARI reconnected', async () => connects, (c) => c === 2, 30_000)
    t.equal(disconnects, 1, 'one disconnect, one more connect')
    t.match((await ari.request<{ system: { version: string } }>('GET', 'asterisk/info')).system.version, /^20\./, 'requests work again')
    await ari.close()
    await ari.close()
    t.notOk(ari.connected, 'closed (twice: idempotent)')
  })

  t.test('wrong credentials: logged once at error, retried, requests fail with 401', async (t) => {
    const httpPort = await freeTcpPort()
    await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: 'http://127.0.0.1:9', httpPort })
    const { log, lines } = capture()
    const ari = new AriClient({ url: `http://127.0.0.1:${httpPort}`, user: 'federator', password: 'wrong', app: 'federator', log, tunables: FAST })
    t.teardown(() => ari.close())
    await ari.ready()
    await waitFor('the login refusal logged', async () => lines().filter((l) => /refused the login/.test(String(l.msg))), (l) => l.length > 0)
    await new Promise((resolve) => setTimeout(resolve, 1000)) // several retries at 50–300 ms
    t.equal(lines().filter((l) => /refused the login/.test(String(l.msg))).length, 1, 'said once per outage')
    t.equal(lines().find((l) => /refused the login/.test(String(l.msg)))?.level, 50, 'at error level')
    t.notOk(ari.connected, 'not connected')
    const err = await ari.request('GET', 'asterisk/info').then(() => null, (e: unknown) => e)
    t.match(err, { code: 'FED_ERR_ARI', details: { status: 401 } }, 'a request: FED_ERR_ARI 401')
    t.equal(ari.metrics().find((m) => m.name === 'federator_ari_connected')?.samples[0]?.value, 0, '/metrics: not connected')
  })
}
