/**
 * Who the department history records for a change made from this command
 * line: `cli:<os user>`. The operating system's account name is what an
 * operator can check against a login record; it is not an authentication.
 */
import { userInfo } from 'node:os';

export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry for the uid (some containers): still say it came from the CLI.
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
