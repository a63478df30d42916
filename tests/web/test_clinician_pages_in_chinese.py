"""The clinician's pages, the rewards pages and the account errors in Chinese (issue 15).

Bob, a clinician, chooses Traditional or Simplified Chinese on Account; Alice
shares her records with him, with thoughts of self-harm logged an hour ago
(an emergency red flag) and a positive drug screen. Each test reads what Bob
or a visitor sees: headings, table heads, the flag's Chinese words, and the
messages Python builds (a refused code, a rate limit, a clinic form error, a
rewards setting refused, a wrong password, a weak password, a wrong PIN), and
that English is unchanged without a choice.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ketpath.core.records import parse_record
from ketpath.services import log_record
from ketpath.store import Database
from webtest import Account, share_records


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _main(page: str) -> str:
    found = re.search(r"<main[^>]*>(.*)</main>", page, re.S)
    assert found, "no main on the page"
    return _text(found.group(1))


def _choose(account: Account, language: str) -> None:
    response = account.client.post(
        "/account/language", data={"language": language}, follow_redirects=False
    )
    assert response.status_code == 303


HONG_KONG = ZoneInfo("Asia/Hong_Kong")


@pytest.fixture
def logged() -> datetime:
    """When Alice logged the thoughts of self-harm: a minute ago."""
    return datetime.now(UTC) - timedelta(minutes=1)


def _day(logged: datetime) -> tuple[str, str]:
    """The flag's day word in Chinese and English: today in Hong Kong, or yesterday past midnight."""
    today = logged.astimezone(HONG_KONG).date() == datetime.now(HONG_KONG).date()
    return ("今天", "today") if today else ("昨天", "yesterday")


@pytest.fixture
def patient(alice: Account, bob: Account, db: Database, logged: datetime) -> int:
    """Alice, with an emergency flag and a positive screen, shared with Bob: her patient id."""
    assert alice.person_name is not None
    for fields in (
        {"type": "profile", "timezone": "Asia/Hong_Kong"},
        {
            "type": "symptom",
            "time": logged.isoformat(),
            "symptom": "suicidal-thoughts",
            "severity": 2,
        },
    ):
        log_record(db, alice.person_name, parse_record(fields), create=True)
    patient_id = share_records(alice, bob).patient_id
    screen = bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "positive", "method": "urine"},
        follow_redirects=False,
    )
    assert screen.status_code == 303
    return patient_id


def test_the_roster_reads_in_traditional_chinese(bob: Account, patient: int) -> None:
    _choose(bob, "zh-Hant")
    page = bob.client.get("/patients").text
    main = _main(page)
    assert "<h1>病人</h1>" in page
    assert "需要留意" in main
    assert "與你分享記錄的所有人（1）" in main
    assert "病人 紅旗警示 階段 最近記錄" in main  # the table's heads
    assert "天前）" in main  # "(N d ago)" in Chinese
    assert "現在就找人傾談" in main  # the new flag, by its translated words
    assert "過去 30 天內有 1 次陽性藥物檢測" in main
    assert "緊急" in main  # the row's level
    assert "沒有使用記錄" in main  # her stage
    assert "：現在就找人傾談" in main
    for english in ("Needs attention", "Everyone sharing", "positive drug screen", "Last entry"):
        assert english not in main


def test_the_patient_page_with_a_red_flag_reads_in_traditional_chinese(
    bob: Account, patient: int, logged: datetime
) -> None:
    _choose(bob, "zh-Hant")
    page = bob.client.get(f"/patients/{patient}").text
    flag = re.search(
        r'<article class="red-flag[^"]*" id="flag-suicidal-thoughts">(.*?)</article>', page, re.S
    )
    assert flag, "no red flag on the patient page"
    words = _text(flag.group(1))
    assert "現在就找人傾談" in words
    assert "記錄了自殺或自我傷害的念頭。" in words  # worded for the clinician
    assert "ketpath 告訴當事人的內容" in words
    assert f"你在{_day(logged)[0]}記錄了自殺或自我傷害的念頭。" in words  # what she was shown
    assert "根據：" in words
    assert "You logged" not in words and "What ketpath told" not in words
    main = _main(page)
    for chinese in (
        "唯讀：這些是當事人自己的記錄",
        "藥物檢測及備註",
        "陽性（尿液）",  # the screen Bob entered
        "加入藥物檢測",
        "選擇結果 陰性 陽性 無效",  # the result's choices
        "採集樣本的時間（當事人的時區：Asia/Hong_Kong）",
        "PDF 摘要",
        "下載這段日子的摘要（PDF）",
        "時間線",
    ):
        assert chinese in main, chinese
    for english in ("Drug screens and notes", "Add a drug screen", "Read-only", "Timeline"):
        assert english not in main


def test_a_clinic_form_error_built_in_python_is_in_chinese(bob: Account, patient: int) -> None:
    _choose(bob, "zh-Hant")
    refused = bob.client.post(
        f"/patients/{patient}/drug-screens", data={"result": "maybe", "method": "urine"}
    )
    assert refused.status_code == 422
    assert "未儲存：結果：請選擇陰性、陽性或無效" in _main(refused.text)
    note = bob.client.post(f"/patients/{patient}/notes", data={"text": "   "})
    assert "未儲存：內容：請寫下備註（最多 2000 個字元）" in _main(note.text)


def test_a_refused_code_and_the_rate_limit_are_in_simplified_chinese(bob: Account) -> None:
    _choose(bob, "zh-Hans")
    page = bob.client.get("/redeem").text
    assert "<h1>兑换分享码</h1>" in page
    assert "每个分享码只能使用一次，有效期 7 天。" in _main(page)
    refused = bob.client.post("/redeem", data={"code": "AAAA-BBBB-CCCC"})
    assert refused.status_code == 400
    assert "这个分享码不存在、已经用过、已被撤销或已经过期。" in _main(refused.text)
    for _ in range(5):
        limited = bob.client.post("/redeem", data={"code": "AAAA-BBBB-CCCC"})
    assert limited.status_code == 429
    assert re.search(r"尝试次数太多。请在 \d+ 秒后再试。", _main(limited.text))


def test_the_rewards_settings_and_a_refused_setting_in_chinese(bob: Account, patient: int) -> None:
    _choose(bob, "zh-Hant")
    url = f"/patients/{patient}/rewards/settings"
    main = _main(bob.client.get(url).text)
    assert "獎勵計劃" in main and "儲存獎勵計劃" in main
    assert "陽性檢測一律沒有獎勵" in main
    assert "是：缺席檢測會重設" in main  # a choice's words
    assert "每次檢測，最新的在前" in main
    assert (
        "第一次陰性檢測的金額 $2.50 佛蒙特的憑單計劃為第一個可卡因陰性的尿液樣本支付 2.50 美元。"
        in main
    )
    assert "缺席檢測會重設金額 是" in main  # a yes-or-no setting's value
    assert "目前沒有試驗研究過它對氯胺酮的效果" in main
    assert "陽性 回到起始金額" in main  # the screen and what it did
    refused = bob.client.post(url, data={"start_value": "two pounds", "bonus_every": "-1"})
    assert refused.status_code == 422
    words = _main(refused.text)
    assert "未儲存。 請更正：" in words
    assert "第一次陰性檢測的金額：必須是金額，例如 2.50" in words
    assert "連續多少次陰性檢測後發放獎金：必須是 0 至" in words
    assert "必須是金額，例如 2.50" in words
    assert re.search(r"必須是 0 至 \d+ 之間的整數", words)
    assert "must be" not in words


def test_account_errors_come_out_in_chinese(alice: Account, client: Any, make_account: Any) -> None:
    headers = {"Accept-Language": "zh-HK"}
    client.post("/logout")
    wrong = client.post(
        "/login", data={"email": alice.email, "password": "not it at all"}, headers=headers
    )
    assert wrong.status_code == 400
    assert "這個電郵地址和密碼與任何帳戶都不相符。" in _main(wrong.text)
    weak = client.post(
        "/register",
        data={"email": "new@example.org", "password": "lmnopqrstu"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert weak.status_code == 400
    assert "不要用连续的字符（例如 12345678 或 abcdefgh）；请另选一个" in _main(weak.text)
    common = client.post(
        "/register", data={"email": "new@example.org", "password": "12345678"}, headers=headers
    )
    assert "這是最常見的密碼之一；請另選一個" in _main(common.text)
    short = client.post(
        "/register", data={"email": "new@example.org", "password": "short"}, headers=headers
    )
    assert "請用最少 8 個字元" in _main(short.text)


def test_a_wrong_pin_and_a_changed_password_in_chinese(alice: Account) -> None:
    _choose(alice, "zh-Hant")
    mismatch = alice.client.post("/account/pin", data={"pin": "1234", "pin_again": "4321"})
    assert mismatch.status_code == 400
    assert "兩次輸入的 PIN 不一樣" in _main(mismatch.text)
    wrong = alice.client.post(
        "/account/password",
        data={"current_password": "not mine", "new_password": "a much longer passphrase"},
    )
    assert wrong.status_code == 400
    assert "這不是你目前的密碼" in _main(wrong.text)
    reminder = alice.client.post(
        "/account/reminders", data={"frequency": "weekly", "time": "nine", "weekday": "0"}
    )
    assert reminder.status_code == 400
    words = _main(reminder.text)
    assert "請輸入時間，例如 09:00" in words
    assert "星期一" in words and "Monday" not in words


def test_english_is_unchanged_without_a_choice(
    bob: Account, patient: int, logged: datetime
) -> None:
    roster = _main(bob.client.get("/patients").text)
    assert "Needs attention" in roster
    assert "1 positive drug screen in the last 30 days" in roster
    assert "Everyone sharing with you (1)" in roster
    assert " d ago)" in roster
    page = _text(bob.client.get(f"/patients/{patient}").text)
    assert "Positive (urine)" in page
    assert f"Thoughts of suicide or self-harm logged {_day(logged)[1]}." in page
    assert "What ketpath told the person" in page
    refused = bob.client.post(
        f"/patients/{patient}/drug-screens", data={"result": "maybe", "method": "urine"}
    )
    assert "Not saved: result: choose negative, positive or invalid" in _main(refused.text)
    code = bob.client.post("/redeem", data={"code": "AAAA-BBBB-CCCC"})
    assert "That code is unknown, already used, revoked or expired." in _main(code.text)


def test_the_rewards_in_taiwan_usage_name_ketamine_as_taiwan_does(
    bob: Account, patient: int
) -> None:
    _choose(bob, "zh-Hant-TW")
    main = _main(bob.client.get(f"/patients/{patient}/rewards").text)
    assert "目前沒有試驗研究過它對愷他命的效果" in main
    assert "氯胺酮" not in main
    assert "藥物檢測陰性的獎勵" in main  # the rest as zh-Hant


def test_the_rewards_settings_stay_english_without_a_choice(bob: Account, patient: int) -> None:
    url = f"/patients/{patient}/rewards/settings"
    main = _main(bob.client.get(url).text)
    assert "Value of the first negative screen $2.50 The Vermont voucher schedule paid" in main
    assert "A missed screen resets the value yes" in main
    refused = _main(bob.client.post(url, data={"start_value": "two pounds"}).text)
    assert "Value of the first negative screen: must be an amount such as 2.50" in refused
