/**
 * The signed-in user: the access token is kept in sessionStorage (gone when the tab closes) and
 * its claims are read for display only; the services verify it on every call.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export interface User {
  id: string;
  role: 'student' | 'instructor' | 'staff' | string;
  email: string;
  name: string;
  token: string;
  expiresAt: number;
}

const KEY = 'registrar.session';

function decodeClaims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (part === undefined) return null;
  try {
    const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function userOf(token: string, expiresIn: number): User | null {
  const c = decodeClaims(token);
  if (c === null || typeof c['sub'] !== 'string') return null;
  const exp = typeof c['exp'] === 'number' ? c['exp'] * 1000 : Date.now() + expiresIn * 1000;
  return {
    id: c['sub'],
    role: String(c['role'] ?? 'student'),
    email: String(c['email'] ?? ''),
    name: String(c['name'] ?? c['email'] ?? ''),
    token,
    expiresAt: exp,
  };
}

function load(): User | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return null;
    const u = JSON.parse(raw) as User;
    return u.expiresAt > Date.now() + 5000 ? u : null;
  } catch {
    return null;
  }
}

export function useSession() {
  const [user, setUser] = useState<User | null>(load);

  // Sign out when the token expires, rather than letting calls fail one by one.
  useEffect(() => {
    if (user === null) return;
    const t = setTimeout(() => setUser(null), Math.max(0, user.expiresAt - Date.now()));
    return () => clearTimeout(t);
  }, [user]);

  useEffect(() => {
    if (user === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, JSON.stringify(user));
  }, [user]);

  const login = useCallback(async (email: string, password: string) => {
    const r = await api<{ accessToken: string; expiresIn: number }>('/api/auth/login', {
      method: 'POST',
      body: { email, password },
    });
    const u = userOf(r.data.accessToken, r.data.expiresIn);
    if (u === null) throw new Error('the service answered with an unreadable token');
    setUser(u);
  }, []);

  const register = useCallback(
    async (email: string, password: string, name: string) => {
      await api('/api/auth/register', { method: 'POST', body: { email, password, name } });
      await login(email, password);
    },
    [login],
  );

  const logout = useCallback(() => setUser(null), []);
  return { user, login, register, logout };
}
