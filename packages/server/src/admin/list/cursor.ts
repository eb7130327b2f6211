/**
 * Opaque pagination cursors. A cursor carries the position after which the
 * next page starts (a record id, or `type\0id` for conflicts) and a MAC over
 * that position and the *scope* of the listing (collection + filters): a
 * cursor that was garbled, forged, or issued for another listing or by a
 * server with another secret is refused with FED_ERR_BAD_CURSOR.
 *
 * Format: base64url(position) "." base64url(HMAC-SHA256(secret, v1 \0 scope \0 position)[0..16]).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { FedError } from '@federator/core'

const VERSION = 'v1'
const MAC_BYTES = 16

export class CursorCodec {
  private readonly secret: Buffer
  private readonly maxLength: number

  constructor (secret: string | Buffer, maxLength: number) {
    this.secret = createHash('sha256').update('federator cursor\0').update(secret).digest()
    this.maxLength = maxLength
  }

  private mac (scope: string, position: string): Buffer {
    return createHmac('sha256', this.secret).update(VERSION + '\0' + scope + '\0' + position).digest().subarray(0, MAC_BYTES)
  }

  encode (scope: string, position: string): string {
    return Buffer.from(position, 'utf8').toString('base64url') + '.' + this.mac(scope, position).toString('base64url')
  }

  /** The position of a cursor issued for this scope; throws FED_ERR_BAD_CURSOR otherwise. */
  decode (scope: string, cursor: string): string {
    const bad = (why: string): FedError => new FedError('FED_ERR_BAD_CURSOR', `Bad cursor: ${why}; start again without a cursor`)
    if (cursor.length === 0 || cursor.length > this.maxLength) throw bad('wrong length')
    const dot = cursor.indexOf('.')
    if (dot < 0 || cursor.indexOf('.', dot + 1) >= 0) throw bad('not a cursor')
    const [pos, tag] = [cursor.slice(0, dot), cursor.slice(dot + 1)]
    if (!/^[A-Za-z0-9_-]*$/.test(pos) || !/^[A-Za-z0-9_-]+$/.test(tag)) throw bad('not a cursor')
    const position = Buffer.from(pos, 'base64url').toString('utf8')
    const given = Buffer.from(tag, 'base64url')
    const want = this.mac(scope, position)
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw bad('not issued for this listing')
    return position
  }
}
