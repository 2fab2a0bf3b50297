import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ROLES, type Role } from '@registrar/platform';
import { RegisterDto } from './register.dto.js';

/** Staff create instructor and staff accounts (students register themselves). */
export class CreateAccountDto extends RegisterDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;
}
