import { Module } from '@nestjs/common';
import { CoursesModule } from '../courses/courses.module.js';
import { EnrollmentRpcController } from './enrollment-rpc.controller.js';

@Module({ imports: [CoursesModule], controllers: [EnrollmentRpcController] })
export class RpcModule {}
