/**
 * YAML reader: `parseDocument` for the syntax, then our own walk over the
 * node tree instead of `toJS()`, because we need to
 * - keep identifiers as written (`code: 00123` must stay "00123", not 123),
 * - count alias expansions and nesting ourselves and stop early,
 * - build null-prototype objects (so `__proto__: …` is only data),
 * - know the line each department starts on.
 */
import { type Node, Document, LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { FileError } from '../errors.js';
import { LONE_SURROGATE_MESSAGE, hasLoneSurrogate } from '../normalise/characters.js';
import type { SourceRecord } from '../model.js';
import {
  type DocumentInput,
  type OrganizationRef,
  MAX_ALIASES,
  MAX_DEPTH,
  SHAPE_HINT,
  addColumns,
  invalidDocument,
  isDefaultChildrenKey,
  iterate,
  notAChild,
  notAChildList,
  notADepartment,
  nullObject,
  rowLimitExceeded,
  tooDeep,
  unexpectedWrapperKey,
} from './document.js';
import { findExcessiveNesting } from './yamlGuard.js';

/** Plain scalars that mean "no value" at the top level. Anything else plain is kept as written. */
const NULL_WORDS = new Set(['', '~', 'null', 'Null', 'NULL']);

class Walker {
  private aliases = 0;
  /** Aliases and anchored nodes in document order, built on the first alias. */
  private anchorsInOrder: Node[] | undefined;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  line(node: unknown): number | undefined {
    const start = isNode(node) ? node.range?.[0] : undefined;
    return start === undefined ? undefined : this.lineCounter.linePos(start).line;
  }

  /**
   * Follows an alias to its anchored node, counting every expansion. The
   * anchor is the last one with that name defined before the alias (YAML
   * allows redefining), found the same way the yaml package does.
   */
  resolve(node: unknown): unknown {
    if (!isAlias(node)) return node;
    if (++this.aliases > MAX_ALIASES) {
      throw new FileError(
        'TOO_MANY_ALIASES',
        `the document uses more than ${MAX_ALIASES} aliases (*name references); is it a "billion laughs" attack?`,
        this.line(node),
        { maxAliases: MAX_ALIASES },
      );
    }
    if (this.anchorsInOrder === undefined) {
      const nodes: Node[] = [];
      visit(this.doc, {
        Node: (_key, visited) => {
          if (isAlias(visited) || visited.anchor) nodes.push(visited);
        },
      });
      this.anchorsInOrder = nodes;
    }
    let found: Node | undefined;
    for (const candidate of this.anchorsInOrder) {
      if (candidate === node) break;
      if (!isAlias(candidate) && candidate.anchor === node.source) found = candidate;
    }
    if (found === undefined) {
      throw new FileError('YAML_SYNTAX_ERROR', `the alias *${node.source} refers to no anchor (&${node.source}) defined before it`, this.line(node));
    }
    return found;
  }

  /** A mapping key as text: plain keys as written, so `01:` stays "01". */
  key(node: unknown): string {
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined) return '';
    if (isScalar(resolved)) {
      if (resolved.type === 'PLAIN' && resolved.source !== undefined) return resolved.source;
      return String(resolved.value);
    }
    throw invalidDocument('a key must be a plain text, not a list or mapping', this.line(node));
  }

  /** Nested values: core-schema scalars (numbers, booleans, null), except numbers JSON cannot hold exactly. */
  value(node: unknown, depth: number): unknown {
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined) return null;
    if (isScalar(resolved)) {
      const value: unknown = resolved.value;
      if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
      if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value))) {
        return value;
      }
      // .inf, .nan, integers beyond 2^53 (long ids would lose digits) and anything exotic: as written.
      return resolved.source ?? String(value);
    }
    if (depth > MAX_DEPTH) throw tooDeep(this.line(node));
    if (isSeq(resolved)) return resolved.items.map((item) => this.value(item, depth + 1));
    if (isMap(resolved)) return this.mapping(resolved.items, depth, (item) => this.value(item, depth + 1));
    throw invalidDocument('the document contains a value of an unsupported kind', this.line(node));
  }

  /** Top-level department fields: plain scalars exactly as written. */
  field(node: unknown, depth: number): unknown {
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined) return null;
    if (isScalar(resolved)) {
      if (resolved.type !== 'PLAIN') return String(resolved.value);
      const source = resolved.source ?? String(resolved.value);
      // An explicit `!!str null` is text; an untagged `null`/`~`/empty is no value.
      return resolved.value === null && NULL_WORDS.has(source) ? null : source;
    }
    return this.value(resolved, depth);
  }

  mapping(pairs: readonly { key: unknown; value: unknown }[], depth: number, convert: (node: unknown) => unknown): Record<string, unknown> {
    const out = nullObject();
    for (const pair of pairs) {
      const key = this.key(pair.key);
      // The yaml package rejects equal keys; `1:` and `"1":` only collide once both are text.
      if (Object.hasOwn(out, key)) {
        throw new FileError('YAML_SYNTAX_ERROR', `the key "${key}" appears twice in the same mapping`, this.line(pair.key));
      }
      out[key] = convert(pair.value);
    }
    return out;
  }
}

function syntaxError(doc: Document.Parsed, text: string): FileError {
  const error = doc.errors[0]!;
  const line = error.linePos?.[0].line;
  if (error.code === 'RESOURCE_EXHAUSTION') return tooDeep(line);
  // The package's message ends with " at line L, column C:" and a code frame; FileError adds the line.
  const problem = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const friendly = error.code === 'DUPLICATE_KEY' ? 'a key appears twice in the same mapping' : problem;
  const column = error.linePos?.[0].col;
  return new FileError('YAML_SYNTAX_ERROR', `the YAML is malformed: ${friendly}${column ? ` (column ${column})` : ''}`, line, {
    yamlCode: error.code,
    ...(line === undefined && text.length > 0 ? { offset: error.pos[0] } : {}),
  });
}

function readOrganization(walker: Walker, node: unknown): OrganizationRef | undefined {
  const resolved = walker.resolve(node);
  if (resolved === null || resolved === undefined) return undefined;
  if (isScalar(resolved)) {
    const code = walker.field(resolved, 1);
    if (code === null) return undefined;
    if (hasLoneSurrogate(String(code))) throw invalidDocument(`"organization" ${LONE_SURROGATE_MESSAGE}`, walker.line(node));
    return { code: String(code) };
  }
  if (!isMap(resolved)) {
    throw invalidDocument('"organization" must be a code or a mapping with "code" and "name"', walker.line(node));
  }
  const fields = walker.mapping(resolved.items, 2, (value) => walker.field(value, 3));
  const organization: OrganizationRef = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (key !== 'code' && key !== 'name') {
      throw invalidDocument(`"organization" may only have "code" and "name", not "${key}"`, walker.line(node));
    }
    if (value === null) continue;
    if (typeof value !== 'string') throw invalidDocument(`"organization.${key}" must be a text`, walker.line(node));
    if (hasLoneSurrogate(value)) throw invalidDocument(`"organization.${key}" ${LONE_SURROGATE_MESSAGE}`, walker.line(node));
    organization[key] = value;
  }
  return organization;
}

export function readYaml(text: string, maxRows?: number, isChildrenKey: (key: string) => boolean = isDefaultChildrenKey): DocumentInput {
  const deepLine = findExcessiveNesting(text);
  if (deepLine !== undefined) throw tooDeep(deepLine);

  const lineCounter = new LineCounter();
  // YAML 1.2 core schema; merge keys off (`<<` is an ordinary key); equal keys are an error.
  const doc = parseDocument(text, { lineCounter, merge: false, uniqueKeys: true, version: '1.2', schema: 'core' });
  if (doc.errors.length > 0) throw syntaxError(doc, text);
  const walker = new Walker(doc, lineCounter);

  const root = walker.resolve(doc.contents);
  let items: unknown[];
  let listDepth = 1;
  let organization: OrganizationRef | undefined;
  const isEmpty = (node: unknown): boolean => node === null || node === undefined || (isScalar(node) && node.value === null);
  if (isEmpty(root)) return { columns: [], records: iterate([]) }; // nothing, only comments, a bare `---` or `~`
  if (isSeq(root)) {
    items = root.items;
  } else if (isMap(root)) {
    let list: unknown;
    for (const pair of root.items) {
      const key = walker.key(pair.key);
      if (key === 'departments') list = walker.resolve(pair.value) ?? null;
      else if (key === 'organization') organization = readOrganization(walker, pair.value);
      else throw unexpectedWrapperKey(key, walker.line(pair.key));
    }
    if (list === undefined) throw invalidDocument(`the document has no "departments" list; ${SHAPE_HINT}`, walker.line(root));
    if (isEmpty(list)) items = []; // `departments:` with nothing under it
    else if (isSeq(list)) items = list.items;
    else throw invalidDocument('"departments" must be a list of departments', walker.line(list));
    listDepth = 2;
  } else {
    throw invalidDocument(`the document is a single value; ${SHAPE_HINT}`, walker.line(root));
  }

  const columns = new Set<string>();
  const records: SourceRecord[] = [];
  /** Emits a department and, after it, its nested children (pre-order), each with the index of its parent. */
  const emit = (item: unknown, depth: number, nestedIn: number | undefined, what: (line: number, kind: string) => FileError): void => {
    const row = walker.line(item) ?? 1;
    const department = walker.resolve(item);
    if (!isMap(department)) {
      const kind = isSeq(department) ? 'a list' : isScalar(department) && department.value !== null ? 'a single value' : 'empty';
      throw what(row, kind);
    }
    if (depth > MAX_DEPTH) throw tooDeep(row);
    if (maxRows !== undefined && records.length >= maxRows) throw rowLimitExceeded(maxRows, row);
    const values = nullObject();
    let children: { key: string; node: unknown } | undefined;
    for (const pair of department.items) {
      const key = walker.key(pair.key);
      // The yaml package rejects equal keys; `1:` and `"1":` only collide once both are text.
      if (Object.hasOwn(values, key) || children?.key === key) {
        throw new FileError('YAML_SYNTAX_ERROR', `the key "${key}" appears twice in the same mapping`, walker.line(pair.key));
      }
      if (isChildrenKey(key)) {
        if (children !== undefined) {
          throw invalidDocument(`the department has both "${children.key}" and "${key}"; nest its children under one of them`, walker.line(pair.key));
        }
        children = { key, node: pair.value };
        continue;
      }
      values[key] = walker.field(pair.value, depth + 1);
    }
    const index = records.length;
    records.push(nestedIn === undefined ? { row, values } : { row, values, nestedIn });
    addColumns(columns, Object.keys(values));
    if (children === undefined) return;
    const list = walker.resolve(children.node);
    if (list === null || list === undefined || (isScalar(list) && list.value === null)) return; // `children:` with nothing
    if (!isSeq(list)) throw notAChildList(children.key, walker.line(children.node) ?? row);
    const key = children.key;
    list.items.forEach((child, i) => emit(child, depth + 2, index, (line, kind) => notAChild(key, i, line, kind)));
  };
  items.forEach((item, index) => emit(item, listDepth + 1, undefined, (line, kind) => notADepartment(index, line, kind)));
  return { columns: [...columns], organization, records: iterate(records) };
}
