/** `If-Match` / `If-None-Match` against a schedule's data version, served as ETag `"<version>"`. */
import { BadRequestError, DomainError } from '@registrar/platform';

export function scheduleEtag(version: number): string {
  return `"${version}"`;
}

/** 428: the write must say which version it replaces (lost updates otherwise). */
export class PreconditionRequiredError extends DomainError {
  constructor() {
    super(428, 'If-Match: "<version>" is required (GET the schedule for its ETag)');
  }
}

/** The version an If-Match names; accepts `"7"`, `7` and `W/"7"`. */
export function parseIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === '') throw new PreconditionRequiredError();
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!m)
    throw new BadRequestError(
      `If-Match must be a schedule version such as "3" (got ${JSON.stringify(header)})`,
    );
  return Number(m[1]);
}

/** True when an If-None-Match header names `version` (or is `*`). */
export function ifNoneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const tag = scheduleEtag(version);
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === '*' || v === tag || v === String(version);
  });
}
