"""Log, edit, delete, dispute and the questionnaires in Chinese (issue 15, points 1 and 3).

Each test reads what a person sees on the rendered page: the form's labels
and choices, a refusal built in Python, a questionnaire's short labels,
bands and flags from the knowledge base, and which validated Chinese version
a clinic should use. English is checked to read as it did.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketpath.services import person_entries, person_records
from ketpath.store import Database
from webtest import Account


def _text(html: str) -> str:
    """The page's visible words: tags and scripts dropped, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _main(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "no <main> on the page"
    return _text(match.group(0))


def _choose(client: TestClient, language: str) -> None:
    chosen = client.post("/account/language", data={"language": language})
    assert chosen.status_code < 400


def _error_box(html: str) -> str:
    match = re.search(r'<div class="form-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error box on the page"
    return _text(match.group(1))


PHQ9_MILD = {f"item-q{n}": "1" for n in range(1, 10)}  # total 9: mild; item 9 above 0


# ---------------------------------------------------------------- the Log page


def test_the_log_form_reads_in_traditional_chinese(alice: Any, client: TestClient) -> None:
    _choose(client, "zh-Hant")
    page = _main(client.get("/log").text)
    for words in (
        "記錄使用",
        "我用了",
        "記錄現在使用",
        "昨晚（昨天 22:00）",
        "份量（毫克 mg），如果你知道",
        "同時使用",
        "有多強烈？0 是完全沒有，10 是最強烈。",
        "不是現在？設定時間",
        "從現在起，我想",
    ):
        assert words in page, words
    html = client.get("/log").text
    assert '<optgroup label="膀胱和小便">' in html  # a symptom group, built in Python
    assert 'aria-label="渴求 3（滿分 10）"' in html
    for english in ("I used", "Not saying", "Log a use now", "How strong is it", "Mixed with"):
        assert english not in page, english


def test_the_log_form_reads_in_simplified_chinese(alice: Any, client: TestClient) -> None:
    _choose(client, "zh-Hans")
    page = _main(client.get("/log").text)
    for words in ("我用了", "用量（毫克 mg），如果你知道", "你的心情怎么样？", "不说"):
        assert words in page, words
    assert "最近的记录" not in page  # only once something is logged
    client.post("/log/mood", data={"score": "6"})
    assert "最近的记录" in _main(client.get("/log").text)


def test_a_refused_amount_is_explained_in_chinese_and_nothing_is_stored(
    alice: Account, client: TestClient, db: Database
) -> None:
    _choose(client, "zh-Hant")
    response = client.post("/log/use", data={"dose_mg": "0"})
    assert response.status_code == 422
    box = _error_box(response.text)
    assert box == "未儲存。 份量必須是大於 0 的毫克數；如果你不知道，可以留空。"
    assert person_records(db, alice.person_name or "") == []


def test_a_time_in_the_future_is_refused_in_simplified_chinese(
    alice: Account, client: TestClient, db: Database
) -> None:
    _choose(client, "zh-Hans")
    later = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/log/craving", data={"intensity": "4", "time": later})
    assert response.status_code == 422
    assert "这个时间在将来；ketpath 只记录已经发生的事。" in _error_box(response.text)
    assert person_records(db, alice.person_name or "") == []


def test_in_english_a_refusal_keeps_the_validators_words(alice: Any, client: TestClient) -> None:
    response = client.post("/log/use", data={"dose_mg": "0"})
    assert response.status_code == 422
    assert _error_box(response.text) == "Not saved. Dose_mg: must be more than 0 (it was 0)"
    page = _main(client.get("/log").text)
    assert "I used" in page and "Amount in mg, if you know it" in page


# ---------------------------------------------------------------- edit, delete, dispute


def test_edit_and_delete_read_in_chinese(alice: Account, client: TestClient, db: Database) -> None:
    client.post("/log/craving", data={"intensity": "7", "trigger": "friends"})
    [entry] = person_entries(db, alice.person_name or "")
    _choose(client, "zh-Hant")
    edit = _main(client.get(f"/records/{entry.id}/edit").text)
    assert "修改渴求記錄" in edit
    assert "強度，0 至 10" in edit and "觸發原因" in edit and "儲存修改" in edit
    assert "Edit craving entry" not in edit and "Save changes" not in edit
    refused = client.post(f"/records/{entry.id}", data={"time": "not a time", "intensity": "7"})
    assert refused.status_code == 422
    assert "無法讀取這個日期和時間；請用日期時間選擇器選擇。" in _error_box(refused.text)
    delete = _main(client.get(f"/records/{entry.id}/delete").text)
    assert "要刪除這項記錄嗎？" in delete
    assert "刪除後無法復原。你的評估會在沒有這項記錄的情況下重新計算。" in delete
    assert "Delete it" not in delete and "Keep it" not in delete


def test_a_dispute_left_empty_is_refused_in_chinese(
    alice: Account, bob: Account, db: Database
) -> None:
    code = alice.client.post("/api/v1/shares", headers=alice.api).json()["code"]
    patient = bob.client.post("/api/v1/shares/redeem", json={"code": code}, headers=bob.api).json()[
        "patient_id"
    ]
    bob.client.post(
        f"/patients/{patient}/drug-screens",
        data={"result": "positive", "method": "urine", "time": "2026-03-02T09:30"},
    )
    [screen] = [
        e for e in person_entries(db, alice.person_name or "") if e.record.type == "drug-screen"
    ]
    _choose(alice.client, "zh-Hans")
    form = _main(alice.client.get(f"/records/{screen.id}/dispute").text)
    assert "对这条记录提出异议" in form and "把我的意见发给诊所" in form
    refused = alice.client.post(f"/records/{screen.id}/dispute", data={"text": "  "})
    assert refused.status_code == 422
    assert _error_box(refused.text) == "未保存。 请写下这条记录哪里有错（最多 2000 字）。"


# ---------------------------------------------------------------- questionnaires


def test_a_questionnaire_shows_its_chinese_short_labels(alice: Any, client: TestClient) -> None:
    _choose(client, "zh-Hant")
    page = _main(client.get("/questionnaires/phq9").text)
    assert "1. 缺乏興趣或樂趣" in page
    assert "9. 有死亡或自我傷害的念頭" in page
    assert "完全沒有" in page and "幾乎每天" in page
    assert "病人健康問卷-9。請按過去 2 星期的情況作答。" in page
    assert "每條問題都是我們自己寫的簡短標籤" in page
    # the English wording ketpath may ship is English only: not shown in Chinese
    assert "Little interest or pleasure in doing things" not in page
    assert "not at all" not in page and "Think about the" not in page


def test_a_questionnaire_result_is_in_chinese_with_its_band_and_flag(
    alice: Any, client: TestClient
) -> None:
    _choose(client, "zh-Hans")
    saved = client.post("/questionnaires/phq9", data=PHQ9_MILD, follow_redirects=True)
    page = _main(saved.text)
    assert "已保存。你的分数：9（满分 27）—— 轻度" in page
    assert "第 9 题（有死亡或伤害自己的念头）的答案高于“完全没有”" in page
    listing = _main(client.get("/questionnaires").text)
    assert "患者健康问卷-9 · 9 道题 · 关于过去 2 周" in listing
    assert re.search(r"最近一次：\d{4}-\d{2}-\d{2}， ?9 分（轻度）", listing)
    cards = re.search(r'<ul class="instruments">.*?</ul>', client.get("/questionnaires").text, re.S)
    assert cards and "ASSIST（氯胺酮）" in _text(cards.group(0))
    assert "Mild" not in _text(cards.group(0))  # the charts' own words are the chart helper's
    table = re.search(
        r'<table class="scores">.*?</table>', client.get("/questionnaires").text, re.S
    )
    assert table and "轻度" in _text(table.group(0))


def test_a_missing_answer_is_named_in_chinese(alice: Any, client: TestClient) -> None:
    _choose(client, "zh-Hant")
    answers = {key: value for key, value in PHQ9_MILD.items() if key != "item-q3"}
    response = client.post("/questionnaires/phq9", data=answers)
    assert response.status_code == 422
    assert _error_box(response.text) == "未儲存。 第 3 題（睡眠問題）需要作答。"


def test_a_skip_rule_is_explained_in_chinese(alice: Any, client: TestClient) -> None:
    _choose(client, "zh-Hant")
    page = _main(client.get("/questionnaires/assist").text)
    assert re.search(r"如果你在第 1 題答了「[^」]+」，這題請留空。", page)


@pytest.mark.parametrize(
    ("language", "heading", "words"),
    [
        ("en", "Which Chinese version a clinic should use", "validated in Hong Kong"),
        ("zh-Hant", "診所應使用哪個中文版本", "請使用在香港驗證的中文版 PUF"),
        ("zh-Hans", "诊所应使用哪个中文版本", "请使用在香港验证的中文版 PUF"),
    ],
)
def test_the_puf_page_names_the_hong_kong_chinese_version_in_every_language(
    alice: Any, client: TestClient, language: str, heading: str, words: str
) -> None:
    if language != "en":
        _choose(client, language)
    html = client.get("/questionnaires/puf").text
    match = re.search(r'<section class="card chinese-version".*?</section>', html, re.S)
    assert match
    section = _text(match.group(0))
    assert heading in section and words in section
    # the citation stays as published, in every language
    assert "Hong Kong Med J. 2012;18(2):123-130." in section


def test_the_phq9_page_cites_the_chinese_validations(alice: Any, client: TestClient) -> None:
    _choose(client, "zh-Hant-TW")
    html = client.get("/questionnaires/phq9").text
    match = re.search(r'<section class="card chinese-version".*?</section>', html, re.S)
    assert match
    section = _text(match.group(0))
    assert "臺灣（Liu 2011，基層醫療）" in section
    assert "Yu X, Tam WWS, Wong PTK, Lam TH, Stewart SM." in section
    assert "Liu SI, et al." in section and "（未完全核實）" in section


def test_taiwan_names_ketamine_as_its_law_does_on_the_sds_page(
    alice: Any, client: TestClient
) -> None:
    _choose(client, "zh-Hant-TW")
    page = _main(client.get("/questionnaires/sds").text)
    assert "請使用針對愷他命提問的中文版 SDS" in page
    assert "氯胺酮" not in page


def test_english_questionnaire_pages_read_as_before(alice: Any, client: TestClient) -> None:
    form = _main(client.get("/questionnaires/phq9").text)
    assert "Little interest or pleasure in doing things" in form
    assert "Patient Health Questionnaire-9. Think about the past 2 weeks." in form
    saved = _main(client.post("/questionnaires/phq9", data=PHQ9_MILD, follow_redirects=True).text)
    assert "Saved. Your score: 9 of 27 — Mild" in saved
    listing = _main(client.get("/questionnaires").text)
    assert "Patient Health Questionnaire-9 · 9 questions · about the past 2 weeks" in listing
