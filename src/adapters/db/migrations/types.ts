import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';

/**
 * A migration written for both dialects. `dialect` is passed in rather than
 * sniffed from the knex client so that each migration states its differences.
 */
export interface OrgsyncMigration {
  /** Sorts in application order; never rename one that has shipped (knex records it). */
  name: string;
  /** `note`: what the migration did to stored data, for the operator (`orgsync migrate` prints it). */
  up(knex: Knex, dialect: Dialect, note?: MigrationNote): Promise<void>;
  down(knex: Knex, dialect: Dialect): Promise<void>;
}

/** A line for the operator about what a migration changed in stored data (not its schema). */
export type MigrationNote = (text: string) => void;
