"""The course machinery: self-checks, variants, exercise build, sandboxed grading, answer key, gradebook
and release (issue 11). ``import course_kit.course`` imports nothing heavy."""
