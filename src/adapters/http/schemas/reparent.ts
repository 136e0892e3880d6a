/** Schemas of the reparent route. */
import { z } from 'zod';

export const ReparentBody = z.strictObject({
  parent_id: z.string().min(1).max(191).nullable().describe('The new parent; null or `root` for the top level.'),
  departmentIdType: z.enum(['department_id', 'code', 'open_department_id']).default('department_id').describe('What parent_id names.'),
});

export const ReparentQuery = z.object({
  maxDepth: z.coerce.number().int().min(1).optional().describe('The depth limit (default 100 levels), as the importer\'s --max-depth.'),
});
