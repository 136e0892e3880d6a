/**
 * The Authing face's one error table: every house code (row codes, thrown
 * codes, the HTTP layer's, this face's own) to the document's `statusCode`
 * (the business status) and `apiCode` (the "segmented error code", carried in
 * FaceAnswer.code as its digits).
 *
 * apiCodes are orgsync's, not Authing's list: the business status times 100
 * plus a number per cause (40901 a name conflict, 40902 a duplicate code...),
 * so a client can branch on the cause; docs/api.md lists them.
 *
 * As the Authing API does (its SDK's own tests read `statusCode` 400 and 404
 * from answers, not from exceptions), a refused request is answered with HTTP
 * 200 and the status in the body. Only what a generic HTTP client or proxy
 * must see keeps its HTTP status: 429 (with Retry-After) and 5xx, 503
 * ORGANIZATION_BUSY included.
 */
import type { ApiError } from './errors.js';
import { type FaceAnswer, type FaceErrorTable, everyRowCode, everyThrownCode } from './faceScope.js';

/** Codes only this face raises (authingAuth.ts, routes/authingFace.ts). */
export const AUTHING_CODES = ['REQUEST_DATE_OUT_OF_WINDOW', 'NONCE_REUSED', 'AUTHING_KEYS_NOT_CONFIGURED', 'UNSUPPORTED_ID_TYPE'] as const;
type AuthingCode = (typeof AUTHING_CODES)[number];

const answer = (status: number, apiCode: number, message?: string): FaceAnswer => ({ status, code: String(apiCode), ...(message ? { message } : {}) });

const byStatus = (status: number): FaceAnswer => answer(status, status * 100);

export const AUTHING_ERRORS: FaceErrorTable & Record<AuthingCode, FaceAnswer> = {
  ...everyRowCode(answer(400, 40001)),
  ...everyThrownCode(byStatus),
  // The row codes a client acts on differently.
  DEPARTMENT_NAME_CONFLICT: answer(409, 40901),
  DUPLICATE_CODE: answer(409, 40902),
  DUPLICATE_OPEN_DEPARTMENT_ID: answer(409, 40903),
  PARENT_NOT_FOUND: answer(404, 40403),
  CYCLE_DETECTED: answer(409, 40905),
  SELF_PARENT: answer(409, 40905),
  DEPTH_EXCEEDED: answer(400, 40010),
  // Thrown codes this face meets.
  ORGANIZATION_NOT_FOUND: answer(404, 40401),
  INVALID_ORGANIZATION_CODE: answer(400, 40002),
  INVALID_CURSOR: answer(400, 40003),
  ORGANIZATION_BUSY: answer(503, 50301),
  // The HTTP layer's.
  UNAUTHORIZED: answer(401, 40101),
  REQUEST_DATE_OUT_OF_WINDOW: answer(401, 40102),
  NONCE_REUSED: answer(401, 40103),
  INSUFFICIENT_ROLE: answer(403, 40301),
  CLIENT_ACCESS_DENIED: answer(403, 40301),
  ORGANIZATION_ADMIN_REQUIRED: answer(403, 40301),
  OPERATOR_TOKEN_HAS_NO_ORGANIZATION: answer(403, 40301),
  VALIDATION_ERROR: answer(400, 40001),
  UNKNOWN_FIELD: answer(400, 40004),
  UNKNOWN_PARAMETER: answer(400, 40004),
  UNSUPPORTED_ID_TYPE: answer(400, 40005),
  INVALID_JSON: answer(400, 40006),
  INVALID_CONTENT_LENGTH: answer(400, 40006),
  BAD_REQUEST: answer(400, 40000),
  PAYLOAD_TOO_LARGE: answer(413, 41300),
  UNSUPPORTED_MEDIA_TYPE: answer(415, 41500),
  ROUTE_NOT_FOUND: answer(404, 40400),
  DEPARTMENT_NOT_FOUND: answer(404, 40402),
  DEPARTMENT_HAS_CHILDREN: answer(409, 40904),
  PARENT_INACTIVE: answer(409, 40906),
  RATE_LIMITED: answer(429, 42900),
  AUTHING_KEYS_NOT_CONFIGURED: answer(500, 50001, 'This server cannot check Authing signatures: ask its operator (ORGSYNC_SECRET_KEY).'),
  fallback: byStatus,
};

/** The HTTP status of an answer: 200 for a refusal the body describes; 429 and 5xx as they are. */
export function httpStatusOf(answer: FaceAnswer): number {
  return answer.status === 429 || answer.status >= 500 ? answer.status : 200;
}

/** The document's envelope of a refusal: `data` is null, `apiCode` the cause. */
export function authingEnvelope(answer: FaceAnswer, error: ApiError, requestId: string) {
  return { statusCode: answer.status, message: answer.message ?? error.message, apiCode: Number(answer.code), requestId, data: null };
}
