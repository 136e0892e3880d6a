import { describe, expect, it } from 'vitest';
import { colorsWanted, palette } from '../../src/cli/color.js';
import { duration, progressLine } from '../../src/cli/progress.js';
import { formatTime, renderTable } from '../../src/cli/table.js';
import { commandNamed, helpHint, usageLine } from '../../src/cli/usage.js';
import { Command } from 'commander';
import { logDestination } from '../../src/adapters/log.js';

describe('table renderer', () => {
  it('has a header and aligns every column to its widest cell', () => {
    const text = renderTable(
      [
        { header: 'CODE', value: (r: { code: string; n: number; name: string }) => r.code },
        { header: 'N', value: (r) => String(r.n), right: true },
        { header: 'NAME', value: (r) => r.name },
      ],
      [
        { code: 'zh', n: 5, name: 'Zürich' },
        { code: 'engineering', n: 120, name: 'Eng' },
      ],
    );
    expect(text.split('\n')).toEqual(['CODE           N  NAME', 'zh             5  Zürich', 'engineering  120  Eng']);
  });

  it('escapes control characters so data cannot move the cursor', () => {
    expect(renderTable([{ header: 'A', value: (r: string) => r }], ['x\x1b[2Jy'])).toBe('A\nx\\x1b[2Jy');
  });

  it('prints every time in one format (UTC, to the second)', () => {
    expect(formatTime('2026-12-04T18:48:24.123Z')).toBe('2026-12-04 18:48:24Z');
    expect(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02 03:04:05Z');
    expect(formatTime(null)).toBe('-');
  });
});

describe('colours', () => {
  it('only on a TTY, never with NO_COLOR or --no-color', () => {
    expect(colorsWanted({ isTTY: true, env: {}, argv: [] })).toBe(true);
    expect(colorsWanted({ isTTY: false, env: {}, argv: [] })).toBe(false);
    expect(colorsWanted({ isTTY: true, env: { NO_COLOR: '1' }, argv: [] })).toBe(false);
    expect(colorsWanted({ isTTY: true, env: { NO_COLOR: '' }, argv: [] })).toBe(true);
    expect(colorsWanted({ isTTY: true, env: {}, argv: ['node', 'orgsync', 'runs', '--no-color'] })).toBe(false);
    expect(colorsWanted({ isTTY: false, env: { FORCE_COLOR: '1' }, argv: [] })).toBe(true);
    expect(palette(false).red('x')).toBe('x');
    expect(palette(true).red('x')).toBe('\x1b[31mx\x1b[39m');
  });
});

describe('progress bar', () => {
  const clock = { phase: 'writing' as const, startedAt: 0 };
  it('shows the bar, the percentage, rows per second and the time left', () => {
    expect(progressLine({ phase: 'writing', rowsDone: 2500, rowsTotal: 10000 }, clock, 2000)).toBe(
      'writing   [######------------------]   25%  2,500 of 10,000 rows  1.3k rows/s  ~6s left',
    );
  });
  it('leaves the bar out when the total is not known yet', () => {
    expect(progressLine({ phase: 'reading', rowsDone: 5000 }, { phase: 'reading', startedAt: 0 }, 1000)).toBe('reading   5,000 rows  5.0k rows/s');
  });
  it('is full at the end and never over 100%', () => {
    expect(progressLine({ phase: 'writing', rowsDone: 12, rowsTotal: 10 }, clock, 0)).toContain('[########################]  100%');
  });
  it('writes durations a glance can read', () => {
    expect(duration(42)).toBe('42s');
    expect(duration(65)).toBe('1m05s');
    expect(duration(3720)).toBe('1h02m');
  });
});

describe('usage errors', () => {
  it('name the help of the command that was called', () => {
    const program = new Command().name('orgsync');
    program.command('import <file>');
    program.command('org').command('list');
    expect(helpHint(commandNamed(program, ['node', 'orgsync', 'import', '--bogus']))).toBe('orgsync import --help');
    expect(helpHint(commandNamed(program, ['node', 'orgsync', 'org', 'list', '-x']))).toBe('orgsync org list --help');
    expect(helpHint(commandNamed(program, ['node', 'orgsync', 'nope']))).toBe('orgsync --help');
    expect(usageLine("error: unknown option '--bogus'", 'orgsync import --help')).toBe("orgsync: unknown option '--bogus'\n(see orgsync import --help)\n");
  });
});

describe('serve and worker logs', () => {
  it('are JSON lines unless a person watches stdout, then pino-pretty', async () => {
    expect(await logDestination({ isTTY: false }, {})).toBeUndefined();
    const pretty = await logDestination({ isTTY: true }, { NO_COLOR: '1' });
    expect(pretty).toBeDefined();
    expect(typeof pretty!.write).toBe('function');
  });
});
