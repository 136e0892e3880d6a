/**
 * The one definition of yes and no (src/core/boolish.ts) and the faces that use
 * it: import options, query fields and environment variables.
 */
import { describe, expect, it } from 'vitest';
import { booleanText, boolish, envFlag } from '../../src/core/boolish.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { loadConfig } from '../../src/config.js';

const REFUSED = ['yes', 'no', 'TRUE', 'False', 'on', 'ture', ' true', '2', '-1', 'null'];

describe('boolish', () => {
  it('accepts a boolean and the texts true/false/1/0, nothing else', () => {
    expect([true, false, 'true', 'false', '1', '0'].map((v) => boolish.parse(v))).toEqual([true, false, true, false, true, false]);
    for (const v of [...REFUSED, '', 1, 0, null, undefined]) expect({ v, ok: boolish.safeParse(v).success }).toEqual({ v, ok: false });
  });

  it('booleanText (query strings) takes the texts only', () => {
    expect(['true', 'false', '1', '0'].map((v) => booleanText.parse(v))).toEqual([true, false, true, false]);
    for (const v of [...REFUSED, '', true, false]) expect({ v, ok: booleanText.safeParse(v).success }).toEqual({ v, ok: false });
  });

  it('envFlag: unset or empty is off; otherwise a boolish text', () => {
    expect([undefined, '', 'false', '0', 'true', '1'].map((v) => envFlag.parse(v))).toEqual([false, false, false, false, true, true]);
    for (const v of REFUSED) expect({ v, ok: envFlag.safeParse(v).success }).toEqual({ v, ok: false });
  });

  it('means the same in import options and in the environment', () => {
    for (const [text, value] of [['true', true], ['1', true], ['false', false], ['0', false]] as const) {
      const options = parseImportOptions({ dryRun: text, atomic: text, createOrg: text });
      expect(options.ok && [options.value.dryRun, options.value.atomic, options.value.createOrg]).toEqual([value, value, value]);
      const config = loadConfig({ ORGSYNC_HTTP_TRUST_PROXY: text, ORGSYNC_SOURCE_ALLOW_PRIVATE: text });
      expect([config.http.trustProxy, config.sources.allowPrivateNetworks]).toEqual([value, value]);
    }
    expect(parseImportOptions({ dryRun: 'yes' }).ok).toBe(false);
    expect(() => loadConfig({ ORGSYNC_HTTP_TRUST_PROXY: 'yes' })).toThrow(/ORGSYNC_HTTP_TRUST_PROXY/);
    const unset = loadConfig({ ORGSYNC_HTTP_TRUST_PROXY: '' });
    expect([unset.http.trustProxy, unset.sources.allowPrivateNetworks]).toEqual([false, false]);
  });
});
