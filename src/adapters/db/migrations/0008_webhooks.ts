/**
 * Webhooks (issue 13, "Told, not polled").
 *
 * webhooks: one subscription of an organization (URL, events, secret).
 * webhook_deliveries: one event for one webhook (its JSON body, frozen when
 * the run ended, so a retry sends the same bytes) and where it stands.
 * webhook_attempts: each try of a delivery (status code, duration, error, when
 * the next try is due): the delivery log `orgsync webhook deliveries` shows.
 *
 * The secret is stored as given (the HMAC needs it in clear at delivery time);
 * it is never returned by the CLI or the API after creation and never logged.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  const mysqlTable = (t: Knex.CreateTableBuilder) => {
    if (dialect !== 'mysql') return;
    t.engine('InnoDB');
    t.charset('utf8mb4');
    t.collate('utf8mb4_unicode_ci');
  };
  await knex.schema.createTable(TABLES.webhooks, (t) => {
    mysqlTable(t);
    t.specificType('id', type.binaryText(32)).notNullable().primary(); // whk_ + ULID
    t.specificType('organization_id', type.binaryText(32)).notNullable().references('id').inTable(TABLES.organizations).onDelete('CASCADE');
    t.text('url').notNullable();
    t.specificType('events', type.json).notNullable();
    t.specificType('secret', type.binaryText(255)).notNullable();
    t.specificType('created_at', type.datetime).notNullable();
    t.index(['organization_id'], 'webhooks_org_idx');
  });
  await knex.schema.createTable(TABLES.webhookDeliveries, (t) => {
    mysqlTable(t);
    t.specificType('id', type.binaryText(32)).notNullable().primary(); // whd_ + ULID
    t.specificType('webhook_id', type.binaryText(32)).notNullable().references('id').inTable(TABLES.webhooks).onDelete('CASCADE');
    t.specificType('organization_id', type.binaryText(32)).notNullable();
    t.specificType('run_id', type.binaryText(32)).notNullable();
    t.string('event', 64).notNullable();
    t.text('body').notNullable();
    // pending (not yet delivered, maybe not yet queued), delivered, failed (attempts exhausted or refused).
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.specificType('created_at', type.datetime).notNullable();
    // When a worker last put it on the queue; null: still to be queued (the dispatcher's question).
    t.specificType('enqueued_at', type.datetime).nullable();
    t.specificType('finished_at', type.datetime).nullable();
    t.index(['status', 'enqueued_at'], 'webhook_deliveries_status_idx');
    t.index(['webhook_id', 'created_at'], 'webhook_deliveries_webhook_idx');
    // One delivery per webhook, run and event, however many times the end of a run is announced.
    t.unique(['webhook_id', 'run_id', 'event'], { indexName: 'webhook_deliveries_once_uq' });
  });
  await knex.schema.createTable(TABLES.webhookAttempts, (t) => {
    mysqlTable(t);
    t.increments('id').primary();
    t.specificType('delivery_id', type.binaryText(32)).notNullable().references('id').inTable(TABLES.webhookDeliveries).onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.integer('status_code').nullable();
    t.integer('duration_ms').notNullable();
    t.text('error').nullable();
    t.specificType('at', type.datetime).notNullable();
    t.specificType('next_attempt_at', type.datetime).nullable();
    t.index(['delivery_id'], 'webhook_attempts_delivery_idx');
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLES.webhookAttempts);
  await knex.schema.dropTableIfExists(TABLES.webhookDeliveries);
  await knex.schema.dropTableIfExists(TABLES.webhooks);
}

export const webhooksMigration: OrgsyncMigration = { name: '0008_webhooks', up, down };
