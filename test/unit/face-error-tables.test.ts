/**
 * The seed faces' error tables (clients API, HR app): each maps every code of
 * the registry (row and thrown codes) and of the HTTP layer, in one table, to
 * a status and an envelope that parses with the face's documented error
 * schema; a 5xx never shows the server's own message; an unknown code falls
 * back to its status.
 */
import { describe, expect, it } from 'vitest';
import { CLIENTS_ERRORS, clientsEnvelope } from '../../src/adapters/http/clientsFacePresenter.js';
import { ApiError, HTTP_STATUS_OF } from '../../src/adapters/http/errors.js';
import { answerFor, FACE_HTTP_CODES, type FaceAnswer, type FaceErrorTable } from '../../src/adapters/http/faceScope.js';
import { HR_ERRORS, hrEnvelope } from '../../src/adapters/http/hrFacePresenter.js';
import { ClientsErrorBody } from '../../src/adapters/http/schemas/clientsFace.js';
import { HrErrorBody } from '../../src/adapters/http/schemas/hrFace.js';
import { ROW_ERROR_CODES, THROWN_ERROR_CODES } from '../../src/core/errors.js';

const ALL_CODES = [...Object.keys(ROW_ERROR_CODES), ...THROWN_ERROR_CODES, ...FACE_HTTP_CODES];
const SECRET = 'connect ECONNREFUSED 10.0.0.7:3306 (password=hunter2)';

const faces: [string, FaceErrorTable, (a: FaceAnswer, e: ApiError) => unknown, { safeParse(v: unknown): { success: boolean } }][] = [
  ['clients API', CLIENTS_ERRORS, clientsEnvelope, ClientsErrorBody],
  ['HR app', HR_ERRORS, hrEnvelope, HrErrorBody],
];

describe.each(faces)('the %s face error table', (_name, table, envelope, schema) => {
  it('maps every registry and HTTP-layer code, to an envelope of the documented shape', () => {
    expect(Object.keys(table).filter((k) => k !== 'fallback').sort()).toEqual([...new Set(ALL_CODES)].sort());
    for (const code of ALL_CODES) {
      const status = (HTTP_STATUS_OF as Record<string, number>)[code] ?? 400;
      const error = new ApiError(status, code, SECRET, { field: 'name', name: 'Engineering' });
      const answer = answerFor(table, error);
      expect(answer.status, code).toBeGreaterThanOrEqual(400);
      const body = envelope(answer, error);
      expect(schema.safeParse(body).success, `${code}: ${JSON.stringify(body)}`).toBe(true);
      // ORGANIZATION_BUSY keeps the house message, which names only the organization asked for (errors.ts).
      if (answer.status >= 500 && code !== 'ORGANIZATION_BUSY') expect(JSON.stringify(body), code).not.toContain('hunter2');
    }
  });

  it('answers ORGANIZATION_BUSY 503 and an unknown code by its status', () => {
    expect(answerFor(table, new ApiError(503, 'ORGANIZATION_BUSY', 'busy')).status).toBe(503);
    expect(answerFor(table, new ApiError(409, 'SOMETHING_NEW', 'x')).status).toBeGreaterThanOrEqual(400);
    expect(answerFor(table, new ApiError(500, 'SOMETHING_NEW', SECRET)).message).toBeDefined();
  });
});
