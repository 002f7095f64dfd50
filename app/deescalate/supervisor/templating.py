"""The supervisor's pages and plots are Jinja2 templates (in templates/) with autoescaping
on for every one of them, HTML and SVG alike: whatever a caller said reaches a page only
escaped, with no place in the code where an escape could be forgotten."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from deescalate.core.facts import LEVEL_COLOURS, TEXT_ON_LEVEL

TEMPLATES = Path(__file__).resolve().parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **context: object) -> str:
    return _environment.get_template(template).render(
        level_colours=LEVEL_COLOURS, text_on_level=TEXT_ON_LEVEL, **context
    )
