/** Log in (or create a student account) from the header. */
import { useState } from 'preact/hooks';
import { describeError } from '../lib/api.js';
import type { User } from '../lib/session.js';

export interface LoginFormProps {
  user: User | null;
  login: (email: string, password: string) => Promise<void>;
  register: (email: string, password: string, name: string) => Promise<void>;
  logout: () => void;
}

export function LoginForm({ user, login, register, logout }: LoginFormProps) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (user) {
    return (
      <div class="account" data-testid="account">
        <span>
          <strong data-testid="account-name">{user.name || user.email}</strong>{' '}
          <span class="badge">{user.role}</span>
        </span>
        <button class="secondary" onClick={logout}>
          Log out
        </button>
      </div>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'login') await login(email, password);
      else await register(email, password, name);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="login"
      onSubmit={submit}
      aria-label={mode === 'login' ? 'Log in' : 'Create a student account'}
    >
      {mode === 'register' ? (
        <label>
          <span>Name</span>
          <input value={name} required autocomplete="name" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      ) : null}
      <label>
        <span>Email</span>
        <input
          type="email"
          name="email"
          value={email}
          required
          autocomplete="username"
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <label>
        <span>Password</span>
        <input
          type="password"
          name="password"
          value={password}
          required
          autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {mode === 'login' ? 'Log in' : 'Create account'}
      </button>
      <button type="button" class="link" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
        {mode === 'login' ? 'New student? Create an account' : 'Have an account? Log in'}
      </button>
      {error ? (
        <p class="error" role="alert" data-testid="login-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
