/**
 * The clients API face (seed 001) in its own words: the Department object
 * `{ id, name, description, member_count, created_at, updated_at }`, and the
 * ONE table that turns every house error code into the document's status and
 * `{ "error": { "code", "message", "details" } }` envelope.
 */
import type { DepartmentView } from '../../app/ports.js';
import type { ApiError, Details } from './errors.js';
import { everyRowCode, everyThrownCode, type FaceAnswer, type FaceErrorTable } from './faceScope.js';
import type { ClientsDepartment, ClientsErrorBody } from './schemas/clientsFace.js';

export function toClientsDepartment(d: Pick<DepartmentView, 'id' | 'name' | 'description' | 'memberCount' | 'createdAt' | 'updatedAt'>): ClientsDepartment {
  return { id: d.id, name: d.name, description: d.description, member_count: d.memberCount, created_at: d.createdAt, updated_at: d.updatedAt };
}

const field = (e: ApiError): Details | undefined => (typeof e.details.field === 'string' ? { field: e.details.field } : undefined);
const value = (key: string) => (e: ApiError): Details => ({ [key]: e.details[key] ?? null });

/** The document's codes, by status: a code no row of the table names gets these. */
function byStatus(status: number): FaceAnswer {
  if (status === 503) return { status, code: 'service_unavailable', message: 'The service is busy; retry later.' };
  if (status >= 500) return { status: 500, code: 'server_error', message: 'Server error' };
  const codes: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'payload_too_large',
    414: 'uri_too_long',
    415: 'unsupported_media_type',
    429: 'rate_limited',
  };
  return { status, code: codes[status] ?? 'invalid_request', details: field };
}

const invalid: FaceAnswer = { status: 400, code: 'invalid_request', details: field };
const forbidden = (message: string): FaceAnswer => ({ status: 403, code: 'forbidden', message });

export const CLIENTS_ERRORS: FaceErrorTable = {
  ...everyThrownCode(byStatus),
  ...everyRowCode(invalid),
  // The document's two examples, word for word.
  NAME_REQUIRED: { status: 400, code: 'invalid_request', message: 'Department name is required', details: () => ({ field: 'name' }) },
  DEPARTMENT_NAME_CONFLICT: { status: 409, code: 'conflict', message: 'A department with this name already exists', details: value('name') },
  DUPLICATE_CODE: { status: 409, code: 'conflict', message: 'A department with this code already exists', details: value('code') },
  DUPLICATE_OPEN_DEPARTMENT_ID: { status: 409, code: 'conflict', message: 'A department with this openDepartmentId already exists', details: value('openDepartmentId') },
  ORGANIZATION_NOT_FOUND: { status: 404, code: 'not_found', message: 'Client not found', details: value('client_id') },
  ORGANIZATION_BUSY: { status: 503, code: 'service_unavailable' },
  UNAUTHORIZED: { status: 401, code: 'unauthorized', message: 'Authentication required' },
  INSUFFICIENT_ROLE: forbidden('Insufficient permissions for this client: this token may only read'),
  CLIENT_ACCESS_DENIED: forbidden('Insufficient permissions for this client'),
  ORGANIZATION_ADMIN_REQUIRED: forbidden('Insufficient permissions for this client'),
  OPERATOR_TOKEN_HAS_NO_ORGANIZATION: forbidden('Insufficient permissions for this client'),
  VALIDATION_ERROR: invalid,
  UNKNOWN_FIELD: invalid,
  UNKNOWN_PARAMETER: invalid,
  INVALID_JSON: invalid,
  INVALID_CONTENT_LENGTH: invalid,
  BAD_REQUEST: invalid,
  PAYLOAD_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  ROUTE_NOT_FOUND: { status: 404, code: 'not_found' },
  DEPARTMENT_NOT_FOUND: { status: 404, code: 'not_found', message: 'Department not found', details: value('department_id') },
  DEPARTMENT_HAS_CHILDREN: { status: 409, code: 'conflict', message: 'The department has sub-departments; remove them first', details: value('department_id') },
  PARENT_INACTIVE: { status: 409, code: 'conflict', details: value('department_id') },
  RATE_LIMITED: { status: 429, code: 'rate_limited' },
  fallback: byStatus,
};

export function clientsEnvelope(answer: FaceAnswer, error: ApiError): ClientsErrorBody {
  const details = (answer.details ?? field)(error);
  return { error: { code: answer.code, message: answer.message ?? error.message, ...(details ? { details } : {}) } };
}
