"""CSV import errors speak like the JSONL import's (issue 12, point 4).

Each names the line and the column, says what was wrong and how to write it;
none is a bare "not a number", a "column(s)" or a list position a CSV writer
never typed (``co_use.0``), and no row makes the reader crash.
"""

from __future__ import annotations

import pytest

from ketpath.core.records import RecordError
from ketpath.interop.jsonl import parse_csv_uses, parse_jsonl

TIME = "2026-10-01T22:00+01:00"
COLUMNS = "time, dose_mg, route, setting, motive, co_use, substance, note"


def csv_error(text: str) -> str:
    with pytest.raises(RecordError) as caught:
        parse_csv_uses(text)
    return str(caught.value)


def jsonl_error(line: str) -> str:
    with pytest.raises(RecordError) as caught:
        parse_jsonl(["", line])
    return str(caught.value)


def test_a_time_ketpath_cannot_read_says_how_to_write_it() -> None:
    assert csv_error("time,dose_mg\n01/10/2026 22:00,50\n") == (
        "line 2: time: the time '01/10/2026 22:00' is not a date and time ketpath reads;"
        " write 2026-10-01T22:00+01:00"
    )


def test_a_dose_that_is_not_a_number_reads_as_in_jsonl() -> None:
    assert csv_error(f"time,dose_mg\n{TIME},lots\n") == (
        "line 2: dose_mg: must be a number (it was 'lots')"
    )
    assert jsonl_error(f'{{"type":"use","time":"{TIME}","dose_mg":"lots"}}') == (
        "line 2: dose_mg: must be a number (it was 'lots')"
    )


def test_a_dose_out_of_range_is_shown_as_written() -> None:
    assert csv_error(f"time,dose_mg\n{TIME},-5\n") == (
        "line 2: dose_mg: must be more than 0 (it was -5)"
    )


def test_an_unknown_drug_names_the_column_not_a_list_position() -> None:
    error = csv_error(f"time,co_use\n{TIME},alcohol;beer\n")
    assert error.startswith("line 2: co_use: unknown value 'beer'; allowed: alcohol,")
    assert error.endswith("(write several separated by ;)")


def test_an_empty_time_cell_says_how_to_write_one() -> None:
    assert csv_error("time,dose_mg\n,50\n") == (
        "line 2: time: the cell is empty; write the time like 2026-10-01T22:00+01:00"
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "time,dose",
            f"line 1: header: unknown column 'dose'; the columns ketpath reads are {COLUMNS}",
        ),
        (
            "time,dose,when",
            f"line 1: header: unknown columns 'dose', 'when'; the columns ketpath reads are {COLUMNS}",
        ),
        (
            "dose_mg",
            f"line 1: header: no time column; name one, e.g. time,dose_mg,route (ketpath reads {COLUMNS})",
        ),
        ("time,time", "line 1: header: the column 'time' is named twice; name each column once"),
    ],
)
def test_the_header_is_explained_with_the_columns_ketpath_reads(header: str, expected: str) -> None:
    assert csv_error(f"{header}\n{TIME}\n") == expected


def test_an_empty_file_says_what_its_first_line_holds() -> None:
    assert csv_error("") == (
        "line 1: the file is empty; its first line names the columns, e.g. time,dose_mg,route"
        f" (ketpath reads {COLUMNS})"
    )


def test_a_row_with_more_cells_than_columns_is_explained_not_a_crash() -> None:
    assert csv_error(f"time,note\n{TIME},went out, then home\n") == (
        "line 2: 3 cells, but the header names 2 columns;"
        " a cell holding a comma needs double quotes around it"
    )
