"""The ``compile`` section's rules: optimiser, learning rate, momentum, loss, metrics.

Whether the loss and metrics fit the task is ``nncore.train.compiling``'s check
(``resolve_compile``), once the task is known.
"""

from __future__ import annotations

from typing import Any

from nncore.spec.fields import check_field, expected, fail, merge_section, one_of
from nncore.spec.schema import SCHEMA, SECTION_EXPECTED, section_defaults


def validate_compile_spec(compile_spec: Any) -> dict[str, Any]:
    """Check the ``compile`` part of a spec and return it with defaults filled in.

    Whether the loss and metrics fit the task is checked by ``resolve_compile``,
    once the task is known.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    merged = merge_section(
        compile_spec,
        section_defaults("compile"),
        "compile",
        expected=SECTION_EXPECTED["compile"],
    )
    check_field(merged, "compile.optimizer")
    merged["learning_rate"] = float(check_field(merged, "compile.learning_rate"))
    merged["momentum"] = float(check_field(merged, "compile.momentum"))
    check_field(merged, "compile.loss")
    metrics, rule = merged["metrics"], SCHEMA["compile.metrics"]
    if not isinstance(metrics, list):
        raise fail("compile.metrics", metrics, expected(rule))
    for name in metrics:
        if name not in rule.choices:
            raise fail(
                "compile.metrics",
                name,
                "may only hold names from " + one_of(rule.choices),
            )
    merged["metrics"] = list(dict.fromkeys(metrics))  # repeats once
    return merged
