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
    TIME_EXAMPLE,
    Record,
    RecordError,
    parse_record,
    record_to_json,
    sorted_records,
)
from ketpath.knowledge.wording import fill

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
    the header as line 1. Errors read like the JSONL import's (line, column,
    what was wrong, how to write it): a cell is checked by the same record
    validation, so a dose of ``lots`` is "must be a number (it was 'lots')" in
    either format.
    """
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = reader.fieldnames or []
        _check_header(header)
        records: list[Record] = []
        for row in reader:
            try:
                records.append(parse_record(_use_from_row(row, columns=len(header))))
            except RecordError as error:
                raise _as_csv_error(error).at_line(reader.line_num) from None
    except csv.Error as error:
        raise RecordError(
            f"not CSV ketpath reads ({error}); write one use per line, cells separated by commas",
            line=reader.line_num or 1,
        ) from None
    return records


def _check_header(header: Sequence[str]) -> None:
    """The first line must name the columns: ``time`` and any of :data:`CSV_USE_COLUMNS`."""
    allowed = ", ".join(CSV_USE_COLUMNS)
    if not header:
        raise RecordError(
            f"the file is empty; its first line names the columns, e.g. time,dose_mg,route"
            f" (ketpath reads {allowed})",
            line=1,
        )
    unknown = [name for name in header if name not in CSV_USE_COLUMNS]
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise RecordError(
            fill("unknown {count:column|columns} ", {"count": len(unknown)})
            + f"{names}; the columns ketpath reads are {allowed}",
            field="header",
            line=1,
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise RecordError(
            f"the column {repeated[0]!r} is named twice; name each column once",
            field="header",
            line=1,
        )
    if "time" not in header:
        raise RecordError(
            f"no time column; name one, e.g. time,dose_mg,route (ketpath reads {allowed})",
            field="header",
            line=1,
        )


def _as_csv_error(error: RecordError) -> RecordError:
    """A record's error said in CSV terms: ``co_use``, not the list position ``co_use.0``."""
    field = error.field
    if field is not None and field.startswith("co_use."):
        return RecordError(
            f"{error.problem} (write several separated by {CSV_LIST_SEPARATOR})", field="co_use"
        )
    return error


def read_csv_uses(path: str | Path) -> list[Record]:
    return parse_csv_uses(_read_text(path))


def _use_from_row(row: dict[str | None, Any], *, columns: int) -> dict[str, Any]:
    extra = row.get(None)
    if extra:  # csv.DictReader keeps the cells beyond the header under None
        cells = columns + len(extra)
        raise RecordError(
            f"{cells} cells, but the header names {columns} columns;"
            " a cell holding a comma needs double quotes around it"
        )
    data: dict[str, Any] = {"type": "use"}
    for column, cell in row.items():
        value = (cell or "").strip()
        if column is None:
            continue
        if not value:
            if column == "time":
                raise RecordError(
                    f"the cell is empty; write the time like {TIME_EXAMPLE}", field="time"
                )
            continue
        if column == "dose_mg":
            data[column] = _number_or_text(value)
        elif column == "co_use":
            data[column] = [
                part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()
            ]
        else:
            data[column] = value
    return data


def _number_or_text(value: str) -> float | int | str:
    """A cell as a number when it is one (``60`` stays whole), else the text for validation to refuse."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


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
