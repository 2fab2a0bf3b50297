-- One database per service (each runs its own migrations), created on the first start of the
-- postgres volume by the image's /docker-entrypoint-initdb.d hook.
CREATE DATABASE course_enrollment OWNER registrar;
CREATE DATABASE exam_registration OWNER registrar;
