/**
 * Generated passwords for the demo accounts, kept in the data folder (mode 0600) so a restart on
 * the same data prints the same credentials instead of changing them behind the user's back.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Secrets {
  adminPassword: string;
  studentPassword: string;
}

export function loadSecrets(dataDir: string): Secrets {
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
    } catch {
      stored = {};
    }
  }
  const gen = () => randomBytes(12).toString('base64url');
  const secrets: Secrets = {
    adminPassword: stored.adminPassword ?? gen(),
    studentPassword: stored.studentPassword ?? gen(),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
