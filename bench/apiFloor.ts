/**
 * The API floor of issue 12 (scenario 13 of `npm run bench`, bench/api.ts): the
 * least a create-department endpoint can do over HTTP against the same table.
 * Bare Fastify (no logging, validation, auth or schema) and a mysql2 pool of
 * 10 connections (orgsync's knex pool has 10 too); each request looks its
 * parent up by code through the (organization_id, code) unique index and
 * inserts one row, autocommit. The organization is resolved once at start-up.
 * Same path and body as orgsync's `POST /v1/organizations/{org}/departments`
 * (`name`, `code`, `parentDepartmentId` holding a code), so autocannon drives
 * both with the same requests.
 *
 *   DATABASE_URL=mysql://... BENCH_ORG=code PORT=n node --import tsx bench/apiFloor.ts
 *
 * Prints {"msg":"api floor ready"} once it listens (bench/services.ts waits for it).
 */
import Fastify from 'fastify';
import mysql from 'mysql2/promise';
import { newDepartmentId } from '../src/ids.js';

const url = process.env.DATABASE_URL;
const orgCode = process.env.BENCH_ORG;
if (!url || !orgCode) throw new Error('apiFloor needs DATABASE_URL and BENCH_ORG');

const pool = mysql.createPool({ uri: url, connectionLimit: 10, charset: 'utf8mb4', timezone: 'Z' });
const [orgs] = await pool.query<mysql.RowDataPacket[]>('SELECT id FROM organizations WHERE code = ?', [orgCode]);
const organizationId = orgs[0]?.id as string | undefined;
if (!organizationId) throw new Error(`no organization ${orgCode}`);

interface Body {
  name: string;
  code: string;
  parentDepartmentId: string;
}

const app = Fastify({ logger: false });
app.post('/v1/organizations/:org/departments', async (request, reply) => {
  const body = request.body as Body;
  const [parents] = await pool.execute<mysql.RowDataPacket[]>('SELECT id, path, depth FROM departments WHERE organization_id = ? AND code = ?', [
    organizationId,
    body.parentDepartmentId,
  ]);
  const parent = parents[0] as { id: string; path: string; depth: number } | undefined;
  if (!parent) return reply.code(404).send({ error: 'parent not found' });
  const id = newDepartmentId();
  await pool.execute(
    'INSERT INTO departments (id, organization_id, name, code, parent_id, path, depth, name_scope_key, created_at, updated_at) ' +
      "VALUES (?, ?, ?, ?, ?, ?, ?, '', NOW(3), NOW(3))",
    [id, organizationId, body.name, body.code, parent.id, `${parent.path}/${id}`, parent.depth + 1],
  );
  return reply.code(201).send({ id });
});

const close = () => {
  void app.close().then(() => pool.end()).then(() => process.exit(0));
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ msg: 'api floor ready' })}\n`);
