"""Python-built UI text in the language of the page or command (``present.i18n``)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.present.i18n import (
    _,
    current_language,
    ngettext,
    set_language,
    translations,
    use_language,
)
from ketpath.web.language import LanguageMiddleware


def test_english_unless_a_language_is_chosen() -> None:
    assert current_language() == "en"
    assert _("Today") == "Today"


def test_a_chosen_language_translates_and_ends_with_its_block() -> None:
    with use_language("zh-Hant"):
        assert current_language() == "zh-Hant"
        assert _("Today") == "今天"
    assert _("Today") == "Today"


def test_a_regional_language_falls_back_to_its_parent() -> None:
    with use_language("zh-Hant-HK"):
        assert _("Today") == translations("zh-Hant").gettext("Today") != "Today"


def test_an_unknown_language_means_english() -> None:
    with use_language("fr") as chosen:
        assert chosen == "en"
        assert _("Today") == "Today"


def test_variables_are_filled_after_translating() -> None:
    with use_language("zh-Hant"):
        text = ngettext(
            "You have %(count)s unused recovery code.",
            "You have %(count)s unused recovery codes.",
            3,
            count=3,
        )
    assert text == "你有 3 個未用的復原碼。"
    assert (
        ngettext(
            "You have %(count)s unused recovery code.",
            "You have %(count)s unused recovery codes.",
            1,
            count=1,
        )
        == "You have 1 unused recovery code."
    )


def test_an_untranslated_string_keeps_its_english_and_a_percent_is_left_alone() -> None:
    with use_language("zh-Hans"):
        assert _("Not in any catalog: 100%") == "Not in any catalog: 100%"


def test_set_language_lasts_for_the_context_of_a_command_run() -> None:
    seen: list[str] = []

    def run() -> None:  # a fresh thread has a fresh context, like one CLI run
        set_language("zh-Hans")
        seen.append(_("Today"))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [translations("zh-Hans").gettext("Today")]
    assert current_language() == "en"


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(LanguageMiddleware)

    @app.get("/async")
    async def in_async() -> dict[str, str]:
        return {"language": current_language(), "today": _("Today")}

    @app.get("/sync")
    def in_thread() -> dict[str, str]:  # FastAPI runs it on a worker thread
        return {"language": current_language(), "today": _("Today")}

    return app


def test_each_request_is_served_in_its_own_language_in_async_and_sync_routes() -> None:
    client = TestClient(_app())
    for path in ("/async", "/sync"):
        assert client.get(path, headers={"accept-language": "zh-TW"}).json() == {
            "language": "zh-Hant-TW",
            "today": translations("zh-Hant-TW").gettext("Today"),
        }
        assert client.get(path).json() == {"language": "en", "today": "Today"}
    chooser = TestClient(_app())
    chooser.cookies.set("ketpath_lang", "zh-Hans")
    assert chooser.get("/sync").json()["language"] == "zh-Hans"


def test_a_command_run_leaves_no_language_behind_in_its_process(
    tmp_path: Path, alice_history: str
) -> None:
    from typer.testing import CliRunner

    from ketpath.cli import app

    history = tmp_path / "alice.jsonl"
    history.write_text(alice_history, encoding="utf-8")
    result = CliRunner().invoke(app, ["--lang", "zh-Hant", "assess", str(history)])
    assert result.exit_code == 0, result.output
    assert re.search("[\u4e00-\u9fff]", result.output), result.output[:300]
    assert current_language() == "en"
    assert _("Today") == "Today"
