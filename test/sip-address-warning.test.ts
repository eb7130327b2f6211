/**
 * A node in a cluster started without --sip-address cannot be handed calls:
 * it says so at start (a log warning naming the setting), and only then — a
 * node alone, or one with a SIP address, logs nothing of the kind.
 */
import t from 'tap'
import { resolveConfig, sipAddressWarning } from '../packages/federator/src/config.js'
import { tmpDir, until } from './helpers/index.js'
import { NodeProcess, runCli } from './helpers/node-process.js'

t.test('sipAddressWarning', async (t) => {
  t.match(sipAddressWarning(resolveConfig({}), true), /in a cluster but has no SIP address.*reason=no-sip-address.*--sip-address \(FEDERATOR_SIP_ADDRESS\)/)
  t.equal(sipAddressWarning(resolveConfig({ sipAddress: '10.0.0.1' }), true), undefined, 'with a SIP address: nothing to say')
  t.equal(sipAddressWarning(resolveConfig({}), false), undefined, 'alone: nothing to say')
})

t.test('a node started in a cluster without --sip-address warns; with one it does not', async (t) => {
  const init = await runCli(['init', '--data', tmpDir(t)])
  t.equal(init.code, 0, init.stderr)
  const join = /^(fed1:\S+)$/m.exec(init.stdout)?.[1]
  if (join === undefined) throw new Error('no join string in: ' + init.stdout)
  const net = ['--join', join, '--swarm-host', '127.0.0.1', '--swarm-port', '0']

  const bare = new NodeProcess(tmpDir(t), ['--name', 'bare', ...net])
  await bare.start(t)
  await until(() => /no SIP address/.test(bare.stderr), 'the warning')
  const line = JSON.parse(bare.stderr.split('\n').find((l) => l.includes('no SIP address'))!) as { level: number, msg: string }
  t.equal(line.level, 40, 'logged as a warning')
  t.match(line.msg, /--sip-address/, 'naming the setting')
  await bare.kill()

  const withSip = new NodeProcess(tmpDir(t), ['--name', 'sip', '--sip-address', '127.0.0.1:5070', ...net])
  await withSip.start(t)
  t.equal((await withSip.api('/healthz')).status, 200)
  await withSip.kill()
  t.notMatch(withSip.stderr, /no SIP address/, 'no warning with a SIP address')
})
