/**
 * A small streaming XML tokenizer for the parts of a workbook (sheets, shared
 * strings, styles). Workbook XML is machine-written and regular: no DTDs
 * (refused: entity expansion is how XML bombs work), namespaces only as
 * prefixes, which are dropped. Text is fed in chunks; a tag cut by a chunk
 * boundary waits for the next chunk.
 */
import { corrupt } from './zip.js';

export type XmlEvent =
  | { kind: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);
const ATTR = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Turns chunks of XML text into events; call `end()` after the last chunk. */
export class XmlTokenizer {
  private buffer = '';

  *feed(chunk: string): Generator<XmlEvent, void, undefined> {
    this.buffer += chunk;
    const buffer = this.buffer;
    let at = 0;
    for (;;) {
      const lt = buffer.indexOf('<', at);
      if (lt === -1) {
        // Text with no tag after it yet: keep it for the next chunk.
        break;
      }
      if (lt > at) yield { kind: 'text', text: decodeEntities(buffer.slice(at, lt)) };
      at = lt;
      const next = buffer.charCodeAt(lt + 1);
      if (next === 33 /* ! */) {
        if (buffer.startsWith('<!--', lt)) {
          const end = buffer.indexOf('-->', lt);
          if (end === -1) break;
          at = end + 3;
          continue;
        }
        if (buffer.startsWith('<![CDATA[', lt)) {
          const end = buffer.indexOf(']]>', lt);
          if (end === -1) break;
          yield { kind: 'text', text: buffer.slice(lt + 9, end) };
          at = end + 3;
          continue;
        }
        if (buffer.length - lt < 9) break;
        throw corrupt('it declares a DTD, which workbooks never do');
      }
      const gt = buffer.indexOf('>', lt);
      if (gt === -1) break;
      at = gt + 1;
      if (next === 63 /* ? */) continue;
      if (next === 47 /* / */) {
        yield { kind: 'close', name: localName(buffer.slice(lt + 2, gt).trim()) };
        continue;
      }
      const selfClosing = buffer.charCodeAt(gt - 1) === 47;
      const body = buffer.slice(lt + 1, selfClosing ? gt - 1 : gt);
      const space = body.search(/\s/);
      const name = localName(space === -1 ? body : body.slice(0, space));
      const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
      if (space !== -1) {
        for (const m of body.slice(space).matchAll(ATTR)) attrs[localName(m[1]!)] = decodeEntities(m[2] ?? m[3] ?? '');
      }
      yield { kind: 'open', name, attrs, selfClosing };
    }
    this.buffer = buffer.slice(at);
    // A tag never grows this long in a workbook: a crafted file must not hold memory.
    if (this.buffer.length > 16 * 2 ** 20) throw corrupt('an XML tag or text is longer than 16 MB');
  }

  end(): void {
    if (this.buffer.trim() !== '') throw corrupt('an XML part ends in the middle of a tag');
  }
}

/** All events of a small part held in memory. */
export function* xmlEvents(bytes: Uint8Array): Generator<XmlEvent, void, undefined> {
  const tokenizer = new XmlTokenizer();
  yield* tokenizer.feed(new TextDecoder().decode(bytes));
  tokenizer.end();
}
