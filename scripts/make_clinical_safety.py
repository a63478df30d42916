"""Regenerate ``docs/clinical-safety.md`` from the knowledge files.

    python scripts/make_clinical_safety.py

The text is :func:`ketpath.knowledge.safety_doc.clinical_safety_markdown`;
``tests/unit/test_clinical_safety_doc.py`` fails while the committed file differs
from it, so run this after any change to ``rules.toml``, ``vocabulary.toml``,
``helplines.toml``, ``sources.toml`` or the instrument files, and commit both.
"""

from __future__ import annotations

from pathlib import Path

from ketpath.knowledge.safety_doc import DOC_PATH, clinical_safety_markdown

TARGET = Path(__file__).resolve().parents[1] / DOC_PATH


def main() -> None:
    TARGET.write_text(clinical_safety_markdown(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
