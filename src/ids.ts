/**
 * Generated ids: a type prefix plus a ULID, so ids sort by creation time (good
 * for InnoDB's clustered primary key) and say what they identify.
 */
import { monotonicFactory } from 'ulid';
import { DEPARTMENT_ID_PREFIX, ORGANIZATION_ID_PREFIX } from './core/model.js';

const ulid = monotonicFactory();

export const newDepartmentId = (): string => `${DEPARTMENT_ID_PREFIX}${ulid()}`;
export const newOrganizationId = (): string => `${ORGANIZATION_ID_PREFIX}${ulid()}`;
export const newRunId = (): string => `run_${ulid()}`;
export const newTokenId = (): string => `tok_${ulid()}`;
