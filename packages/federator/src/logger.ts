import pino, { type Logger, type LoggerOptions } from 'pino'

/**
 * Fields that hold secrets, censored wherever a log call passes them (at the
 * top level or one object down: `{ fields: { secret } }`, `{ config: { join } }`):
 * device and trunk passwords, voicemail PINs, the admin token, the join
 * string, the realtime basic auth. Log calls do not pass request bodies;
 * this is the net under them.
 */
export const REDACTED_KEYS = ['secret', 'password', 'pin', 'ha1', 'md5_cred', 'token', 'adminToken', 'join', 'joinString', 'realtimeAuth', 'ariUser', 'authorization', 'userpwd']

export const REDACT: NonNullable<LoggerOptions['redact']> = {
  paths: [
    ...REDACTED_KEYS, ...REDACTED_KEYS.map((k) => '*.' + k),
    'req.headers.authorization', 'req.headers.cookie', 'headers.authorization'
  ],
  censor: '[redacted]'
}

/** The node's root logger: JSON lines to stderr; human-readable when stderr is a TTY. Secrets are redacted (REDACT). */
export function createLogger (level: string, pretty = process.stderr.isTTY === true): Logger {
  if (pretty) {
    return pino({ level, redact: REDACT, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } } })
  }
  return pino({ level, redact: REDACT }, pino.destination({ dest: 2, sync: false }))
}
