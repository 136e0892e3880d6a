/**
 * The job registry: every job name the app layer adds (ALL_JOB_NAMES) mapped
 * to its one processor. A worker refuses to start if a name has no processor
 * or two, or a processor answers to a name nobody adds: such a worker would
 * fail or silently drop real jobs.
 */
import { ALL_JOB_NAMES, type JobName } from '../src/app/jobContracts.js';
import { deliverWebhook } from './deliverWebhook.js';
import { pruneHistoryJob } from './pruneHistory.js';
import { importDepartments } from './importDepartments.js';
import { retryFailedRows } from './retryFailedRows.js';
import { syncSource } from './syncSource.js';
import type { AnyJobDefinition } from './types.js';
import { OrgsyncError } from '../src/core/errors.js';

export type { AnyJobDefinition, JobDefinition, JobDeps, Processor } from './types.js';

export const JOBS: readonly AnyJobDefinition[] = [importDepartments, syncSource, retryFailedRows, deliverWebhook, pruneHistoryJob];

export class JobRegistryError extends OrgsyncError {
  override readonly name = 'JobRegistryError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('JOB_REGISTRY_INVALID', message, { ...options });
  }
}

export function buildRegistry(
  definitions: readonly AnyJobDefinition[] = JOBS,
  expected: readonly string[] = ALL_JOB_NAMES,
): ReadonlyMap<JobName, AnyJobDefinition> {
  const problems: string[] = [];
  const registry = new Map<JobName, AnyJobDefinition>();
  for (const name of expected) {
    const found = definitions.filter((d) => d.name === name);
    if (found.length === 0) problems.push(`job "${name}" has no processor`);
    else if (found.length > 1) problems.push(`job "${name}" has ${found.length} processors`);
    else registry.set(name as JobName, found[0]!);
  }
  for (const d of definitions) {
    if (!expected.includes(d.name)) problems.push(`processor for unknown job "${d.name}"`);
  }
  if (problems.length > 0) throw new JobRegistryError(`refusing to start the worker: ${problems.join('; ')}`);
  return registry;
}
