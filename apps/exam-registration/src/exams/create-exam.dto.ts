import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateExamDto {
  /** The course-enrollment course id (students must be enrolled in it to register). */
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'courseId must be 1-64 characters of [A-Za-z0-9._:-]' })
  courseId!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  durationMin?: number;
}
