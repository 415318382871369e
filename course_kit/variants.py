"""Learner-facing alias: check cells do ``from course_kit.variants import param`` (see
:mod:`course_kit.course.variants`)."""

from course_kit.course.variants import (
    draw,
    learner_seed,
    param,
    parameter_values,
    validate_spec,
)

__all__ = ["draw", "learner_seed", "param", "parameter_values", "validate_spec"]
