"""The PDF summary in Chinese (issue 15, point 4): CJK fonts from Debian, the text extractable.

A history with uses, a red flag (blood in the urine), a bladder signal and two
PHQ-9s is typeset in zh-Hant, zh-Hant-HK and zh-Hans. pypdf reads the Chinese
headings and the red flag's Chinese sentence back; the pages of the zh-Hant
and zh-Hans summaries are turned into PNGs with poppler's ``pdftoppm`` and kept
in ``artifacts/report-<language>/`` (git-ignored, kept by CI) for a person to
look at. The fonts must be Noto Sans CJK's regional family, never typst's
last-resort boxes. English keeps working without the CJK font.
"""

from __future__ import annotations

import contextvars
import io
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from histories import questionnaire, record, symptom, uses_on
from ketpath.cli import run
from ketpath.core.records import Record
from ketpath.interop import report
from ketpath.interop.report import render_report
from ketpath.present import fonts
from ketpath.present.fonts import MissingFontError
from ketpath.services import import_records, open_database
from ketpath.services.read import Period, PersonView, view_of

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
PLAN = {"reasons": ["my bladder"], "coping_steps": ["walk to the river"]}


def history() -> list[Record]:
    return [
        record("profile", timezone="Asia/Hong_Kong"),
        *uses_on(range(0, 42), hour=22, dose_mg=80, route="intranasal", setting="home-alone"),
        symptom(80, "urinary-frequency"),
        symptom(86, "blood-in-urine"),
        questionnaire(40, "phq9", [2, 2, 1, 2, 1, 1, 1, 1, 0]),
        questionnaire(75, "phq9", [1, 1, 1, 1, 0, 1, 0, 0, 0]),
    ]


def view() -> PersonView:
    period = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))
    return view_of(history(), now=datetime(2026, 4, 1, 9, 0, tzinfo=UTC), period=period)


def render(language: str) -> bytes:
    return render_report(view(), plan=PLAN, contingency_state=None, language=language)


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture(scope="module")
def traditional() -> bytes:
    return render("zh-Hant")


@pytest.fixture(scope="module")
def simplified() -> bytes:
    return render("zh-Hans")


def test_the_traditional_chinese_headings_come_back_as_text(traditional: bytes) -> None:
    body = text_of(traditional)
    headings = ["紅旗警示", "目前情況", "這段時間結束時的訊號", "每星期的記錄", "問卷"]
    positions = [body.index(heading) for heading in headings]
    assert positions == sorted(positions)  # the red flags first, in the usual order
    assert "預防復發計劃" in body and "來源及證據等級" in body
    for english in ("Red flags", "Where things stood", "Signals at the end", "What to do"):
        assert english not in body


def test_the_red_flag_reads_in_traditional_chinese_with_its_numbers(traditional: bytes) -> None:
    body = text_of(traditional)
    flag = body[body.index("紅旗警示") : body.index("目前情況")]
    assert "今天就要求醫" in flag
    assert "3 天前記錄了小便有血。" in flag
    assert "應該怎樣做：" in flag
    assert "999" in flag  # Hong Kong's emergency number, from the profile's zone
    assert "證據等級 A" in flag


def test_the_signal_course_and_questionnaire_are_worded_in_chinese(traditional: bytes) -> None:
    body = text_of(traditional)
    assert "膀胱症狀" in body
    assert "過去 30 天記錄的膀胱症狀：經常要小便（尿頻）、小便有血。" in body
    assert "PHQ-9" in body and "輕度" in body
    assert "第 1 頁，共" in body
    assert "ketpath 摘要" in body


def test_simplified_chinese_uses_mainland_words(simplified: bytes) -> None:
    body = text_of(simplified)
    assert body.index("红旗警示") < body.index("目前情况")
    assert "尿中带血" in body
    assert "这段时间结束时的信号" in body
    assert "Red flags" not in body


@pytest.mark.parametrize(
    ("language", "family"),
    [
        ("zh-Hant", b"NotoSansCJKtc"),
        ("zh-Hant-HK", b"NotoSansCJKhk"),
        ("zh-Hans", b"NotoSansCJKsc"),
    ],
)
def test_each_language_is_set_in_its_own_regional_font(language: str, family: bytes) -> None:
    pdf = render(language)
    assert family in pdf
    assert b"LastResort" not in pdf  # no character fell through to typst's boxes


def test_the_same_inputs_give_the_same_chinese_bytes(traditional: bytes) -> None:
    assert render("zh-Hant") == traditional


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hans"])
def test_the_pages_are_kept_as_pictures(language: str) -> None:
    pdf = render(language)
    folder = ARTIFACTS / f"report-{language}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "summary.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(folder / "summary.pdf"), str(folder / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(folder.glob("page-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages)
    assert all(page.stat().st_size > 5_000 for page in pages)


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    missing = (tmp_path / "NotoSansCJK-Regular.ttc", tmp_path / "NotoSansCJK-Bold.ttc")
    monkeypatch.setattr(fonts, "CJK_FONT_FILES", missing)
    report._cjk_fonts.cache_clear()
    yield
    report._cjk_fonts.cache_clear()


@pytest.mark.usefixtures("no_cjk_font")
def test_without_the_cjk_font_english_still_works_and_chinese_names_the_fix() -> None:
    assert "Red flags" in text_of(render("en"))
    with pytest.raises(MissingFontError, match=r"fonts-noto-cjk.*scripts/ensure-fonts\.sh"):
        render("zh-Hant")


def test_the_generated_time_is_in_the_person_zone_and_language() -> None:
    data = report.report_data(view(), plan=None, contingency_state=None, language="zh-Hant")
    assert data["generated_at"] == "2026年4月1日 下午5:00"  # 09:00 UTC in Hong Kong
    assert data["typesetting"] == {
        "fonts": ["DejaVu Sans", "Noto Sans CJK TC"],
        "lang": "zh",
        "region": "tw",
    }


def test_the_command_line_writes_the_summary_in_the_language_of_lang(tmp_path: Path) -> None:
    database = tmp_path / "k.db"
    db = open_database(str(database))
    import_records(db, "sam", history())
    db.close()
    output = tmp_path / "sam.pdf"
    arguments = ["--lang", "zh-Hans", "report", "--person", "sam"]
    arguments += ["--from", "2026-01-01", "--to", "2026-03-31", "-o", str(output)]
    # --lang sets the language for the rest of the run: here, only for this call.
    code = contextvars.copy_context().run(run, [*arguments, "--db", str(database)])
    assert code == 0
    body = text_of(output.read_bytes())
    assert body.index("红旗警示") < body.index("尿中带血") < body.index("目前情况")
