"""The gate's report formats by name, as `--format` offers them."""

from __future__ import annotations

from typing import Final

from preflight.gate.report import render_json, render_table
from preflight.gate.report_markdown import render_markdown
from preflight.gate.report_sarif import render_sarif

RENDERERS: Final = {"table": render_table, "json": render_json, "sarif": render_sarif, "markdown": render_markdown}
