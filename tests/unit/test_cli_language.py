"""`ketpath --lang` and the POSIX locale variables choose the language of knowledge texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketpath.cli import run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "recovery-with-bladder-symptoms.jsonl"
AS_OF = "2026-06-30T20:00:00+01:00"


@pytest.fixture(autouse=True)
def _no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run([*args, "assess", str(EXAMPLE), "--as-of", AS_OF]) == 0
    return " ".join(capsys.readouterr().out.replace("│", " ").split())


def test_lang_zh_hant_prints_the_stage_and_disclaimer_in_chinese(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _report(capsys, "--lang", "zh-Hant")
    assert "ketpath 描述你所記錄的使用模式。它不是診斷，也不是醫療建議" in text
    assert "ketpath describes patterns" not in text


def test_lang_names_red_flags_in_the_chosen_language(capsys: pytest.CaptureFixture[str]) -> None:
    text = _report(capsys, "--lang", "zh-Hans")
    assert "本周内看医生" in text or "这周内看医生" in text
    assert "膀胱症状" in text


def test_the_posix_locale_chooses_when_no_option_is_given(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")
    text = _report(capsys)
    assert "ketpath 描述你所記錄的使用模式" in text


def test_an_unshipped_locale_means_english(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert "ketpath describes patterns in what you logged" in _report(capsys)


def test_an_unknown_lang_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "klingon", "assess", str(EXAMPLE)]) == 2
    assert "--lang: unknown language 'klingon'" in capsys.readouterr().err


def test_json_output_stays_english_and_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["assess", str(EXAMPLE), "--as-of", AS_OF, "--json"]) == 0
    english = json.loads(capsys.readouterr().out)
    assert run(["--lang", "zh-Hant", "assess", str(EXAMPLE), "--as-of", AS_OF, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == english
