/**
 * orgsync webhook add|list|remove|deliveries: an organization's webhooks,
 * told when its runs end (src/app/webhooks.ts). The secret is printed once,
 * when the webhook is added, and never again.
 */
import type { Command } from 'commander';
import { findOrganization, listOrganizations } from '../../app/organizations.js';
import type { Repositories, WebhooksPort } from '../../app/ports.js';
import { addWebhook, findWebhook, removeWebhook, WEBHOOK_EVENTS } from '../../app/webhooks.js';
import { UsageError, withRepositories } from '../context.js';
import { formatTime, renderTable } from '../table.js';

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

interface AddFlags {
  org: string;
  url: string;
  events: string;
  secretFromEnv?: string;
  json?: boolean;
}

/** The database's repositories always have the webhooks port; only a use case's test fake may leave it out. */
function webhooksIn(repos: Repositories): WebhooksPort {
  if (!repos.webhooks) throw new Error('this database has no webhooks store');
  return repos.webhooks;
}

function secretFrom(variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const value = process.env[variable];
  if (value === undefined || value === '') throw new UsageError(`--secret-from-env ${variable}: the variable is not set`);
  return value;
}

export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description("an organization's webhooks: told when its runs complete, fail or need approval");

  webhook
    .command('add')
    .description('add a webhook; its signing secret is printed once unless --secret-from-env gives it')
    .requiredOption('--org <code>', 'the organization whose runs it is told about')
    .requiredOption('--url <url>', 'the receiver (http or https; not a private address)')
    .option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(',')}`, WEBHOOK_EVENTS.join(','))
    .option('--secret-from-env <VAR>', 'take the signing secret from this environment variable (at least 16 characters)')
    .option('--json', 'print { "id", "secret" } (secret only when generated)')
    .action(async (flags: AddFlags) => {
      const secret = secretFrom(flags.secretFromEnv);
      await withRepositories(async (repos, config) => {
        const added = await addWebhook(
          { organizations: repos.organizations, webhooks: webhooksIn(repos) },
          { organizationCode: flags.org, url: flags.url, events: flags.events, ...(secret === undefined ? {} : { secret }), allowPrivateNetworks: config.sources.allowPrivateNetworks },
        );
        const { webhook: w } = added;
        if (flags.json) return print(JSON.stringify({ id: w.id, url: w.url, events: w.events, ...(added.generated ? { secret: added.secret } : {}) }));
        print(`added webhook ${w.id} for ${flags.org}: ${w.events.join(', ')} -> ${w.url}`);
        if (!added.generated) return print(`signing with the secret from ${flags.secretFromEnv}`);
        print('');
        print(`  ${added.secret}`);
        print('');
        print('Store this signing secret now: it is not shown again (docs/operations.md shows how to check a signature).');
      });
    });

  webhook
    .command('list')
    .description('list webhooks (never their secrets)')
    .option('--org <code>', 'only this organization')
    .option('--json', 'print JSON')
    .action(async (flags: { org?: string; json?: boolean }) => {
      await withRepositories(async (repos) => {
        const orgs = await listOrganizations(repos);
        const org = flags.org === undefined ? undefined : orgs.find((o) => o.code === flags.org);
        if (flags.org !== undefined && !org) throw new UsageError(`organization "${flags.org}" does not exist`);
        const all = await webhooksIn(repos).list(org?.id);
        const codeOf = (id: string) => orgs.find((o) => o.id === id)?.code ?? id;
        if (flags.json) return print(JSON.stringify(all.map((w) => ({ ...w, organization: codeOf(w.organizationId) }))));
        if (all.length === 0) return print('no webhooks');
        print(
          renderTable(
            [
              { header: 'ID', value: (w) => w.id },
              { header: 'ORG', value: (w) => codeOf(w.organizationId) },
              { header: 'EVENTS', value: (w) => w.events.join(',') },
              { header: 'URL', value: (w) => w.url },
              { header: 'CREATED', value: (w) => formatTime(w.createdAt) },
            ],
            all,
          ),
        );
      });
    });

  webhook
    .command('remove')
    .description('remove a webhook and its delivery log')
    .argument('<id>', 'the webhook id (whk_...)')
    .action(async (id: string) => {
      await withRepositories(async (repos) => {
        await removeWebhook(webhooksIn(repos), id);
        print(`removed webhook ${id}`);
      });
    });

  webhook
    .command('deliveries')
    .description('the delivery log: each delivery with its attempts (status code, duration, error, next attempt)')
    .option('--org <code>', 'only this organization')
    .option('--webhook <id>', 'only this webhook')
    .option('--limit <n>', 'the newest N deliveries', '50')
    .option('--json', 'print JSON')
    .action(async (flags: { org?: string; webhook?: string; limit: string; json?: boolean }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
      await withRepositories(async (repos) => {
        const store = webhooksIn(repos);
        const org = flags.org === undefined ? undefined : await findOrganization(repos, flags.org);
        if (flags.org !== undefined && !org) throw new UsageError(`organization "${flags.org}" does not exist`);
        if (flags.webhook !== undefined) await findWebhook(store, flags.webhook);
        const found = await store.deliveries({ ...(org ? { organizationId: org.id } : {}), ...(flags.webhook ? { webhookId: flags.webhook } : {}), limit });
        if (flags.json) return print(JSON.stringify(found));
        if (found.length === 0) return print('no deliveries');
        print(
          renderTable(
            [
              { header: 'DELIVERY', value: (d) => d.id },
              { header: 'WEBHOOK', value: (d) => d.webhookId },
              { header: 'RUN', value: (d) => d.runId },
              { header: 'EVENT', value: (d) => d.event },
              { header: 'STATUS', value: (d) => d.status },
              { header: 'ATTEMPTS', value: (d) => d.log.map((a) => `${a.statusCode ?? '-'} ${a.durationMs}ms${a.error ? ` (${a.error})` : ''}`).join('; ') || '-' },
              { header: 'NEXT', value: (d) => formatTime(d.log.at(-1)?.nextAttemptAt) },
            ],
            found,
          ),
        );
      });
    });
}
