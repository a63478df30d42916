"""`ketpath --lang zh-Hant simulate`: the summary and its warnings in Chinese (issue 15)."""

from __future__ import annotations

import re

import pytest

from ketpath.cli import run

ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}")


@pytest.fixture(autouse=True)
def _no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_the_simulation_summary_reads_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "zh-Hant", "simulate", "--agents", "300", "--years", "1"]) == 0
    captured = capsys.readouterr()
    assert "300 人，1 年，情境 baseline" in captured.out
    assert "治療後一年內復發: 不適用（0 人中有 0 人）" in captured.out
    assert "（治療後復發只計算完成治療的人；中途退出的人不計算在內）" in captured.out
    assert "注意：治療後一年內復發：沒有可計算的人，所以不提供數值" in captured.err
    assert ENGLISH_RUN.findall(captured.out) == []
    assert ENGLISH_RUN.findall(captured.err) == []
    assert run(["--lang", "zh-Hans", "simulate", "--agents", "300", "--years", "1"]) == 0
    assert "治疗后一年内复发: 不适用（0 人中有 0 人）" in capsys.readouterr().out
