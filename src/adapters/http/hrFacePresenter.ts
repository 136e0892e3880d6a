/**
 * The HR app face (seed 002) in its own words: the department as
 * `{ _id, name, description, parentId, createdAt, updatedAt, ... }`, and the
 * ONE table that turns every house error code into the document's status and
 * `{ "error": { "code", "message" } }` envelope. The document knows 400
 * VALIDATION_ERROR (conflicts included), 401 UNAUTHORIZED (a missing or
 * invalid token, or insufficient permissions) and 500 SERVER_ERROR; the few
 * other statuses HTTP itself needs (413, 415, 429, 503) keep its style.
 */
import type { DepartmentView } from '../../app/ports.js';
import type { StoredDepartment } from '../../core/model.js';
import type { ApiError } from './errors.js';
import { everyRowCode, everyThrownCode, type FaceAnswer, type FaceErrorTable } from './faceScope.js';
import type { HrDepartment, HrErrorBody } from './schemas/hrFace.js';

type Shown = Pick<StoredDepartment, 'id' | 'name' | 'description' | 'code' | 'location' | 'parentId'>;

export function toHrDepartment(d: Shown & { createdAt: string; updatedAt: string }, parent: DepartmentView | undefined): HrDepartment {
  return {
    _id: d.id,
    name: d.name,
    description: d.description,
    code: d.code,
    location: d.location,
    parentId: d.parentId,
    parentDepartment: parent ? { _id: parent.id, name: parent.name, description: parent.description, code: parent.code } : null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** The document's words for the message of its 401 example. */
export const HR_UNAUTHORIZED_MESSAGE = 'Missing or invalid token or insufficient permissions';

const validation = (message?: string): FaceAnswer => ({ status: 400, code: 'VALIDATION_ERROR', ...(message ? { message } : {}) });
const unauthorized: FaceAnswer = { status: 401, code: 'UNAUTHORIZED', message: HR_UNAUTHORIZED_MESSAGE };

/** The document's codes, by status: a code no row of the table names gets these. */
function byStatus(status: number): FaceAnswer {
  if (status === 503) return { status, code: 'SERVICE_UNAVAILABLE', message: 'The service is busy; retry later.' };
  if (status >= 500) return { status: 500, code: 'SERVER_ERROR', message: 'Internal server error' };
  if (status === 401 || status === 403) return unauthorized;
  const codes: Record<number, string> = { 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 414: 'URI_TOO_LONG', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };
  const code = codes[status];
  // Anything else the client did wrong (a conflict included, as the document has it) is a validation error.
  return code ? { status, code } : validation();
}

export const HR_ERRORS: FaceErrorTable = {
  ...everyThrownCode(byStatus),
  ...everyRowCode(validation()),
  // The document's example, word for word, and its siblings.
  DEPARTMENT_NAME_CONFLICT: validation('Department name already exists'),
  NAME_REQUIRED: validation('Department name is required'),
  DUPLICATE_CODE: validation('Department code already exists'),
  DUPLICATE_OPEN_DEPARTMENT_ID: validation('Department openDepartmentId already exists'),
  PARENT_NOT_FOUND: validation('Parent department not found'),
  ORGANIZATION_BUSY: { status: 503, code: 'SERVICE_UNAVAILABLE' },
  UNAUTHORIZED: unauthorized,
  INSUFFICIENT_ROLE: unauthorized,
  CLIENT_ACCESS_DENIED: unauthorized,
  ORGANIZATION_ADMIN_REQUIRED: unauthorized,
  OPERATOR_TOKEN_HAS_NO_ORGANIZATION: {
    status: 401,
    code: 'UNAUTHORIZED',
    message: 'The operator token names no organization: use an organization admin token (orgsync token create --org CODE --role admin)',
  },
  VALIDATION_ERROR: validation(),
  UNKNOWN_FIELD: validation(),
  UNKNOWN_PARAMETER: validation(),
  INVALID_JSON: validation(),
  INVALID_CONTENT_LENGTH: validation(),
  BAD_REQUEST: validation(),
  PAYLOAD_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  ROUTE_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  DEPARTMENT_NOT_FOUND: validation('Parent department not found'),
  DEPARTMENT_HAS_CHILDREN: validation(),
  PARENT_INACTIVE: validation('Parent department is inactive'),
  RATE_LIMITED: { status: 429, code: 'RATE_LIMITED' },
  fallback: byStatus,
};

export function hrEnvelope(answer: FaceAnswer, error: ApiError): HrErrorBody {
  return { error: { code: answer.code, message: answer.message ?? error.message } };
}
