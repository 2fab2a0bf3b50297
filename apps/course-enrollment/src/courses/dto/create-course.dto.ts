import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export const MAX_CAPACITY = 100_000;

export class CreateCourseDto {
  @ApiProperty({ example: 'CS-101', description: 'Catalogue code (letters, digits, - _ .), unique' })
  @IsString()
  @Length(1, 32)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'code must be letters, digits, ".", "_" or "-"' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  code!: string;

  @ApiProperty({ example: 'Introduction to Programming' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty({ example: 30, minimum: 0, maximum: MAX_CAPACITY })
  @IsInt()
  @Min(0)
  @Max(MAX_CAPACITY)
  capacity!: number;

  @ApiPropertyOptional({
    example: 50,
    description: 'Default from the config znode / DEFAULT_WAITLIST_CAPACITY',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CAPACITY)
  waitlistCapacity?: number;

  @ApiPropertyOptional({ example: '2026-12-01T08:00:00Z' })
  @IsOptional()
  @IsDateString({ strict: true })
  enrollmentOpensAt?: string;

  @ApiPropertyOptional({ example: '2026-12-15T08:00:00Z' })
  @IsOptional()
  @IsDateString({ strict: true })
  enrollmentClosesAt?: string;

  @ApiPropertyOptional({ example: '2027-01-15T08:00:00Z' })
  @IsOptional()
  @IsDateString({ strict: true })
  dropDeadline?: string;
}
