import pino, { type Logger } from 'pino'

/** The node's root logger: JSON lines to stderr; human-readable when stderr is a TTY. */
export function createLogger (level: string, pretty = process.stderr.isTTY === true): Logger {
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } } })
  }
  return pino({ level }, pino.destination({ dest: 2, sync: false }))
}
