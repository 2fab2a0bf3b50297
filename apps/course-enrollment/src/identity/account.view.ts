import type { Account } from './account.entity.js';

/** What the API shows of an account (never the password hash). */
export interface AccountView {
  id: string;
  email: string;
  name: string;
  role: string;
  createdAt: string;
}

export function accountView(a: Account): AccountView {
  return { id: a.id, email: a.email, name: a.name, role: a.role, createdAt: a.createdAt.toISOString() };
}
