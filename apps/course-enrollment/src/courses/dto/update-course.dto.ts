import { PartialType } from '@nestjs/swagger';
import { CreateCourseDto } from './create-course.dto.js';

/** Every field optional; capacity may grow (promotes the waitlist) or shrink down to the enrolled count. */
export class UpdateCourseDto extends PartialType(CreateCourseDto) {}
