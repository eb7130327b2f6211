/**
 * The real-Asterisk test harness: find (or unpack) Asterisk, run isolated instances configured from
 * `examples/asterisk/`, and minimal SIP phones. `asteriskOrSkip(t)` is how a test file starts: when no
 * Asterisk can be found it says so in one line, and fails under CI (`CI=true`) or skips elsewhere.
 */
import type { Test } from 'tap'
import { AsteriskInstance, type InstanceOptions } from './instance.js'
import { locateAsterisk, type AsteriskInstall } from './locate.js'

export { AsteriskInstance, freeLoopbackAddress, type InstanceOptions } from './instance.js'
export { TestPhone, header, parseSip, digestAuthorization, type SipMessage, type AnswerMode } from './phone.js'
import { TestPhone, type PhoneOptions } from './phone.js'
export { locateAsterisk, asteriskVersion, REPO, type AsteriskInstall } from './locate.js'
export { instanceConfig, rewriteExample, CACHED_SORCERY, EXAMPLES, NOLOAD, type Stack } from './config.js'
export { promptDatadir } from './prompts.js'

let found: AsteriskInstall | { missing: string } | undefined

/** The Asterisk install, or null after failing (CI) or skipping (elsewhere) the test with one line. */
export function asteriskOrSkip (t: Test): AsteriskInstall | null {
  found ??= locateAsterisk()
  if ('missing' in found) {
    if (process.env.CI === 'true') t.fail(found.missing)
    else t.plan(0, found.missing)
    return null
  }
  return found
}

/** Start an Asterisk instance with teardown registered on `t`. */
export async function startAsterisk (t: Test, install: AsteriskInstall, opts: InstanceOptions): Promise<AsteriskInstance> {
  const a = new AsteriskInstance(install, opts)
  await a.start(t)
  return a
}

/** Start a test phone (its UDP socket bound) with its close registered as teardown on `t`. */
export async function startPhone (t: Test, opts: PhoneOptions): Promise<TestPhone> {
  const phone = await new TestPhone(opts).start()
  t.teardown(() => phone.close())
  return phone
}
