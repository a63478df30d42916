"""The interchange format: one JSON record per line (``.jsonl``), and CSV of uses.

Reading is all-or-nothing: the first bad line stops it with
``line N: <field>: <problem>`` and nothing is returned. Writing is
deterministic (sorted by time, then type, then content; canonical key order;
no storage ids), so export -> import -> export is byte-identical.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ketpath.core.records import (
    Record,
    RecordError,
    parse_record,
    record_to_json,
    sorted_records,
)

CSV_LIST_SEPARATOR = ";"
CSV_USE_COLUMNS = ("time", "dose_mg", "route", "setting", "motive", "co_use", "substance", "note")


def parse_jsonl(lines: Iterable[str]) -> list[Record]:
    """Validate every line; blank lines are skipped. Raise on the first bad line."""
    records: list[Record] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(parse_record(line))
        except RecordError as error:
            raise error.at_line(number) from None
    return records


def jsonl_line_of_record(lines: Sequence[str], index: int) -> int:
    """The line number (from 1) that held the ``index``-th record :func:`parse_jsonl` returned."""
    seen = -1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            seen += 1
            if seen == index:
                return number
    raise IndexError(f"the text holds no record {index}")


def read_jsonl(path: str | Path) -> list[Record]:
    """Read a ``.jsonl`` file of records (all-or-nothing)."""
    return parse_jsonl(_read_text(path).splitlines())


def dumps_jsonl(records: Iterable[Record]) -> str:
    return "".join(record_to_json(record) + "\n" for record in sorted_records(records))


def parse_csv_uses(text: str) -> list[Record]:
    """Use records from CSV with a header row; list columns are ``;``-separated.

    Columns: time (required), dose_mg, route, setting, motive, co_use,
    substance, note. Empty cells mean "not given". Line numbers in errors count
    the header as line 1.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in CSV_USE_COLUMNS]
    if unknown:
        raise RecordError(
            f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(CSV_USE_COLUMNS)}",
            field="header",
            line=1,
        )
    if "time" not in header:
        raise RecordError("a time column is required", field="header", line=1)
    records: list[Record] = []
    for row in reader:
        try:
            records.append(parse_record(_use_from_row(row)))
        except RecordError as error:
            raise error.at_line(reader.line_num) from None
    return records


def read_csv_uses(path: str | Path) -> list[Record]:
    return parse_csv_uses(_read_text(path))


def _use_from_row(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "use"}
    for column, cell in row.items():
        value = (cell or "").strip()
        if not value:
            continue
        if column == "dose_mg":
            try:
                data[column] = float(value)
            except ValueError:
                raise RecordError(f"not a number: {value!r}", field=column) from None
        elif column == "co_use":
            data[column] = [
                part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()
            ]
        else:
            data[column] = value
    return data


def _read_text(path: str | Path) -> str:
    """The whole file as text; an unreadable or non-UTF-8 file is a RecordError."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise RecordError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise RecordError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
