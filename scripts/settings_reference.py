"""Print the configuration reference (every setting, its variable and default) as a Markdown table.

The README's "Configuration reference" is this output; a test keeps the two equal.
"""

from __future__ import annotations

import json

from service.config import Settings


def env_name(name: str, field) -> str:
    alias = field.validation_alias
    if alias is not None and hasattr(alias, "choices"):
        return str(alias.choices[0])
    return f"EINVOICE_{name.upper()}"


def default_text(field) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    else:
        value = field.default
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return json.dumps(value)
    return str(getattr(value, "value", value))


def render() -> str:
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        desc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name, field)}` | `{default_text(field)}` | {desc} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(render(), end="")
