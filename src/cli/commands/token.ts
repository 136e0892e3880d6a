/**
 * `orgsync token create|revoke|list`: API tokens for `orgsync serve`.
 */
import type { Command } from 'commander';
import { createAuthingKey } from '../../app/authingKeys.js';
import { createToken, listTokens, revokeToken, TokenSetupError } from '../../app/tokens.js';
import { isTokenRole, TOKEN_ROLES } from '../../core/tokenRoles.js';
import { UsageError, withRepositories } from '../context.js';
import { formatTime, renderTable } from '../table.js';

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
    .option('--role <role>', `what an organization token may do: ${TOKEN_ROLES.join('|')} (default write; admin may also approve held runs)`)
    .option('--can-approve', 'this token may approve runs held for approval (orgsync approve / POST .../approve)')
    .option('--name <name>', 'a label, to recognise the token in `token list`')
    .option('--authing', 'an access key pair for the Authing SDK face (/api/v3): needs --org and ORGSYNC_SECRET_KEY')
    .option('--json', 'print { "id", "token", "role", "canApprove" } (with --authing: { "id", "accessKeyId", "accessKeySecret" })')
    .action(async (flags: { org?: string; admin?: boolean; role?: string; canApprove?: boolean; name?: string; json?: boolean; authing?: boolean }) => {
      if (flags.role !== undefined && !isTokenRole(flags.role)) throw new UsageError(`--role must be one of ${TOKEN_ROLES.join(', ')}, not "${flags.role}"`);
      const role = flags.role;
      await withRepositories(async (repos, cfg) => {
        try {
          if (flags.authing) {
            const key = await createAuthingKey(repos, { organizationCode: flags.org, isAdmin: flags.admin ?? false, name: flags.name, canApprove: flags.canApprove ?? false, ...(role ? { role } : {}) }, cfg.http.secretKey);
            if (flags.json) return print(JSON.stringify({ id: key.id, accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret }));
            print(`created Authing access key ${key.id} "${key.name}" for organization ${key.organization.code} (role ${key.role})`);
            print('');
            print(`  accessKeyId:     ${key.accessKeyId}`);
            print(`  accessKeySecret: ${key.accessKeySecret}`);
            print('');
            print('Store the secret now: it is not shown again. Use both with the Authing SDK: new ManagementClient({ accessKeyId, accessKeySecret, host }).');
            return;
          }
          const created = await createToken(repos, { organizationCode: flags.org, isAdmin: flags.admin ?? false, name: flags.name, ...(role ? { role } : {}), ...(flags.canApprove ? { canApprove: true } : {}) });
          if (flags.json) return print(JSON.stringify({ id: created.id, token: created.token, role: created.role, canApprove: created.canApprove }));
          const may = `role ${created.role}${created.canApprove ? ', may approve' : ''}`;
          const scope = created.isAdmin ? 'admin (every organization, dashboard)' : `organization ${created.organization!.code} (${may})`;
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
      await withRepositories(async (repos) => {
        if (!(await revokeToken(repos, id))) throw new UsageError(`no active token ${id}`);
        print(`revoked token ${id}`);
      });
    });

  token
    .command('list')
    .description('list tokens (ids and labels; secrets are never stored)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withRepositories(async (repos) => {
        const rows = await listTokens(repos);
        if (flags.json) return print(JSON.stringify(rows));
        if (rows.length === 0) return print('no tokens yet: orgsync token create --org CODE');
        print(
          renderTable(
            [
              { header: 'ID', value: (t) => t.id },
              { header: 'NAME', value: (t) => t.name },
              { header: 'SCOPE', value: (t) => (t.isAdmin ? 'admin' : `org ${t.organizationCode ?? t.organizationId}`) },
              { header: 'ROLE', value: (t) => (t.isAdmin ? 'admin' : `${t.role}${t.canApprove ? ' +approve' : ''}`) },
              { header: 'CREATED', value: (t) => formatTime(t.createdAt) },
              { header: 'STATUS', value: (t) => (t.revokedAt ? `revoked ${formatTime(t.revokedAt)}` : 'active') },
            ],
            rows,
          ),
        );
      });
    });
}
