#!/usr/bin/env node
/**
 * The `federator` command line. Settings come from (lowest first) defaults, a
 * JSON config file (--config), FEDERATOR_* environment variables and flags.
 */
import { Command, Option } from 'commander'
import { FedError, isFedError } from '@federator/core'
import { DEFAULT_DATA_DIR, DEFAULT_HTTP_PORT, fromEnv, fromFile, resolveConfig, type Config, type PartialConfig } from './config.js'
import { createLogger } from './logger.js'
import { FederatorNode } from './node.js'
import { target } from './client.js'
import { runImport } from './commands/import.js'
import { runExport } from './commands/export.js'
import { rebuildOffline } from './commands/rebuild.js'
import { printStatus } from './commands/status.js'
import { registerConf } from './commands/conf.js'
import { registerImportAsterisk } from './commands/import-asterisk.js'
import { registerToken } from './commands/token.js'
import { VERSION } from './version.js'

// secrets at rest: everything this process creates (the data directory, the log's RocksDB and the view's
// LevelDB files, exports) is readable by its user only; an existing data directory is tightened at start
process.umask(0o077)

const program = new Command()
program
  .name('federator')
  .description('Federated Asterisk clusters: every node keeps its own log; all nodes merge into the same view.')
  .version(VERSION)
  .showHelpAfterError()

function common (cmd: Command): Command {
  return cmd
    .option('-d, --data <dir>', `data directory (env FEDERATOR_DATA, default ${DEFAULT_DATA_DIR})`)
    .option('-c, --config <file>', 'JSON config file (keys as in docs/configuration.md)')
}

function client (cmd: Command): Command {
  return common(cmd)
    .option('--url <url>', `node URL (env FEDERATOR_URL; default: the address the node at --data recorded in <data>/http-address, else http://127.0.0.1:${DEFAULT_HTTP_PORT})`)
    .option('--token <token>', 'admin token (env FEDERATOR_ADMIN_TOKEN, default: <data>/admin-token)')
    .option('--token-file <file>', 'read the admin token from this file (env FEDERATOR_ADMIN_TOKEN_FILE)')
}

function configFrom (opts: Record<string, unknown>): Config {
  const layers: PartialConfig[] = []
  const file = (opts.config as string | undefined) ?? process.env.FEDERATOR_CONFIG
  if (file !== undefined) layers.push(fromFile(file))
  layers.push(fromEnv())
  const flags: PartialConfig = {}
  if (opts.data !== undefined) flags.data = opts.data as string
  if (opts.http !== undefined) flags.http = opts.http as string
  if (opts.name !== undefined) flags.name = opts.name as string
  if (opts.logLevel !== undefined) flags.logLevel = opts.logLevel as string
  if (opts.join !== undefined) flags.join = opts.join as string
  if (opts.joinFile !== undefined) flags.joinFile = opts.joinFile as string
  if (opts.tokenFile !== undefined) flags.adminTokenFile = opts.tokenFile as string
  if (opts.lan !== undefined) flags.lan = opts.lan as boolean | string
  if (opts.dht !== undefined) flags.dht = opts.dht as boolean
  if (opts.bootstrap !== undefined) flags.bootstrap = opts.bootstrap as string[]
  if (opts.peer !== undefined) flags.peers = opts.peer as string[]
  if (opts.swarmPort !== undefined) flags.swarmPort = Number(opts.swarmPort)
  if (opts.snapshotJoin !== undefined) flags.snapshotJoin = opts.snapshotJoin as boolean
  if (opts.realtimeCacheMb !== undefined) flags.realtimeCacheMb = opts.realtimeCacheMb as number
  if (opts.swarmHost !== undefined) flags.swarmHost = opts.swarmHost as string
  if (opts.sipAddress !== undefined) flags.sipAddress = opts.sipAddress as string
  if (opts.dns !== undefined) flags.dns = opts.dns as string
  if (opts.dnsZone !== undefined) flags.dnsZone = opts.dnsZone as string
  if (opts.ariUrl !== undefined) flags.ariUrl = opts.ariUrl as string
  if (opts.ariUser !== undefined) flags.ariUser = opts.ariUser as string
  if (opts.ariApp !== undefined) flags.ariApp = opts.ariApp as string
  if (opts.asteriskMode !== undefined) flags.asteriskMode = opts.asteriskMode as string
  if (opts.ami !== undefined) flags.ami = opts.ami as string
  if (opts.amiUser !== undefined) flags.amiUser = opts.amiUser as string
  layers.push(flags)
  return resolveConfig(...layers)
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').filter((s) => s !== '')]

common(program.command('start'))
  .description('run a node: HTTP API for Asterisk and admins, the log, the view and (in a cluster) the network')
  .option('--http <host:port>', `HTTP listen address (env FEDERATOR_HTTP, default 127.0.0.1:${DEFAULT_HTTP_PORT})`)
  .option('-n, --name <name>', 'node name (env FEDERATOR_NAME, default: host name)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env FEDERATOR_LOG_LEVEL)')
  .option('--join <string>', 'cluster join string from `federator init` (env FEDERATOR_JOIN)')
  .option('--join-file <file>', 'read the join string from this file (env FEDERATOR_JOIN_FILE; keeps it out of the process list)')
  .addOption(new Option('--lan [interface]', 'find peers by LAN multicast (optionally on this interface address)'))
  .option('--dht', 'find peers through the public hyperswarm DHT')
  .option('--bootstrap <host:port,...>', 'private DHT bootstrap nodes', collect)
  .option('--peer <publicKey@host:port>', 'static peer (repeatable)', collect)
  .option('--swarm-port <port>', 'UDP port for peer connections (env FEDERATOR_SWARM_PORT)')
  .option('--realtime-cache-mb <mb>', 'most memory of the realtime answer cache, MB (env FEDERATOR_REALTIME_CACHE_MB, default 32)')
  .option('--swarm-host <address>', 'local address the peer (UDP) socket binds: 0.0.0.0, every interface (default), or one of this host\'s addresses (env FEDERATOR_SWARM_HOST)')
  .option('--sip-address <host[:port]>', 'where this node\'s Asterisk takes inter-node calls (env FEDERATOR_SIP_ADDRESS)')
  .option('--dns <host:port>', 'answer DNS (UDP and TCP) for the zone: SRV/A/AAAA records of the live nodes, for phones and trunks (env FEDERATOR_DNS; off by default; docs/dns.md)')
  .option('--dns-zone <zone>', 'the zone the DNS server answers for, e.g. pbx.example.com. (env FEDERATOR_DNS_ZONE)')
  .option('--ari-url <url>', 'the local Asterisk\'s HTTP server for ARI, e.g. http://127.0.0.1:8088 (env FEDERATOR_ARI_URL; enables live call state; docs/asterisk.md)')
  .option('--ari-user <user:password>', 'an ari.conf user of that Asterisk (env FEDERATOR_ARI_USER)')
  .option('--ari-app <name>', 'the ARI application name the node registers (env FEDERATOR_ARI_APP, default federator)')
  .option('--asterisk-mode <mode>', 'where Asterisk\'s PJSIP objects come from: realtime (res_config_curl lookups, default) or push (kept in Asterisk\'s memory over ARI) (env FEDERATOR_ASTERISK_MODE)')
  .option('--ami <host:port>', 'the local Asterisk\'s manager interface (env FEDERATOR_AMI): push mode lists the registrations through it at every connect; realtime mode expires Asterisk\'s sorcery memory cache entries of changed records through it')
  .option('--ami-user <user:password>', 'a manager.conf user of that Asterisk (env FEDERATOR_AMI_USER)')
  .option('--snapshot-join', 'a fresh data directory joins from a peer\'s snapshot (only live log blocks, verified against the cluster\'s view hash; env FEDERATOR_SNAPSHOT_JOIN; docs/design.md)')
  .option('--standalone', 'run alone (no peer networking) even though this data directory was in a cluster')
  .addHelpText('after', '\nAdmin API tokens are the cluster\'s (federator token create|list|revoke, on any node): the first one is made by\n' +
    '`init` (or by the first start of a standalone node that has none), printed once and kept in <data>/admin-token.\n' +
    'FEDERATOR_ADMIN_TOKEN (or FEDERATOR_ADMIN_TOKEN_FILE) adds a local token accepted by this node only.\n' +
    'The node records the address it listens on in <data>/http-address for the client commands (--data).')
  .action(async (opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    const standalone = opts.standalone === true
    if (standalone && config.join !== undefined) throw new FedError('FED_ERR_CONFIG', '--standalone and a join string (--join, FEDERATOR_JOIN or the config file) exclude each other')
    if (!standalone) {
      // the join string given is recorded (and must name the recorded cluster); without one, the recorded one
      const { clusterForStart } = await import('./cluster-record.js')
      const joinString = await clusterForStart(config.data, config.join)
      if (joinString !== undefined) config.join = joinString
    }
    const logger = createLogger(config.logLevel)
    const node = new FederatorNode({ config, logger, standalone })
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) { logger.warn({ signal }, 'second signal: exiting now'); process.exit(1) }
      stopping = true
      logger.info({ signal }, 'shutting down')
      node.close().then(() => { logger.flush?.(); process.exit(0) }, (err) => { logger.error({ err }, 'shutdown failed'); process.exit(1) })
    }
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGTERM', () => stop('SIGTERM'))
    await node.ready()
    if (node.tokenGenerated) {
      process.stdout.write(`Admin token (shown once, kept in ${config.data}/admin-token; it works on every node of the cluster): ${node.token}\n`)
    }
    process.stdout.write(`Federator ${VERSION} node "${config.name}" listening on ${node.url} (data: ${config.data})\n`)
  })

common(program.command('init'))
  .description('prepare a data directory (identity, the cluster\'s first admin token) and create a cluster: prints its join string and the token (once)')
  .option('--join <string>', 'record an existing cluster instead of creating one (no token is made: the cluster\'s replicate)')
  .option('--join-file <file>', 'the same, read from this file (env FEDERATOR_JOIN_FILE)')
  .option('--hint <publicKey@host:port|host:port>', 'a peer or bootstrap address to put in the join string (repeatable)', collect)
  .option('--no-cluster', 'do not create or record a cluster')
  .action(async (opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    const { initDataDir } = await import('./commands/init.js')
    await initDataDir(config, { hints: opts.hint as string[] | undefined, noCluster: opts.cluster === false })
  })

client(program.command('revoke'))
  .description('revoke a node (by name or writer key): its later log entries are ignored everywhere, its connections refused')
  .argument('<node>', 'node name, writer key, or a writer-key prefix (8+ hex digits)')
  .option('--reason <text>', 'why (kept in the node record)')
  .option('--length <n>', 'ignore that node\'s entries from this log position on (default: what this node holds)')
  .action(async (ref: string, opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    const { revokeNode } = await import('./commands/cluster.js')
    const n = await revokeNode(await target(config, opts), ref, {
      ...(opts.reason !== undefined ? { reason: opts.reason as string } : {}),
      ...(opts.length !== undefined ? { length: Number(opts.length) } : {})
    })
    process.stdout.write(`revoked ${n.name ?? ''} ${n.id}: ${JSON.stringify(n.revoked)}\n`)
  })

program.command('bootstrap')
  .description('run a DHT bootstrap node for a private deployment')
  .requiredOption('--host <address>', 'IPv4 address the nodes reach it at')
  .requiredOption('--port <port>', 'UDP port')
  .action(async (opts: { host: string, port: string }) => {
    const { runBootstrapNode } = await import('./commands/cluster.js')
    const port = Number(opts.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FedError('FED_ERR_CONFIG', `--port: expected 0–65535, got ${JSON.stringify(opts.port)}`)
    await runBootstrapNode(opts.host, port)
  })

client(program.command('status'))
  .description('show a running node\'s state: view hash, records, writers and lag, peers')
  .option('--json', 'print the raw JSON')
  .action(async (opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    await printStatus(await target(config, opts), { json: opts.json === true })
  })

common(program.command('rebuild'))
  .description('rebuild the view from the logs (the node must be stopped)')
  .action(async (opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    await rebuildOffline(config)
  })

client(program.command('import'))
  .description('bulk import records into a running node (NDJSON or a JSON array; "-" reads stdin)')
  .argument('<file>', 'file to import, or - for stdin')
  .option('--format <format>', 'ndjson or json (default: from the file name)')
  .option('--dry-run', 'validate only, write nothing')
  .action(async (file: string, opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    const res = await runImport(await target(config, opts), file, { format: opts.format as string | undefined, dryRun: opts.dryRun === true, progress: process.stderr.isTTY === true })
    for (const e of res.errors) process.stderr.write(`line ${e.line}: ${e.code}: ${e.message}\n`)
    if ((res.omittedErrors ?? 0) > 0) process.stderr.write(`… and ${res.omittedErrors} more errors\n`)
    process.stdout.write(`${opts.dryRun === true ? 'validated' : 'imported'} ${res.imported}, failed ${res.failed}\n`)
    if (res.failed > 0) process.exitCode = 1
  })

client(program.command('export'))
  .description('export records from a running node (NDJSON by default)')
  .argument('[file]', 'output file (default: stdout)', '-')
  .option('--format <format>', 'ndjson or json (default: from the file name)')
  .option('--types <types>', 'comma-separated record types (default: all but node, the cluster membership)')
  .action(async (file: string, opts: Record<string, unknown>) => {
    const config = configFrom(opts)
    const n = await runExport(await target(config, opts), file, { format: opts.format as string | undefined, types: opts.types as string | undefined })
    // on stderr: stdout may be the export itself
    process.stderr.write(`exported ${n} record${n === 1 ? '' : 's'}${file === '-' ? '' : ` to ${file} (mode 0600: it holds secrets)`}\n`)
  })

registerConf(program, client, configFrom)
registerImportAsterisk(program, client, configFrom)
registerToken(program, client, configFrom)

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isFedError(err)) process.stderr.write(`federator: ${err.code}: ${err.message}\n`)
  else if (err instanceof FedError) process.stderr.write(`federator: ${err.message}\n`)
  else process.stderr.write(`federator: ${(err as Error).message ?? String(err)}\n`)
  process.exit(2)
})
