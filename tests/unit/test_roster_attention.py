"""The roster's "Needs attention" list, read from fixed rows at a fixed time.

Thresholds come from ``[roster]`` in knowledge/rules.toml (a flag is new for
``new_flag_days``, a check-in is missed after ``missed_check_in_days``). A
row's lines are made once and reused while the row is kept, so the second
view at a later time must still list what that time calls for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ketpath.knowledge import rules
from ketpath.present.clinician import attention_view
from ketpath.present.i18n import use_language
from ketpath.services.roster import Attention, RosterRow, needs_attention

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
NEW = timedelta(days=rules().roster.new_flag_days)
MISSED = rules().roster.missed_check_in_days
SCREEN_DAYS = rules().roster.positive_screen_days


def _flag(flag_id: str, latest: datetime | None, level: str = "urgent") -> dict[str, Any]:
    return {
        "id": flag_id,
        "level": level,
        "message": f"{flag_id} message",
        "latest": latest.isoformat() if latest else None,
    }


def _row(
    patient_id: int,
    *,
    flags: list[dict[str, Any]] = [],  # noqa: B006 (never changed)
    screens: int = 0,
    silent: timedelta | None = timedelta(days=1),
) -> RosterRow:
    return RosterRow(
        patient_id=patient_id,
        label=f"P{patient_id}",
        level="urgent" if flags else None,
        flags=list(flags),
        stage="regular",
        last_entry=None if silent is None else NOW - silent,
        last_use=None,
        positive_screens=[NOW - timedelta(days=day) for day in range(screens)],
        records=10,
    )


ROWS = [
    _row(
        1,
        flags=[
            _flag("on-the-edge", NOW - NEW),
            _flag("a-microsecond-too-old", NOW - NEW - timedelta(microseconds=1)),
            _flag("undated", None),
            _flag("from-the-future", NOW + timedelta(hours=1), level="emergency"),
        ],
    ),
    _row(2, screens=1, silent=timedelta(days=MISSED)),
    _row(3, screens=3, silent=None),
    _row(4, silent=timedelta(days=MISSED) - timedelta(seconds=1)),
    _row(5, flags=[_flag("recent", NOW - timedelta(days=1))], silent=timedelta(days=40)),
]


def _lines(items: list[Attention]) -> list[tuple[int, str, str, str | None]]:
    return [(item.patient_id, item.kind, item.text, item.level) for item in items]


def test_new_flags_then_screens_then_missed_check_ins_each_in_roster_order() -> None:
    assert _lines(needs_attention(ROWS, NOW)) == [
        (1, "new-red-flag", "on-the-edge message", "urgent"),
        (1, "new-red-flag", "from-the-future message", "emergency"),
        (5, "new-red-flag", "recent message", "urgent"),
        (2, "positive-screen", f"1 positive drug screen in the last {SCREEN_DAYS} days", None),
        (3, "positive-screen", f"3 positive drug screens in the last {SCREEN_DAYS} days", None),
        (2, "missed-check-in", f"nothing logged for {MISSED} days", None),
        (3, "missed-check-in", "nothing logged yet", None),
        (5, "missed-check-in", "nothing logged for 40 days", None),
    ]
    assert {item.label for item in needs_attention(ROWS, NOW)} == {"P1", "P2", "P3", "P5"}


def test_the_same_rows_viewed_later_list_what_that_time_calls_for() -> None:
    needs_attention(ROWS, NOW)  # the rows now hold their lines
    later = NOW + timedelta(days=2)
    assert _lines(needs_attention(ROWS, later)) == [
        (1, "new-red-flag", "from-the-future message", "emergency"),
        (5, "new-red-flag", "recent message", "urgent"),
        (2, "positive-screen", f"1 positive drug screen in the last {SCREEN_DAYS} days", None),
        (3, "positive-screen", f"3 positive drug screens in the last {SCREEN_DAYS} days", None),
        (2, "missed-check-in", f"nothing logged for {MISSED + 2} days", None),
        (3, "missed-check-in", "nothing logged yet", None),
        (4, "missed-check-in", f"nothing logged for {MISSED + 1} days", None),
        (5, "missed-check-in", "nothing logged for 42 days", None),
    ]
    assert _lines(needs_attention(ROWS, NOW)) == _lines(needs_attention(ROWS, NOW))


def test_each_line_is_worded_for_its_own_count_in_the_pages_language() -> None:
    """Lines with the same count share a text, lines with another count have their own.

    In Chinese a new flag is named by its rule's translated label; a flag id
    the rules do not know keeps the English sentence.
    """
    rows = [*ROWS, _row(6, screens=3, silent=timedelta(days=40)), _row(7, silent=None)]
    items = needs_attention(rows, NOW)
    by_id = {row.patient_id: row for row in rows}
    with use_language("zh-Hant"):
        chinese = [(line.patient_id, line.text) for line in attention_view(items, by_id, NOW)]
    english = [(line.patient_id, line.text) for line in attention_view(items, by_id, NOW)]
    assert chinese == [
        (1, "on-the-edge message"),
        (1, "from-the-future message"),
        (5, "recent message"),
        (2, f"過去 {SCREEN_DAYS} 天內有 1 次陽性藥物檢測"),
        (3, f"過去 {SCREEN_DAYS} 天內有 3 次陽性藥物檢測"),
        (6, f"過去 {SCREEN_DAYS} 天內有 3 次陽性藥物檢測"),
        (2, f"已經 {MISSED} 天沒有記錄"),
        (3, "還沒有任何記錄"),
        (5, "已經 40 天沒有記錄"),
        (6, "已經 40 天沒有記錄"),
        (7, "還沒有任何記錄"),
    ]
    assert english == [(item.patient_id, item.text) for item in items]
