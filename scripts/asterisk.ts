/**
 * Run one real Asterisk by hand against a running Federator node, configured exactly as the
 * end-to-end suite configures it (from examples/asterisk/):
 *
 *   npm run asterisk -- --stack pjsip --node http://127.0.0.1:7280 [--address 127.0.0.50] [--port 5060]
 *
 * Prints its SIP address and the command line for its CLI; Ctrl-C stops it (its directory is kept).
 */
import { parseArgs } from 'node:util'
import { AsteriskInstance, locateAsterisk, asteriskVersion, type Stack } from '../test/asterisk/harness/index.js'

const { values } = parseArgs({
  options: {
    stack: { type: 'string', default: 'pjsip' },
    node: { type: 'string', default: 'http://127.0.0.1:7280' },
    address: { type: 'string' },
    port: { type: 'string' },
    examples: { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  }
})
if (values.help === true) {
  process.stdout.write('usage: npm run asterisk -- [--stack pjsip|chan_sip] [--node URL] [--address 127.x.y.z] [--port N] [--examples pjsip,static]\n')
  process.exit(0)
}
const stack = values.stack as Stack
if (stack !== 'pjsip' && stack !== 'chan_sip') { process.stderr.write('--stack is pjsip or chan_sip\n'); process.exit(2) }
const install = locateAsterisk()
if ('missing' in install) { process.stderr.write(install.missing + '\n'); process.exit(1) }
const ast = new AsteriskInstance(install, {
  stack,
  nodeUrl: values.node!,
  address: values.address,
  sipPort: values.port === undefined ? undefined : Number(values.port),
  examples: values.examples?.split(','),
  keep: true
})
await ast.start()
process.stdout.write(`${asteriskVersion(install)} (${stack}) on ${ast.sipAddress}, PID ${ast.pid}, directory ${ast.dir}\n`)
process.stdout.write(`CLI: LD_LIBRARY_PATH=${install.libdir} ${install.binary} -C ${ast.confPath} -r\n`)
const stop = (): void => { void ast.stop().then(() => process.exit(0)) }
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
