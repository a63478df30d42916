"""Pages in the person's language: negotiation, the Account choice, and red flags in Chinese.

Each test reads what a person sees: the page's ``lang``, the menu's words,
the flag's Chinese text and the help-line numbers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketpath.core.records import parse_record
from ketpath.services import log_record
from ketpath.store import Database

AI_NOTE = "此翻譯由 AI 協助完成，尚未經以中文為母語的臨床人員審閱。"


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', page)
    assert match
    return match.group(1)


def _nav_labels(page: str) -> list[str]:
    return re.findall(r'<span class="nav-label">([^<]+)</span>', page)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _flag_block(page: str, flag_id: str) -> str:
    match = re.search(
        rf'<article class="red-flag[^"]*" id="flag-{flag_id}">(.*?)</article>', page, re.S
    )
    assert match, f"no flag {flag_id} on the page"
    return _text(match.group(1))


def _log(db: Database, person: str, **fields: Any) -> None:
    log_record(db, person, parse_record(fields), create=True)


def test_a_page_is_english_without_a_choice_or_a_browser_preference(
    alice: Any, client: TestClient
) -> None:
    page = client.get("/more").text
    assert _html_lang(page) == "en"
    assert _nav_labels(page) == ["Today", "Log", "History", "Plan", "More"]
    assert AI_NOTE not in page


def test_the_browser_language_sets_lang_and_the_menu_words(alice: Any, client: TestClient) -> None:
    page = client.get("/more", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).text
    assert _html_lang(page) == "zh-Hant-TW"
    assert _nav_labels(page) == ["今天", "記錄使用", "記錄", "計劃", "更多"]
    assert AI_NOTE in page


def test_a_language_the_app_does_not_ship_falls_through_to_the_next_one(
    client: TestClient,
) -> None:
    page = client.get("/login", headers={"Accept-Language": "fr-CH, zh-CN;q=0.8"}).text
    assert _html_lang(page) == "zh-Hans"
    assert "<h1>登录</h1>" in page
    refused = client.get("/login", headers={"Accept-Language": "zh-CN;q=0, fr"}).text
    assert _html_lang(refused) == "en"
    assert "<h1>Log in</h1>" in refused


def test_the_choice_on_account_overrides_the_browser_and_is_kept(
    alice: Any, client: TestClient
) -> None:
    headers = {"Accept-Language": "en-GB"}
    account = client.get("/account", headers=headers).text
    assert '<option value="zh-Hant-HK" lang="zh-Hant-HK">繁體中文（香港）</option>' in account
    chosen = client.post(
        "/account/language",
        data={"language": "zh-Hant-HK", "back": "/account"},
        headers=headers,
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/account"
    page = client.get("/account", headers=headers).text
    assert _html_lang(page) == "zh-Hant-HK"
    assert "<h1>帳戶</h1>" in page
    assert '<option value="zh-Hant-HK" lang="zh-Hant-HK" selected>' in page
    assert ">香港</option>" in page and ">中國內地</option>" in page  # help-line places
    assert _nav_labels(page) == ["今天", "記錄使用", "記錄", "計劃", "更多"]
    client.post("/account/language", data={"language": "en"}, headers=headers)
    assert _html_lang(client.get("/account", headers=headers).text) == "en"


def test_an_unknown_language_or_a_foreign_back_link_is_not_followed(
    alice: Any, client: TestClient
) -> None:
    response = client.post(
        "/account/language",
        data={"language": "xx", "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account"
    assert "ketpath_lang" not in response.headers.get("set-cookie", "")


def test_plural_forms_come_from_the_catalog(alice: Any, client: TestClient) -> None:
    client.post("/account/recovery-codes", data={"password": alice.password})
    assert "You have 8 unused recovery codes." in _text(client.get("/account").text)
    client.post("/account/language", data={"language": "zh-Hans"})
    assert "你有 8 个未用的恢复码。" in _text(client.get("/account").text)


def _earlier_today(zone: str, *, hours: int) -> datetime:
    """Up to ``hours`` ago but still today in ``zone`` (the flags say "today")."""
    now = datetime.now(ZoneInfo(zone))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - timedelta(hours=hours), midnight).astimezone(UTC)


def test_a_hong_kong_emergency_is_shown_in_chinese_with_999_and_the_local_lines(
    alice: Any, client: TestClient, db: Database
) -> None:
    _log(db, alice.person_name, type="profile", timezone="Asia/Hong_Kong")
    logged = _earlier_today("Asia/Hong_Kong", hours=1)
    _log(
        db,
        alice.person_name,
        type="symptom",
        time=logged.isoformat(),
        symptom="suicidal-thoughts",
        severity=2,
    )
    _log(
        db,
        alice.person_name,
        type="symptom",
        time=logged.isoformat(),
        symptom="unable-to-urinate",
        severity=2,
    )
    client.post("/account/language", data={"language": "zh-Hant-HK"})
    page = client.get("/").text
    suicide = _flag_block(page, "suicidal-thoughts")
    assert "現在就找人傾談" in suicide
    assert "應該怎樣做：" in suicide and "What to do" not in suicide
    assert "你在今天記錄了自殺或自我傷害的念頭。" in suicide
    assert "你不需要獨自承受。" in suicide
    assert "請致電緊急服務或前往急症室" in suicide
    for name, number in [
        ("香港撒瑪利亞會（24 小時，多種語言）", "2896 0000"),
        ("香港撒瑪利亞防止自殺會（24 小時，粵語）", "2389 2222"),
        ("生命熱線（24 小時）", "2382 0000"),
        ("緊急服務", "999"),
    ]:
        assert name in suicide and number in suicide, (name, number)
    retention = _flag_block(page, "unable-to-urinate")
    assert "緊急情況：立即求醫" in retention
    assert "今天記錄了無法排尿。" in retention
    assert "立即前往急症室，或致電緊急服務" in retention
    assert "You logged" not in page and "Call emergency services" not in page

    help_page = _text(client.get("/help").text)
    assert "保安局禁毒處求助熱線" in help_page and "186 186" in help_page
    assert "香港的電話號碼" in help_page


def test_simplified_chinese_names_mainland_terms_in_a_flag(
    alice: Any, client: TestClient, db: Database
) -> None:
    _log(db, alice.person_name, type="profile", timezone="Asia/Shanghai")
    used = _earlier_today("Asia/Shanghai", hours=2)
    _log(db, alice.person_name, type="use", time=used.isoformat(), co_use=["opioids"])
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).text
    flag = _flag_block(page, "high-risk-co-use")
    assert "与阿片类药物、GHB/GBL 或苯二氮䓬类药物混合使用" in flag
    assert "今天有 1 次与阿片类药物一起使用。" in flag
    assert "纳洛酮" in flag
    assert "120" in flag


def test_learn_shows_the_practical_pages_and_the_audit_in_chinese(
    alice: Any, client: TestClient
) -> None:
    client.post("/account/language", data={"language": "zh-Hant-TW"})
    index = _text(client.get("/learn").text)
    assert "實用資訊" in index and "和醫師談愷他命（K他命）" in index
    assert "開始使用" in index and "初次使用通常在社交場合，例如派對及夜店" in index
    bladder = _text(client.get("/learn/bladder-care").text)
    assert "照顧膀胱，以及何時要檢查" in bladder
    assert "分數達 10 分或以上，提示膀胱受損" in bladder
    assert "無法排尿" in bladder
    topic = _text(client.get("/learn/harms").text)
    assert "<h1>" not in topic and "傷害" in topic
    assert "文章的說法" in topic and "證據的說法" in topic
    assert "Chan" in topic  # sources stay as published


def test_the_language_can_be_chosen_at_onboarding(alice: Any, client: TestClient) -> None:
    welcome = client.get("/welcome").text
    assert '<select id="welcome-language" name="language">' in welcome
    chosen = client.post(
        "/account/language",
        data={"language": "zh-Hant-HK", "back": "/welcome"},
        follow_redirects=False,
    )
    assert chosen.headers["location"] == "/welcome"
    page = client.get("/welcome").text
    assert _html_lang(page) == "zh-Hant-HK"
    assert "<h1>歡迎使用 ketpath</h1>" in page
    assert "1. 這是你的時區嗎？" in page
