/**
 * The example Asterisk configuration (examples/asterisk/, copied into
 * docs/asterisk.md) against the plugin: every family mapped in an
 * extconfig.conf is one the node serves at that URL, every sorcery mapping
 * has its extconfig line, the static example imports and is served, and the
 * curl timeouts are short.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseConf } from '@federator/core'
import { rtHarness, TOKEN } from './harness.js'

const DIR = fileURLToPath(new URL('../../../../examples/asterisk/', import.meta.url))
const BASE = 'http://127.0.0.1:7280/realtime'

async function conf (file: string): Promise<Array<{ category: string, name: string, value: string }>> {
  return parseConf(await readFile(DIR + file, 'utf8'), file).lines
}

t.test('extconfig.conf: every mapped family is served at its URL', async (t) => {
  const h = await rtHarness(t)
  for (const file of ['pjsip/extconfig.conf', 'chan_sip/extconfig.conf', 'static/extconfig.conf']) {
    const lines = await conf(file)
    t.ok(lines.length > 0, file)
    for (const l of lines) {
      t.equal(l.category, 'settings', `${file}: ${l.name} in [settings]`)
      const [driver, url, ...rest] = l.value.split(',')
      t.equal(driver, 'curl', `${file}: ${l.name} uses the curl driver`)
      t.same(rest, [], `${file}: ${l.name}: no table or priority needed`)
      if (l.name.endsWith('.conf')) {
        t.equal(url, BASE, `${file}: static ${l.name} at the base URL`)
        continue
      }
      t.equal(url, `${BASE}/${l.name}`, `${file}: ${l.name} has its own URL`)
      const res = await h.rt(l.name, 'multi', 'zz%20LIKE=%25')
      t.same(res, { status: 200, body: '' }, `${file}: ${l.name} answers`)
    }
  }
  t.equal(h.refused('unknown_family') + h.refused('bad_family'), 0, 'no family is unknown to the node')
})

t.test('sorcery.conf: each realtime object type has its family in extconfig.conf', async (t) => {
  const families = new Set((await conf('pjsip/extconfig.conf')).map((l) => l.name))
  const mappings = await conf('pjsip/sorcery.conf')
  t.ok(mappings.length >= 7)
  for (const m of mappings) {
    const [wizard, family] = m.value.split(',')
    t.equal(wizard, 'realtime', `${m.category} ${m.name}`)
    t.ok(families.has(family!), `${m.name} → ${family} is mapped`)
  }
})

t.test('res_curl.conf: short timeouts, no hashcompat', async (t) => {
  for (const file of ['pjsip/res_curl.conf', 'chan_sip/res_curl.conf']) {
    const lines = await conf(file)
    const get = (n: string): string | undefined => lines.find((l) => l.name === n)?.value
    t.equal(lines[0]?.category, 'globals')
    t.ok(Number(get('httptimeout')) > 0 && Number(get('httptimeout')) <= 5, `${file}: httptimeout`)
    t.ok(Number(get('conntimeout')) > 0 && Number(get('conntimeout')) <= 2, `${file}: conntimeout`)
    t.equal(get('hashcompat'), undefined)
  }
})

t.test('static/queues.conf: imported and served', async (t) => {
  const h = await rtHarness(t)
  const text = await readFile(DIR + 'static/queues.conf', 'utf8')
  const put = await h.app.inject({ method: 'PUT', url: '/api/v1/configs/queues.conf/conf', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, payload: text })
  t.equal(put.statusCode, 201, put.body)
  t.equal((await h.staticFile('queues.conf')).body,
    'category=general&var_name=persistentmembers&var_val=no&cat_metric=0&var_metric=0\n' +
    'category=support&var_name=strategy&var_val=ringall&cat_metric=1&var_metric=0\n' +
    'category=support&var_name=timeout&var_val=15&cat_metric=1&var_metric=1\n' +
    'category=support&var_name=member&var_val=Local%2F200%40apps%2C0%2CCarol&cat_metric=1&var_metric=2\n')
})
