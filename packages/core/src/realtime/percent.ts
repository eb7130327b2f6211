/**
 * Percent-encoding as Asterisk does it (main/utils.c ast_uri_encode, "http"
 * flavour) and its inverse.
 *
 * Encoding: `A–Z a–z 0–9 - _ . ! ~ * ' ( )` stay, every other UTF-8 byte is
 * `%XX` in upper case; a space is `%20`, never `+`. That is exactly
 * `encodeURIComponent`, except that a lone UTF-16 surrogate (which has no
 * UTF-8 form) becomes U+FFFD instead of throwing.
 *
 * Decoding a request piece: `%XX` in either case, `+` stays a plus. An invalid
 * escape (`%` not followed by two hex digits) cannot come from Asterisk, whose
 * encoder escapes every `%`: the piece is refused (FED_ERR_REALTIME_REQUEST,
 * reason `bad_escape`) and the plugin answers "nothing" / `-1`. Bytes that are
 * not UTF-8 (a Latin-1 User-Agent, say) decode with U+FFFD; an incomplete
 * UTF-8 sequence at the end of a piece that Asterisk may have cut
 * (request.ts) is dropped, since the cut left only part of that character.
 */
import { FedError } from '../errors.js'
import { addWork } from '../work.js'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const UNRESERVED = new Uint8Array(128)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") UNRESERVED[c.charCodeAt(0)] = 1

/** Asterisk's URI encoding of one name or value. */
export function encodeComponent (s: string): string {
  let plain = true
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || UNRESERVED[c] === 0) { plain = false; break }
  }
  if (plain) return s // most ids, numbers and enum values: nothing to encode
  try {
    return encodeURIComponent(s)
  } catch {
    return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD'))
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const lenientUtf8 = new TextDecoder('utf-8')
const utf8 = new TextEncoder()

function hexValue (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** Length of the incomplete UTF-8 sequence at the end of `b` (0 when it ends on a character boundary). */
function incompleteTail (b: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back]!
    if ((c & 0xc0) === 0x80) continue // continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1
    return need > back ? back : 0
  }
  return 0
}

function badEscape (piece: string, at: number): FedError {
  return new FedError('FED_ERR_REALTIME_REQUEST', `Invalid percent-escape at offset ${at} of ${JSON.stringify(piece.slice(0, 80))}`,
    { reason: 'bad_escape' })
}

/**
 * Decode one request name or value. `cut`: the piece may have been truncated
 * by Asterisk, so an incomplete last character is dropped instead of becoming
 * U+FFFD.
 */
export function decodeComponent (piece: string, cut = false): string {
  addWork(1 + piece.length)
  if (piece.indexOf('%') === -1) return piece
  if (!cut) {
    try { return decodeURIComponent(piece) } catch { /* invalid escape or not UTF-8: the slow path tells which */ }
  }
  const bytes: number[] = []
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i)
    if (c === 0x25) {
      const hi = hexValue(piece.charCodeAt(i + 1))
      const lo = hexValue(piece.charCodeAt(i + 2))
      if (hi < 0 || lo < 0) throw badEscape(piece, i)
      bytes.push(hi * 16 + lo)
      i += 2
    } else if (c < 0x80) {
      bytes.push(c)
    } else {
      const cp = piece.codePointAt(i)!
      for (const b of utf8.encode(String.fromCodePoint(cp))) bytes.push(b)
      if (cp > 0xffff) i++
    }
  }
  let b = Uint8Array.from(bytes)
  if (cut) b = b.subarray(0, b.length - incompleteTail(b))
  try { return strictUtf8.decode(b) } catch { return lenientUtf8.decode(b) }
}
