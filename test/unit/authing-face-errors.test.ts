/**
 * The Authing face's one error table (authingFaceErrors.ts): every registry
 * code, every HTTP-layer code and the face's own map to a business status and
 * an apiCode whose envelope parses with the documented failure schema; a
 * refusal keeps HTTP 200 (as the Authing API answers) except 429 and 5xx; a
 * 5xx never shows the server's own message.
 */
import { describe, expect, it } from 'vitest';
import { AUTHING_CODES, AUTHING_ERRORS, authingEnvelope, httpStatusOf } from '../../src/adapters/http/authingFaceErrors.js';
import { ApiError, HTTP_STATUS_OF } from '../../src/adapters/http/errors.js';
import { answerFor, FACE_HTTP_CODES } from '../../src/adapters/http/faceScope.js';
import { AuthingFailure } from '../../src/adapters/http/schemas/authingFace.js';
import { ROW_ERROR_CODES, THROWN_ERROR_CODES } from '../../src/core/errors.js';

const ALL_CODES = [...Object.keys(ROW_ERROR_CODES), ...THROWN_ERROR_CODES, ...FACE_HTTP_CODES, ...AUTHING_CODES];
const SECRET = 'connect ECONNREFUSED 10.0.0.7:3306 (password=hunter2)';

describe('the Authing face error table', () => {
  it('maps every code to a status, an apiCode of that status and an envelope of the documented shape', () => {
    expect(Object.keys(AUTHING_ERRORS).filter((k) => k !== 'fallback').sort()).toEqual([...new Set(ALL_CODES)].sort());
    for (const code of ALL_CODES) {
      const error = new ApiError((HTTP_STATUS_OF as Record<string, number>)[code] ?? 400, code, SECRET);
      const answer = answerFor(AUTHING_ERRORS, error);
      expect(answer.status, code).toBeGreaterThanOrEqual(400);
      expect(Math.floor(Number(answer.code) / 100), code).toBe(answer.status);
      const body = authingEnvelope(answer, error, 'req_1');
      expect(AuthingFailure.safeParse(body).success, code).toBe(true);
      expect(httpStatusOf(answer), code).toBe(answer.status === 429 || answer.status >= 500 ? answer.status : 200);
      if (answer.status >= 500 && code !== 'ORGANIZATION_BUSY' && code !== 'AUTHING_KEYS_NOT_CONFIGURED') {
        // The face shows the house's generic 5xx text (errors.ts toApiError), never a driver's message.
        expect(answer.message === undefined || !answer.message.includes('hunter2')).toBe(true);
      }
    }
  });

  it('gives the causes a client branches on their own apiCode', () => {
    const api = (code: string) => Number(answerFor(AUTHING_ERRORS, new ApiError(400, code, 'x')).code);
    expect([api('DEPARTMENT_NAME_CONFLICT'), api('DUPLICATE_CODE'), api('DUPLICATE_OPEN_DEPARTMENT_ID'), api('DEPARTMENT_HAS_CHILDREN')]).toEqual([40901, 40902, 40903, 40904]);
    expect([api('UNAUTHORIZED'), api('REQUEST_DATE_OUT_OF_WINDOW'), api('NONCE_REUSED'), api('INSUFFICIENT_ROLE')]).toEqual([40101, 40102, 40103, 40301]);
    expect(answerFor(AUTHING_ERRORS, new ApiError(418, 'SOMETHING_NEW', 'x'))).toMatchObject({ status: 418, code: '41800' });
  });
});
