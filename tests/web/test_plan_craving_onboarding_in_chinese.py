"""Plan, craving, onboarding, export and import, sharing, offline and error pages in Chinese (issue 15).

Each test reads what a person sees with the ``ketpath_lang`` cookie set: the
page's own words, the knowledge texts it shows, and the messages the routes
build in Python (a plan over its limit, a bad import line naming its line and
field, an unknown zone, an unknown share). The same pages without the cookie
read exactly as before, in English.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from ketpath.knowledge import languages
from webtest import Account, share_records

HANT = "zh-Hant"
HANS = "zh-Hans"


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _main(page: str) -> str:
    return _text(page[page.index('<main id="main"') : page.index("</main>")])


def _alert(page: str) -> str:
    match = re.search(r'role="alert"[^>]*>(.*?)</(?:div|p)>', page, re.S)
    assert match, "no alert on the page"
    return _text(match.group(1))


def _attribute(page: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def _in(client: TestClient, language: str) -> TestClient:
    client.cookies.set("ketpath_lang", language)
    return client


def _no_english_sentence(text: str) -> list[str]:
    """Runs of four or more English words (names, units and references are shorter or absent)."""
    return re.findall(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){3,}", text)


# ---------------------------------------------------------------- the plan


def test_the_plan_page_reads_in_traditional_chinese_with_its_evidence(
    alice: Account, client: TestClient
) -> None:
    page = _main(_in(client, HANT).get("/plan").text)
    assert page.startswith("我的計劃")
    assert "預防復發的計劃：甚麼會引起衝動" in page
    for label in ("誘因", "警號", "應對方法", "可以致電的人", "改變的理由"):
        assert label in page
    assert "會引起使用衝動的地方、人、感受或時間。" in page
    assert "寫下你的計劃" in page and "儲存計劃" in page
    assert "為甚麼要有計劃" in page and "文章的說法：" in page
    claim = languages.claims(HANT)["relapse-risk"]
    assert claim.title in page and claim.evidence in page
    assert "Write your plan" not in page and "Triggers" not in page


def test_a_plan_over_its_limit_is_refused_in_the_page_language(
    alice: Account, client: TestClient
) -> None:
    too_many = "\n".join(f"trigger {n}" for n in range(25))
    refused = _in(client, HANT).post("/plan", data={"triggers": too_many})
    assert refused.status_code == 422
    assert _alert(refused.text) == "未儲存。 誘因：最多 20 項。"
    long_entry = "x" * 201
    refused = _in(client, HANS).post("/plan", data={"reasons": long_entry})
    assert _alert(refused.text) == "未保存。 改变的理由：每项最多 200 个字符。"
    client.cookies.delete("ketpath_lang")
    english = client.post("/plan", data={"triggers": too_many})
    assert _alert(english.text) == "Not saved. Triggers: at most 20 items."


def test_a_saved_plan_says_so_in_simplified_chinese(alice: Account, client: TestClient) -> None:
    _in(client, HANS).post("/plan", data={"triggers": "发工资那天"})
    page = _main(client.get("/plan?saved=1").text)
    assert "计划已保存。" in page and "你的计划一览" in page and "发工资那天" in page
    assert "修改你的计划" in page


# ---------------------------------------------------------------- the craving page


def test_the_craving_page_and_its_timer_speak_chinese(alice: Account, client: TestClient) -> None:
    _in(client, HANT).post("/plan", data={"people_to_call": "Sam 07700 900123"})
    raw = client.get("/craving").text
    page = _main(raw)
    assert page.startswith("撐過這次渴求")
    assert "有多強烈？" in page and "按一個數字記錄下來：1 是很輕微，10 是最強烈。" in page
    assert "致電 Sam" in page
    minutes = languages.craving(HANT).urge_timer.value
    assert f"用 {minutes} 分鐘衝浪，讓衝動過去" in page
    assert f"做任何事之前，先給自己 {minutes} 分鐘" in page
    assert f"{minutes} 分鐘。準備好就按「開始」。" in page
    assert f"為甚麼是 {minutes} 分鐘" in page
    assert languages.craving(HANT).urge_timer.rationale in page
    assert 'aria-label="渴求 3（滿分 10）"' in raw
    # What the timer script announces comes from the page, already in Chinese.
    assert _attribute(raw, "data-say-pause") == "暫停"
    assert _attribute(raw, "data-say-running-many") == "計時中：還剩 {n} 分鐘。"
    assert _attribute(raw, "data-say-paused-one") == "已暫停，還剩 {n} 分鐘。"
    assert _attribute(raw, "data-say-done").startswith("時間到了。現在衝動有多強烈？")
    assert not _no_english_sentence(page.split("等級")[0])


def test_taiwan_names_ketamine_its_own_way_on_the_craving_page(
    alice: Account, client: TestClient
) -> None:
    page = _main(_in(client, "zh-Hant-TW").get("/craving").text)
    assert "沒有研究為愷他命定出一個時長" in page
    assert "氯胺酮定出" not in page
    hans = _main(_in(client, HANS).get("/craving").text)
    assert "没有研究为氯胺酮定出一个时长" in hans and "撑过这次渴求" in hans


def test_the_craving_page_is_unchanged_in_english(alice: Account, client: TestClient) -> None:
    raw = client.get("/craving").text
    minutes = languages.craving("en").urge_timer.value
    assert f"Surf the urge for {minutes} minutes" in _main(raw)
    assert _attribute(raw, "data-say-running-many") == "Timer running: {n} minutes left."
    assert _attribute(raw, "data-say-left-one") == "{n} minute left."
    assert _attribute(raw, "data-say-start") == "Start"


# ---------------------------------------------------------------- onboarding


def test_the_five_onboarding_steps_read_in_chinese(alice: Account, client: TestClient) -> None:
    _in(client, HANT)
    zone = _main(client.get("/onboarding").text)
    assert zone.startswith("入門") and "第 1 步，共 5 步" in zone and "你在哪裡" in zone
    assert "你的時區" in zone and "你所在的地方（用來顯示求助熱線）" in zone
    assert "香港" in zone  # the countries' names from the help-line knowledge
    goal = _main(client.get("/onboarding/goal").text)
    assert "第 2 步，共 5 步" in goal and "從現在起，我想" in goal
    assert "停用" in goal and "減少使用" in goal and "還未確定" in goal
    plan = _main(client.get("/onboarding/plan").text)
    assert "為難熬的時刻準備一個計劃" in plan and "現在就寫我的計劃" in plan
    about = _main(client.get("/onboarding/about").text)
    assert "ketpath 是甚麼，不是甚麼" in about
    for line in languages.today(HANT).about.is_:
        assert line in about
    privacy = _main(client.get("/onboarding/privacy").text)
    assert "你的私隱" in privacy and "開始使用 ketpath" in privacy
    for line in languages.today(HANT).about.privacy:
        assert line in privacy
    for page in (zone, goal, plan, about, privacy):
        assert not _no_english_sentence(page), page


def test_an_unknown_zone_is_refused_in_chinese_and_in_english(
    alice: Account, client: TestClient
) -> None:
    refused = _in(client, HANS).post("/onboarding/zone", data={"timezone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert (
        _alert(refused.text) == "未知的时区 'Mars/Olympus'（请使用 IANA 名称，例如 Asia/Shanghai）"
    )
    client.cookies.delete("ketpath_lang")
    english = client.post("/onboarding/zone", data={"timezone": "Mars/Olympus"})
    assert _alert(english.text) == (
        "Unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London)"
    )


# ---------------------------------------------------------------- export and import

BAD_LINE = b'{"type": "profile", "timezone": "UTC"}\n{"type": "use", "time": "2025-01-01T10:00Z", "dose_mg": -2}\n'


def _import(client: TestClient, name: str, body: bytes) -> Any:
    return client.post("/import", files={"file": (name, body, "application/octet-stream")})


def test_the_export_page_reads_in_simplified_chinese(alice: Account, client: TestClient) -> None:
    page = _main(_in(client, HANS).get("/export").text)
    assert page.startswith("导出和导入")
    assert "已保存 0 条记录。只有在你下载时，你的数据才会离开这台设备。" in page
    assert "下载 JSONL" in page and "下载摘要（PDF）" in page and "导入记录" in page
    assert "全部导入或全部不导入" in page
    assert not _no_english_sentence(page.replace("time, dose_mg, route, setting, motive", ""))


def test_a_bad_import_line_names_line_and_field_in_a_chinese_sentence(
    alice: Account, client: TestClient
) -> None:
    refused = _import(_in(client, HANT), "records.jsonl", BAD_LINE)
    assert refused.status_code == 422
    assert _alert(refused.text) == (
        "未儲存。 沒有匯入任何記錄。第 2 行，dose_mg：必須大於 0（填入的是 -2）"
    )
    refused = _import(_in(client, HANS), "records.jsonl", b"[1, 2]\n")
    assert (
        _alert(refused.text) == "未保存。 没有导入任何记录。第 1 行：每一行都必须是一个 JSON 对象"
    )
    empty = _in(client, HANS).post("/import", files={"file": ("", b"", "text/plain")})
    assert "请选择要导入的 .jsonl、.csv 或 FHIR .json 文件。" in _alert(empty.text)
    client.cookies.delete("ketpath_lang")
    english = _import(client, "records.jsonl", BAD_LINE)
    assert _alert(english.text) == (
        "Not saved. Nothing was imported. Line 2: dose_mg: must be more than 0 (it was -2)"
    )


def test_an_import_is_counted_in_chinese(alice: Account, client: TestClient) -> None:
    line = b'{"type": "craving", "time": "2025-01-01T10:00Z", "intensity": 4}\n'
    done = _import(_in(client, HANT), "records.jsonl", line)
    assert "已匯入 1 項記錄。" in _main(done.text)
    again = _import(client, "records.jsonl", line)
    assert "已匯入 0 項記錄；1 項原本已經存在，沒有重複儲存。" in _main(again.text)


# ---------------------------------------------------------------- sharing


def test_the_sharing_page_reads_in_chinese_with_dates_as_chinese_writes_them(
    alice: Account, bob: Account, client: TestClient
) -> None:
    share_records(alice, bob)
    created = _in(client, HANT).post("/sharing")
    page = _main(created.text)
    assert page.startswith("與臨床人員分享")
    assert "分享碼讓一位臨床人員可以閱讀你的記錄和評估" in page
    assert "你的新分享碼" in page
    assert re.search(r"它只能用一次，有效至 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d UTC。", page)
    assert "已與 bob@example.org 分享 自 " in page
    assert re.search(r"分享碼尚未使用 ?，建立於 \d{4}年\d{1,2}月\d{1,2}日，有效至", page)
    assert "撤銷" in page and "誰閱讀過你的資料" in page
    english = _main(_in(client, "en").get("/sharing").text)
    assert "Shared with bob@example.org since " in english
    assert re.search(r"works until \d\d [A-Z][a-z]+ \d{4}\.", english)


def test_an_unknown_share_is_refused_in_chinese(alice: Account, client: TestClient) -> None:
    refused = _in(client, HANS).post("/sharing/999/revoke")
    assert refused.status_code == 404
    assert _main(refused.text) == "找不到 没有这个分享。 返回首页"
    client.cookies.delete("ketpath_lang")
    assert _main(client.post("/sharing/999/revoke").text) == (
        "Not found No such share. Back to the start"
    )


# ---------------------------------------------------------------- base, offline, errors


def test_the_skip_link_footer_offline_and_error_pages_read_in_chinese(
    alice: Account, client: TestClient
) -> None:
    page = _in(client, HANT).get("/offline").text
    assert '<a class="skip-link" href="#main">跳到主要內容</a>' in page
    assert "ketpath 絕不提供劑量建議。緊急時請致電當地的緊急號碼。" in _text(page)
    assert _main(page).startswith("你現在離線 這一頁需要網絡連線")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert _main(missing.text) == "找不到 找不到這一頁。 返回首頁"
    assert "<title>找不到 · ketpath</title>" in missing.text
    hans = _in(client, HANS).get("/learn/no-such-topic")
    assert _main(hans.text) == "找不到 没有这个主题。 返回首页"


def test_the_base_page_and_errors_are_unchanged_in_english(
    alice: Account, client: TestClient
) -> None:
    page = client.get("/offline").text
    assert '<a class="skip-link" href="#main">Skip to content</a>' in page
    assert "ketpath never gives dose advice." in page
    assert _main(client.get("/no-such-page").text) == "Not found Not Found Back to the start"


def test_an_entry_waiting_offline_is_refused_in_the_page_language(
    alice: Account, client: TestClient
) -> None:
    entry = {
        "kind": "mood",
        "fields": [["score", "12"]],
        "made_at": "2025-01-01T10:00:00+00:00",
    }
    headers = {"Idempotency-Key": "offline-entry-in-chinese-0001"}
    refused = _in(client, HANT).post("/offline/entries", json=entry, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "score: 最多只可以是 10（填入的是 12）"
    client.post("/logout")
    signed_out = _in(client, HANS).post("/offline/entries", json=entry, headers=headers)
    assert signed_out.json() == {"detail": "请先登录，才能发送留在这台设备上的记录。"}
