/** Roles of the platform. Staff administer; instructors teach; students enroll. */
export const Role = { student: 'student', instructor: 'instructor', staff: 'staff' } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES: readonly Role[] = Object.values(Role);

/** The caller, as proven by a verified access token. `id` is the account id (= studentId). */
export interface AuthUser {
  id: string;
  role: Role;
  email: string;
  name: string;
}

/** Issuer and audience of every platform token. */
export const TOKEN_ISSUER = 'registrar';
export const TOKEN_AUDIENCE = 'registrar';
/** The only signature algorithm accepted (alg confusion is refused by construction). */
export const TOKEN_ALGORITHM = 'EdDSA';
