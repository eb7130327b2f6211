/**
 * Every file of examples/asterisk/ loads into a real Asterisk without an error or a warning about
 * it. One Asterisk per SIP stack folder (pjsip/, chan_sip/), each with the stack's files and the
 * other folders (static/ and any added later) merged in as the README says: their extconfig.conf
 * lines join the stack's `[settings]`, a file they map as static realtime (`queues.conf => curl,…`)
 * is stored on the node (`PUT /api/v1/configs/<file>/conf`, as `federator conf import` does) and
 * not written to disk, any other file is added (or appended to the stack's file of that name).
 *
 * Asterisk's full.log is then read for ERROR and WARNING lines about the examples: lines naming an
 * example file, a family they map, or one of the modules they rely on (the curl driver, the SIP
 * stack, sorcery, pbx_realtime, app_queue), or logged by those modules. Not counted: the
 * harness's missing configuration files that no example provides (`Unable to load config file
 * 'pjsip_wizard.conf'`), the module that declines without one (res_pjsip_notify) and chan_sip's
 * deprecation notice (NOISE below, each with its reason). A peer lookup per stack makes the
 * per-lookup warnings show too.
 */
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { asteriskOrSkip, EXAMPLES, rewriteExample, startAsterisk, type AsteriskInstance, type Stack } from './harness/index.js'
import { startCluster, type ClusterNode } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

const STACKS: readonly Stack[] = ['pjsip', 'chan_sip']
/** Folders that replace a stack's folder rather than add to it (push mode: test/asterisk/push-*.test.ts start Asterisk from it). */
const ALTERNATIVES: readonly string[] = ['pjsip-push']

/** Modules the examples rely on: a line naming one, or logged by one, is about the examples. */
const MODULES = /\b(res_config_curl|res_curl|func_curl|chan_sip|chan_pjsip|res_pjsip\w*|func_pjsip\w*|res_sorcery\w*|pbx_realtime|app_queue)\b/
/** Source files of those modules (and main/config.c: extconfig mappings, realtime, static files). */
const SOURCES = /^(res_config_curl|res_curl|func_curl|chan_sip|chan_pjsip|res_pjsip\w*|func_pjsip\w*|res_sorcery\w*|sorcery|config|pbx_realtime|app_queue)\.c$/

/** Lines that name our modules but are not about the examples. */
const NOISE: Array<{ re: RegExp, why: string }> = [
  { re: /Unable to load config file '([^']+)'|configuration file '([^']+)' not found/, why: 'a configuration file no example provides (the harness writes only the examples)' },
  { re: /res_pjsip_notify declined to load/, why: 'res_pjsip_notify declines without pjsip_notify.conf (only `pjsip send notify` needs it)' },
  { re: /chan_sip has no official maintainer|chan_pjsip is recommended|wiki\.asterisk\.org\/wiki\/display\/AST\/(Migrating|Configuring)/, why: "chan_sip's deprecation notice, logged at every start of Asterisk 17–20" },
  { re: /Module 'chan_sip' has been loaded but was deprecated/, why: "chan_sip's deprecation notice" }
]

interface LogLine { level: string, source: string, message: string, text: string }

function problems (log: string): LogLine[] {
  const out: LogLine[] = []
  for (const text of log.split('\n')) {
    const m = /^\[[^\]]+\] (ERROR|WARNING)\[\d+\](?:\[[^\]]*\])? ([^:]+): (.*)$/.exec(text)
    if (m !== null) out.push({ level: m[1]!, source: m[2]!, message: m[3]!, text })
  }
  return out
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The ERROR/WARNING lines about the examples (files and families named, modules they use). */
function aboutExamples (log: string, files: string[], families: string[]): LogLine[] {
  const named = new RegExp(`\\b(${[...files, ...families].map(escape).join('|')})\\b`)
  return problems(log).filter((l) => {
    if (!SOURCES.test(l.source) && !MODULES.test(l.message) && !named.test(l.message)) return false
    const noise = NOISE.find((n) => n.re.test(l.message))
    if (noise === undefined) return true
    if (noise === NOISE[0]) {
      const file = /'([^']+)'/.exec(l.message)?.[1] ?? ''
      return files.includes(file) // an example file that failed to load is not noise
    }
    return false
  })
}

interface Folder { name: string, files: Map<string, string> }

function folders (): Folder[] {
  return readdirSync(EXAMPLES).filter((f) => statSync(join(EXAMPLES, f)).isDirectory()).sort().map((name) => ({
    name,
    files: new Map(readdirSync(join(EXAMPLES, name)).filter((f) => f.endsWith('.conf')).sort().map((f) => [f, readFileSync(join(EXAMPLES, name, f), 'utf8')]))
  }))
}

/** `name => curl,…` mappings of an extconfig.conf: families and static files. */
function mappings (text: string): string[] {
  return [...text.matchAll(/^\s*([^;\s[][^=\s]*)\s*=>\s*curl\s*,/gm)].map((m) => m[1]!)
}

interface Setup { files: Record<string, string>, append: Record<string, string>, stored: Map<string, string>, names: string[], families: string[] }

/** How a stack's instance is configured with the other folders merged in (see the file comment). */
function merge (stack: Folder, others: Folder[], nodeUrl: string): Setup {
  const s: Setup = { files: {}, append: {}, stored: new Map(), names: [...stack.files.keys()], families: [] }
  const add = (name: string, text: string): void => { s.append[name] = (s.append[name] ?? '') + text }
  s.families.push(...mappings(stack.files.get('extconfig.conf') ?? ''))
  for (const f of others) {
    const ext = f.files.get('extconfig.conf') ?? ''
    const statics = mappings(ext).filter((m) => m.endsWith('.conf'))
    s.families.push(...mappings(ext))
    for (const [name, text] of f.files) {
      s.names.push(name)
      const rewritten = rewriteExample(name, text, { address: '', sipPort: 0, nodeUrl })
      if (name === 'extconfig.conf') add(name, `; merged from ${f.name}/extconfig.conf\n` + rewritten.replace(/^\s*\[settings\]\s*$/m, ''))
      else if (statics.includes(name)) s.stored.set(name, text)
      else if (stack.files.has(name) || Object.hasOwn(s.files, name)) add(name, `; merged from ${f.name}/${name}\n` + rewritten)
      else s.files[name] = rewritten
    }
  }
  s.names = [...new Set(s.names)]
  s.families = [...new Set(s.families.filter((m) => !m.endsWith('.conf')))]
  return s
}

async function storeConf (node: ClusterNode, name: string, text: string): Promise<void> {
  const res = await node.api(`/api/v1/configs/${encodeURIComponent(name)}/conf`, { method: 'PUT', body: text, headers: { 'content-type': 'text/plain' } })
  if (!res.ok) throw new Error(`PUT configs/${name}: ${res.status} ${await res.text()}`)
}

if (install !== null) {
  t.test('every example file loads into a real Asterisk without an error or warning about it', async (t) => {
    const all = folders()
    t.ok(all.some((f) => f.name === 'static'), 'the example folders are found')
    const cluster = await startCluster(t, { nodes: 1, bootstrap: false, spec: () => ({ name: 'a', join: null }) })
    const node = cluster.nodes[0]!
    await node.put('users', 'alice', { name: 'Alice', extensions: ['100'] })
    await node.put('devices', 'alice-desk', { user: 'alice', secret: 's3cret-pw' })

    const addOns = all.filter((f) => !(STACKS as readonly string[]).includes(f.name) && !ALTERNATIVES.includes(f.name))
    // each stack alone, then with every other folder merged in
    for (const [stack, others] of STACKS.flatMap((s) => [[s, []], [s, addOns]] as Array<[Stack, Folder[]]>)) {
      const folder = all.find((f) => f.name === stack)
      if (folder === undefined) { t.fail(`no example folder ${stack}`); continue }
      const setup = merge(folder, others, node.url)
      for (const [name, text] of setup.stored) await storeConf(node, name, text)

      await t.test(others.length === 0 ? `${stack}/ alone` : `${stack}/ with ${others.map((f) => f.name + '/').join(', ')} merged`, async (t) => {
        const ast: AsteriskInstance = await startAsterisk(t, install, { stack, nodeUrl: node.url, files: setup.files, append: setup.append })
        // a peer lookup: per-lookup warnings (a row Asterisk does not like) show too
        if (stack === 'chan_sip') t.match(await ast.rx('sip show peer alice-desk load'), /\* Name\s+: alice-desk/, 'the device is found')
        else t.match(await ast.rx('pjsip show endpoint alice-desk'), /Endpoint:\s+alice-desk/, 'the device is found')

        const curl = await ast.rx('module show like curl')
        for (const m of ['res_config_curl.so', 'func_curl.so', 'res_curl.so']) t.match(curl, new RegExp(`${escape(m)}\\s.*\\sRunning`), `${m} is running`)

        if (setup.stored.has('queues.conf')) {
          const q = await ast.rx('queue show support')
          t.match(q, /^support has 0 calls .*'ringall' strategy/m, 'queues.conf came from the node: queue support with its template')
          t.match(q, /Local\/200@apps/, 'and its member')
        }

        const bad = aboutExamples(ast.log(), setup.names, setup.families)
        t.same(bad.map((l) => l.text), [], `no ERROR or WARNING about ${setup.names.join(', ')}, the families they map or their modules`)
      })
    }
  })
}
