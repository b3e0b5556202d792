"""Replace one marked section of a markdown file (docs/benchmarks.md), leaving the rest alone.

Sections are delimited by ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``; a missing section
is appended. Several scripts share docs/benchmarks.md this way, each writing only its own.
"""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path | str, name: str, body: str) -> None:
    path = Path(path)
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before = text.split(start, 1)[0]
        after = text.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
