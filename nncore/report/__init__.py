"""Outputs for people: run comparison, code and notebook export, the lab report,
and the guided tour's words and demos.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "export_notebook": "nncore.report.export",
    "export_script": "nncore.report.export",
    "lab_report": "nncore.report.lab",
    "network_summary": "nncore.report.compare",
    "overfitting_epoch": "nncore.report.compare",
    "report_file_name": "nncore.report.lab",
    "run_name": "nncore.report.compare",
    "run_title": "nncore.report.compare",
    "runs_table": "nncore.report.compare",
    "settings": "nncore.report.compare",
    "settings_diff": "nncore.report.compare",
    "summary_line": "nncore.report.compare",
    "validation_score": "nncore.report.compare",
    "within_chance": "nncore.report.compare",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
