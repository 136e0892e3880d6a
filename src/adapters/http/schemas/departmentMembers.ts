/** Schemas of a department's members routes. */
import { z } from 'zod';

export const MemberParams = z.object({ org: z.string().min(1).max(191), id: z.string().min(1).max(64) });
export const MemberUserParams = MemberParams.extend({ userId: z.string().min(1).max(191) });

export const AddMemberBody = z.strictObject({
  user_id: z.unknown().describe('The user id: non-empty text, at most 191 characters, no control or invisible characters.'),
});

export const ListMembersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1-500.'),
  cursor: z.string().min(1).max(512).optional().describe('The `next_cursor` of the previous page.'),
});

export const Member = z.strictObject({
  user_id: z.string(),
  department_id: z.string(),
  added_at: z.string(),
});

export const MemberList = z.strictObject({
  data: z.array(Member),
  pagination: z.strictObject({ limit: z.int().positive(), has_more: z.boolean(), next_cursor: z.string().nullable() }),
});
