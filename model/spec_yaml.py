"""Reading scenario and sweep YAML safely: no aliases, size and nesting caps, numbers of sane length, and
error messages that quote at most a short excerpt (issue 15: a 483-byte file of nested aliases expanded to
3 GB; `[` x 100,000 overflowed the recursion limit; a 5,000-digit seed was a traceback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# A spec is a page of YAML: caps far above any real one, far below what hurts (issue 15: a 483-byte file of
# nested aliases expanded to 3 GB; `[` × 100,000 overflowed the recursion limit).
MAX_SPEC_BYTES = 64 * 1024
MAX_NESTING = 20
MAX_INT_DIGITS = 30  # a 5,000-digit seed overflowed Python's int parser with a traceback


class _Loader(yaml.SafeLoader):
    """Safe YAML whose dates stay text: the field validators then name the field of a bad one (2026-13-01),
    where the YAML loader would raise a bare ValueError. No aliases (`*name`): a spec never needs one, and
    nested aliases are the "billion laughs" expansion. Nesting deeper than MAX_NESTING is refused as it is
    composed, before the recursion could overflow."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*name) are not allowed in a spec (line {mark.line + 1})", None
            )
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_NESTING} levels (line {mark.line + 1}, column {mark.column + 1})",
                    None,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a {digits}-digit number (at most {MAX_INT_DIGITS} digits)", node.start_mark
            )
        return super().construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def yaml_problem(e: yaml.YAMLError) -> str:
    """PyYAML's own words, one short line: never the document it quotes (a hostile file's content)."""
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    mark = getattr(e, "problem_mark", None)
    where = f", line {mark.line + 1}" if mark is not None and "line" not in problem else ""
    return excerpt(f"{problem}{where}", 120)


def excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except RecursionError:  # belt and braces: the nesting cap should have stopped it first
        from model.spec import SpecError

        raise SpecError(f"spec: nested deeper than {MAX_NESTING} levels") from None


def read_yaml(path: Path) -> Any:
    """A spec or sweep file's YAML; an unreadable, oversized or bad file is a SpecError naming the file."""
    from model.spec import SpecError

    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SPEC_BYTES + 1)
        if len(raw) > MAX_SPEC_BYTES:
            raise SpecError(f"{path}: larger than {MAX_SPEC_BYTES // 1024} KB; a spec is a page of YAML")
        return safe_yaml(raw.decode("utf-8"))
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML ({yaml_problem(e)})") from None
    except UnicodeDecodeError as e:
        raise SpecError(f"{path}: not a text file (byte {e.start} is not UTF-8)") from None
    except OSError as e:
        raise SpecError(f"{path}: cannot read it ({e.strerror})") from None
