"""The command line in Chinese (issue 15): `--lang zh-Hant` / `zh-Hans` (or LANG) words
everything a person reads, a refused file is said by its line and field in
Chinese, and `--json` output stays English and byte-identical.

"English sentence" here is three or more English words in a row, once the
words that stay in every language are taken out: source references, ids a
person types back (record types, routes, options), acronyms, units and
ketpath's name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ketpath.cli import run
from ketpath.cli.population import UNCERTAINTY_OUTPUT_WORDS, uncertainty_words
from ketpath.knowledge import sources
from ketpath.population.uncertainty import OUTPUTS
from ketpath.present.i18n import use_language

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECOVERY = str(EXAMPLES / "recovery-with-bladder-symptoms.jsonl")
ESCALATING = str(EXAMPLES / "escalating-user.jsonl")
AS_OF = "2026-06-30T20:00:00+01:00"
CHINESE = ("zh-Hant", "zh-Hans")

ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}")


@pytest.fixture(autouse=True)
def _no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def _plain(text: str) -> str:
    """The words of a Rich report: box drawing and wrapping taken out."""
    return " ".join(re.sub(r"[│┃─━┏┓┗┛┡┩┣┫╭╮╰╯├┤┼┬┴╇╋┳┻└┘┌┐═╞╡║]", " ", text).split())


def _english_sentences(text: str) -> list[str]:
    for source_id in sorted(sources(), key=len, reverse=True):
        text = text.replace(source_id, " ")
    return ENGLISH_RUN.findall(text)


def _out(capsys: pytest.CaptureFixture[str], args: list[str], code: int = 0) -> tuple[str, str]:
    assert run(args) == code, capsys.readouterr()
    captured = capsys.readouterr()
    return _plain(captured.out), _plain(captured.err)


def _stdout(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    return _out(capsys, args)[0]


def _err(capsys: pytest.CaptureFixture[str], args: list[str], code: int = 0) -> str:
    return _out(capsys, args, code)[1]


@pytest.mark.parametrize("lang", CHINESE)
@pytest.mark.parametrize("history", [RECOVERY, ESCALATING])
def test_the_assessment_report_has_no_english_sentence(
    capsys: pytest.CaptureFixture[str], lang: str, history: str
) -> None:
    out = _stdout(capsys, ["--lang", lang, "assess", history, "--as-of", AS_OF])
    assert _english_sentences(out) == []
    assert "Where things stand" not in out
    assert "What to do" not in out


def test_the_report_reads_in_traditional_and_simplified_chinese(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hant = _stdout(capsys, ["--lang", "zh-Hant", "assess", RECOVERY, "--as-of", AS_OF])
    assert "目前情況：" in hant
    assert "距離上次使用的日數： 41" in hant
    assert "距離上次使用已經 41 天" in hant
    assert "證據等級 U" in hant
    assert "問卷（最近一次）" in hant
    assert "1-800-662-4357" in hant  # numbers are never translated
    hans = _stdout(capsys, ["--lang", "zh-Hans", "assess", RECOVERY, "--as-of", AS_OF])
    assert "目前情况：" in hans
    assert "距离上次使用已经 41 天" in hans
    assert "证据等级 U" in hans


def test_the_english_report_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    out = _stdout(capsys, ["assess", RECOVERY, "--as-of", AS_OF])
    assert "Where things stand:" in out
    assert "Days since last use: 41" in out
    assert "41 days since the last use" in out
    assert "What to do:" in out
    assert "Questionnaires (latest)" in out
    assert "目前" not in out


@pytest.mark.parametrize(
    "args",
    [
        ["assess", RECOVERY, "--as-of", AS_OF, "--json"],
        ["instruments", "--json"],
        ["score", "phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--json"],
        ["pk", "--dose-mg", "50", "--route", "intranasal", "--json"],
        ["body", ESCALATING, "--as-of", AS_OF, "--json"],
    ],
)
def test_json_is_byte_identical_in_every_language(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert run(args) == 0
    english = capsys.readouterr().out
    for lang in CHINESE:
        assert run(["--lang", lang, *args]) == 0
        assert capsys.readouterr().out == english


def test_stored_records_in_chinese_import_log_status_people(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _err(capsys, ["--lang", "zh-Hant", "import", ESCALATING, "-p", "alex", "--db", db])
    assert re.search(r"已為 alex 匯入 \d+ 項記錄（新增的人）。", err)
    err = _err(
        capsys,
        [
            "--lang",
            "zh-Hans",
            "log",
            "craving",
            "-p",
            "alex",
            "--intensity",
            "6",
            "--time",
            "2026-06-29T20:00:00+01:00",
            "--db",
            db,
        ],
    )
    assert re.search(r"已为 alex 记下渴求（#\d+），时间 2026-06-29T20:00\+01:00。", err)
    out = _stdout(capsys, ["--lang", "zh-Hant", "people", "--db", db])
    assert "記錄數" in out
    assert "最近記錄" in out
    assert _english_sentences(out) == []
    out = _stdout(
        capsys, ["--lang", "zh-Hans", "status", "-p", "alex", "--as-of", AS_OF, "--db", db]
    )
    assert "目前情况：" in out
    assert _english_sentences(out) == []
    # English is unchanged.
    err = _err(capsys, ["import", ESCALATING, "-p", "alex", "--db", db])
    assert re.search(r"Imported 0 records for alex; \d+ already present\.", err)


def test_a_refused_file_is_said_in_chinese_naming_the_line_and_field(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    good = (EXAMPLES / "festival-user.jsonl").read_text().splitlines()[1]
    bad.write_text(f'{good}\n\n{{"type":"mood","time":"2026-01-01T00:00:00Z","score":11}}\n')
    err = _err(capsys, ["--lang", "zh-Hant", "import", str(bad), "-p", "kim", "--db", db], code=2)
    assert "第 3 行，欄位 score：心情分數必須是 0 至 10 的整數" in err
    assert _english_sentences(err) == []
    err = _err(capsys, ["--lang", "zh-Hans", "assess", str(bad)], code=2)
    assert "第 3 行，字段 score：心情分数必须是 0 到 10 的整数" in err
    err = _err(capsys, ["assess", str(bad)], code=2)
    assert "line 3: score: must be at most 10 (it was 11)" in err


def test_a_log_option_refused_is_said_in_chinese(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _err(
        capsys,
        ["--lang", "zh-Hant", "log", "mood", "-p", "kim", "--score", "12", "--db", db],
        code=2,
    )
    assert "--score：心情分數必須是 0 至 10 的整數" in err
    err = _err(capsys, ["--lang", "zh-Hant", "assess", RECOVERY, "--as-of", "soon"], code=2)
    assert "--as-of：'soon' 不是 ISO 8601 格式的時間" in err
    err = _err(capsys, ["--lang", "zh-Hans", "status", "-p", "nobody", "--db", db], code=2)
    assert "这个数据库中没有名叫 'nobody' 的人" in err


def test_an_unknown_lang_is_said_in_the_locales_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    err = _err(capsys, ["--lang", "klingon", "assess", RECOVERY], code=2)
    assert "--lang：不認識的語言 'klingon'" in err
    monkeypatch.delenv("LANG")
    err = _err(capsys, ["--lang", "klingon", "assess", RECOVERY], code=2)
    assert "--lang: unknown language 'klingon'" in err


@pytest.mark.parametrize("lang", CHINESE)
def test_questionnaires_and_the_body_model_in_chinese(
    capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    out = _stdout(capsys, ["--lang", lang, "instruments"])
    assert "phq9" in out
    assert "0–27" in out
    assert _english_sentences(out) == []
    out = _stdout(capsys, ["--lang", lang, "score", "phq9", "--answers", "3,3,3,3,3,3,3,3,3"])
    assert ": 27" in out
    assert _english_sentences(out) == []
    out = _stdout(capsys, ["--lang", lang, "pk", "--dose-mg", "50", "--route", "intranasal"])
    assert "ng/mL" in out
    assert _english_sentences(out) == []
    out = _stdout(capsys, ["--lang", lang, "body", ESCALATING, "--as-of", AS_OF])
    assert _english_sentences(out) == []


def test_the_english_tables_are_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    out = _stdout(capsys, ["instruments"])
    assert "Score range" in out
    out = _stdout(capsys, ["pk", "--dose-mg", "50", "--route", "intranasal"])
    assert "Peak (ng/mL)" in out
    assert "In the model the effect is strongest" in out


def _uncertainty_document(runs: int) -> dict[str, object]:
    """The shape of ``population.uncertainty.report``'s document, for two outputs."""
    driver = {"p_escalate": {"prcc": 0.61, "p": 0.003}, "p_quit": {"prcc": -0.2, "p": 0.4}}
    return {
        "runs": runs,
        "agents": 20_000,
        "years": 5,
        "assumptions": [{"key": "p_escalate"}, {"key": "p_quit"}],
        "outputs": {
            "dependent_among_past_year": {
                "label": OUTPUTS["dependent_among_past_year"],
                "median": 0.1234,
                "low": 0.1,
                "high": 0.15,
                "runs": runs,
                "prcc": driver,
            },
            "relapse_within_1y_after_treatment": {
                "label": OUTPUTS["relapse_within_1y_after_treatment"],
                "median": None,
                "low": None,
                "high": None,
                "runs": 0,
                "prcc": {},
            },
        },
        "warnings": ["PRCC needs at least 5 runs for 2 assumptions (got 4)"] if runs < 5 else [],
    }


def test_the_uncertainty_summary_in_chinese() -> None:
    assert set(UNCERTAINTY_OUTPUT_WORDS) == set(OUTPUTS.values())
    with use_language("zh-Hant"):
        text = uncertainty_words(_uncertainty_document(4))
    assert "4 次模擬，每次 20,000 人 × 5 年；變動了 2 項假設" in text
    assert "過去一年使用者中的依賴比例：0.1234 [0.1, 0.15]（4 次模擬）" in text
    assert "PRCC +0.61 (p 0.003)  p_escalate" in text
    assert "完成治療後一年內復發：所有模擬都無法估算" in text
    assert "注意：2 項假設需要最少 5 次模擬才能計算 PRCC（現在只有 4 次）" in text
    assert _english_sentences(text) == []
    with use_language("zh-Hans"):
        text = uncertainty_words(_uncertainty_document(12))
    assert "过去一年使用者中的依赖比例：0.1234 [0.1, 0.15]（12 次模拟）" in text
    assert "注意" not in text


def test_the_audit_log_commands_in_chinese(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["import", ESCALATING, "-p", "alex", "--db", db]) == 0
    out = _stdout(capsys, ["--lang", "zh-Hans", "audit", "verify", "--db", db])
    assert re.search(r"审计日志完整：\d+ 行", out)
    out = _stdout(capsys, ["--lang", "zh-Hant", "audit", "list", "--db", db])
    assert "時間（UTC）" in out
    assert _english_sentences(out) == []
    out = _stdout(capsys, ["audit", "verify", "--db", db])
    assert re.search(r"audit log intact: \d+ rows?", out)


def test_pk_names_ketamine_as_each_place_does(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["pk", "--dose-mg", "50", "--route", "smoked"]
    hant = _stdout(capsys, ["--lang", "zh-Hant", *args])
    assert "氯胺酮" in hant
    assert "去甲氯胺酮" in hant
    assert "沒有「吸煙或電子煙」的效果曲線" in hant
    taiwan = _stdout(capsys, ["--lang", "zh-Hant-TW", *args])
    assert "愷他命" in taiwan
    assert "氯胺酮" not in taiwan
    english = _stdout(capsys, args)
    assert "norketamine" in english
    assert "No effect curve for smoked" in english
