/**
 * An Asterisk instance's configuration, made from the project's own `examples/asterisk/` files so
 * that the examples are what the suite tests. Only what ties a file to one machine is rewritten:
 * the node's URL (`http://127.0.0.1:7280` in the examples), the SIP bind address and port. Around
 * them the harness adds what every instance needs and the examples leave to the operator:
 * `asterisk.conf` with relocated directories, `logger.conf`, `noload` lines for modules that open
 * fixed ports or want absent services, AMI and HTTP off (ARI on when asked).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from './locate.js'

export const EXAMPLES = join(REPO, 'examples', 'asterisk')

/** Modules that open fixed ports, need services absent here, or only make noise in a test instance. */
export const NOLOAD = [
  'chan_iax2.so', 'chan_mgcp.so', 'chan_skinny.so', 'chan_unistim.so', 'chan_dahdi.so', 'chan_motif.so',
  'pbx_dundi.so', 'res_xmpp.so', 'res_hep.so', 'res_hep_pjsip.so', 'res_hep_rtcp.so', 'res_phoneprov.so',
  'res_pjsip_phoneprov_provider.so', 'res_snmp.so', 'res_config_pgsql.so', 'res_config_ldap.so',
  'res_config_odbc.so', 'res_odbc.so', 'res_odbc_transaction.so', 'cdr_pgsql.so', 'cel_pgsql.so',
  'cdr_odbc.so', 'cel_odbc.so', 'cdr_adaptive_odbc.so', 'res_config_sqlite3.so', 'cdr_sqlite3_custom.so',
  'cel_sqlite3_custom.so', 'res_statsd.so', 'res_stun_monitor.so', 'res_pjsip_stir_shaken.so', 'res_stir_shaken.so',
  'res_geolocation.so', 'res_pjsip_geolocation.so', 'res_prometheus.so', 'res_aeap.so', 'res_speech_aeap.so', 'chan_websocket.so',
  'res_calendar.so', 'res_smdi.so', 'cdr_radius.so', 'cel_radius.so', 'cdr_tds.so', 'cel_tds.so', 'res_fax.so'
]

/**
 * sorcery.conf of realtime mode with a sorcery memory cache in front of endpoint, auth and aor, the caches
 * named as docs/asterisk.md shows (the node expires them over AMI when given --ami).
 */
export const CACHED_SORCERY = `[res_pjsip]
endpoint/cache = memory_cache,object_lifetime_maximum=3600,name=federator_endpoint
endpoint       = realtime,ps_endpoints
auth/cache     = memory_cache,object_lifetime_maximum=3600,name=federator_auth
auth           = realtime,ps_auths
aor/cache      = memory_cache,object_lifetime_maximum=3600,name=federator_aor
aor            = realtime,ps_aors
contact        = realtime,ps_contacts
domain_alias   = realtime,ps_domain_aliases

[res_pjsip_endpoint_identifier_ip]
identify       = realtime,ps_endpoint_id_ips

[res_pjsip_outbound_registration]
registration   = realtime,ps_registrations
`

export type Stack = 'pjsip' | 'chan_sip'

export interface ConfigInput {
  /** instance directory (holds etc/ run/ log/ lib/ spool/ cache/) */
  dir: string
  name: string
  moddir: string
  datadir: string
  stack: Stack
  /** this instance's own loopback address and SIP port */
  address: string
  sipPort: number
  /** the Federator node's HTTP base URL, e.g. http://127.0.0.1:41234 */
  nodeUrl: string
  /** example folders whose files are used, in order (later ones win per file); default [stack] */
  examples?: string[]
  /** files added or replaced after the examples (name → content) */
  files?: Record<string, string>
  /** text appended to a file (after the examples and `files`) */
  append?: Record<string, string>
  /** ARI/HTTP on this port (127.0.0.1 only), user `federator` password `federator` */
  httpPort?: number
  /** AMI on this port (127.0.0.1 only) */
  amiPort?: number
}

/** Rewrite an example file for one instance. */
export function rewriteExample (name: string, text: string, c: Pick<ConfigInput, 'address' | 'sipPort' | 'nodeUrl'>): string {
  let out = text.replaceAll('http://127.0.0.1:7280', c.nodeUrl)
  if (name === 'pjsip.conf') out = out.replace(/^(\s*bind\s*=\s*)0\.0\.0\.0:5060/m, `$1${c.address}:${c.sipPort}`)
  if (name === 'sip.conf') {
    out = out.replace(/^(\s*bindaddr\s*=\s*)0\.0\.0\.0/m, `$1${c.address}`)
    out = out.replace(/^(\s*bindport\s*=\s*)5060/m, `$1${c.sipPort}`)
  }
  return out
}

/** Every file of the instance's etc/ folder. */
export function instanceConfig (c: ConfigInput): Map<string, string> {
  const files = new Map<string, string>()
  for (const ex of c.examples ?? [c.stack]) {
    const dir = join(EXAMPLES, ex)
    if (!existsSync(dir)) throw new Error(`no example folder ${dir}`)
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.conf')).sort()) {
      files.set(f, rewriteExample(f, readFileSync(join(dir, f), 'utf8'), c))
    }
  }
  if (!files.has('modules.conf')) files.set('modules.conf', '[modules]\nautoload = yes\n')
  files.set('modules.conf', files.get('modules.conf')! + '\n; test harness: modules with fixed ports or absent services\n' +
    NOLOAD.map((m) => `noload => ${m}\n`).join(''))
  files.set('asterisk.conf', [
    '[directories]',
    `astetcdir => ${c.dir}/etc`,
    `astmoddir => ${c.moddir}`,
    `astvarlibdir => ${c.dir}/lib`,
    `astdbdir => ${c.dir}/lib`,
    `astkeydir => ${c.dir}/lib`,
    `astdatadir => ${c.datadir}`,
    `astspooldir => ${c.dir}/spool`,
    `astrundir => ${c.dir}/run`,
    `astlogdir => ${c.dir}/log`,
    `astcachedir => ${c.dir}/cache`,
    '[options]',
    `systemname = ${c.name}`,
    'verbose = 3',
    ''
  ].join('\n'))
  files.set('logger.conf', '[general]\n[logfiles]\nfull.log => notice,warning,error,verbose,debug\nconsole => notice,warning,error\n')
  if (c.amiPort !== undefined) {
    files.set('manager.conf', `[general]\nenabled = yes\nport = ${c.amiPort}\nbindaddr = 127.0.0.1\n\n[federator]\nsecret = federator\nread = all\nwrite = all\npermit = 127.0.0.1/255.255.255.255\n`)
  } else {
    files.set('manager.conf', '[general]\nenabled = no\n')
  }
  if (c.httpPort !== undefined) {
    files.set('http.conf', `[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = ${c.httpPort}\n`)
    files.set('ari.conf', '[general]\nenabled = yes\n\n[federator]\ntype = user\nread_only = no\npassword = federator\n')
  } else {
    files.set('http.conf', '[general]\nenabled = no\n')
  }
  // the stack not under test stays off its port
  if (c.stack === 'pjsip' && !files.has('sip.conf')) files.set('sip.conf', '[general]\n')
  for (const [name, text] of Object.entries(c.files ?? {})) files.set(name, text)
  for (const [name, text] of Object.entries(c.append ?? {})) files.set(name, (files.get(name) ?? '') + '\n' + text)
  return files
}
