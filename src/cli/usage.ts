/**
 * How a usage error reads: one line saying what was wrong and the hint to the
 * command's own help (`orgsync import --help`), never the whole help text,
 * which pushes the one line that matters off the screen.
 */
import type { Command } from 'commander';

/** The deepest command the words of argv name (`org list` → the `list` under `org`). */
export function commandNamed(program: Command, argv: readonly string[]): Command {
  let current = program;
  for (const word of argv.slice(2)) {
    if (word === '--') break;
    if (word.startsWith('-')) continue;
    const sub = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    current = sub;
  }
  return current;
}

/** `orgsync import --help`: the name path from the program down to `command`. */
export function helpHint(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return `${names.join(' ')} --help`;
}

/** The one-line usage error and its hint, as written on stderr. */
export function usageLine(message: string, hint: string): string {
  return `orgsync: ${message.replace(/^error: /, '')}\n(see ${hint})\n`;
}
