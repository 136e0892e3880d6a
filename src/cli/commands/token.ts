/**
 * `orgsync token create|revoke|list`: API tokens for `orgsync serve`.
 */
import type { Command } from 'commander';
import { apiTokensRepo, organizationsRepo } from '../../adapters/db/index.js';
import { createToken, TokenSetupError } from '../../app/tokens.js';
import { UsageError, withDatabase } from '../context.js';

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage API tokens for the HTTP server');

  token
    .command('create')
    .description('create a token; it is printed once and only its hash is stored')
    .option('--org <code>', 'the organization the token acts for (required unless --admin)')
    .option('--admin', 'may act on every organization and open the queue dashboard')
    .option('--name <name>', 'a label, to recognise the token in `token list`')
    .option('--json', 'print { "id", "token" }')
    .action(async (flags: { org?: string; admin?: boolean; name?: string; json?: boolean }) => {
      await withDatabase(async (db) => {
        try {
          const created = await createToken(db, { organizationCode: flags.org, isAdmin: flags.admin ?? false, name: flags.name });
          if (flags.json) return print(JSON.stringify({ id: created.id, token: created.token }));
          const scope = created.isAdmin ? 'admin (every organization, dashboard)' : `organization ${created.organization!.code}`;
          print(`created token ${created.id} "${created.name}" for ${scope}`);
          print('');
          print(`  ${created.token}`);
          print('');
          print('Store it now: it is not shown again. Use it as `Authorization: Bearer <token>`.');
        } catch (err) {
          if (err instanceof TokenSetupError) throw new UsageError(err.message);
          throw err;
        }
      });
    });

  token
    .command('revoke <id>')
    .description('revoke a token by its id (tok_...); requests with it get 401 from then on')
    .action(async (id: string) => {
      await withDatabase(async (db) => {
        if (!(await apiTokensRepo(db).revoke(id))) throw new UsageError(`no active token ${id}`);
        print(`revoked token ${id}`);
      });
    });

  token
    .command('list')
    .description('list tokens (ids and labels; secrets are never stored)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withDatabase(async (db) => {
        const tokens = await apiTokensRepo(db).list();
        const codes = new Map((await organizationsRepo(db).list()).map((o) => [o.id, o.code]));
        const rows = tokens.map(({ secretSha256: _hash, ...t }) => ({ ...t, organizationCode: t.organizationId ? (codes.get(t.organizationId) ?? null) : null }));
        if (flags.json) return print(JSON.stringify(rows));
        if (rows.length === 0) return print('no tokens yet: orgsync token create --org CODE');
        for (const t of rows) {
          const scope = t.isAdmin ? 'admin' : `org ${t.organizationCode ?? t.organizationId}`;
          print(`${t.id}\t${t.name}\t${scope}\t${t.createdAt}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}`);
        }
      });
    });
}
