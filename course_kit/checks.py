"""Learner-facing alias: check cells do ``from course_kit.checks import check`` (see
:mod:`course_kit.course.checks`)."""

from course_kit.course.checks import (
    FORMS,
    NOT_ANSWERED,
    PASS_MARK,
    Any,
    CheckFailed,
    Flag,
    Function,
    Integer,
    Mapping,
    Number,
    Seq,
    Text,
    check,
    pass_line,
)

__all__ = [
    "FORMS",
    "NOT_ANSWERED",
    "PASS_MARK",
    "Any",
    "CheckFailed",
    "Flag",
    "Function",
    "Integer",
    "Mapping",
    "Number",
    "Seq",
    "Text",
    "check",
    "pass_line",
]
