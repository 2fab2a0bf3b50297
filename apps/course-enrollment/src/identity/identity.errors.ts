import { ConflictError, UnauthorizedError } from '@registrar/platform';

export class EmailTakenError extends ConflictError {
  constructor() {
    super('an account with this email already exists');
  }
}

export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super('invalid email or password');
  }
}
