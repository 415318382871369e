"""Learner-facing alias: check cells do ``from course_kit.variants import param`` (see
:mod:`course_kit.course.variants`)."""

from course_kit.course.variants import draw, learner_seed, param, parameter_values, validate_spec  # noqa: F401

__all__ = ["param", "draw", "learner_seed", "parameter_values", "validate_spec"]
