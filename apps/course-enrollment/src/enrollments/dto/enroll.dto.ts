import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

export class EnrollDto {
  @ApiPropertyOptional({
    description: 'Staff only: the student to enroll. Students enroll themselves (omit it).',
  })
  @IsOptional()
  @IsUUID()
  studentId?: string;
}
