"""The knowledge base in every shipped language: complete, checked, and true to the glossary."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketpath.knowledge import KnowledgeError, languages, load
from ketpath.knowledge.languages import LANGUAGES, english_texts, translated_files, translated_texts

GLOSSARY = tomllib.loads((load.KNOWLEDGE_DIR / "i18n" / "glossary.toml").read_text("utf-8"))
TRANSLATIONS = [language for language in LANGUAGES if language != "en"]


def _clear() -> None:
    for loader in (
        load.sources,
        load.claims,
        load.rules,
        load.vocabulary,
        load.helplines,
        load.practical_pages,
    ):
        loader.cache_clear()
    languages.clear_caches()


@pytest.fixture
def knowledge_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the real knowledge directory in place of it; caches cleared around it."""
    folder = tmp_path / "knowledge"
    shutil.copytree(load.KNOWLEDGE_DIR, folder)
    _clear()
    monkeypatch.setattr(load, "KNOWLEDGE_DIR", folder)
    try:
        yield folder
    finally:
        _clear()


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_every_shipped_language_loads_every_knowledge_file() -> None:
    languages.check_all()


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_person_facing_text_has_a_translation(language: str) -> None:
    for file_name in translated_files():
        english = english_texts(file_name)
        translated = translated_texts(language, file_name)
        assert set(translated) == set(english), file_name
        untranslated = [
            key
            for key, text in translated.items()
            if text == english[key] and re.search("[a-z]{3,}", text)  # "GHB / GBL" is both
        ]
        assert not untranslated, f"{language} {file_name}: English left in {untranslated[:3]}"


def test_a_missing_translation_names_the_file_and_the_key(knowledge_copy: Path) -> None:
    path = knowledge_copy / "i18n" / "zh-Hant" / "rules.toml"
    lines = path.read_text("utf-8").splitlines()
    kept = [line for line in lines if not line.startswith('"red_flag_levels.emergency.action"')]
    path.write_text("\n".join(kept) + "\n", "utf-8")
    with pytest.raises(KnowledgeError) as raised:
        languages.rules("zh-Hant")
    assert "knowledge/i18n/zh-Hant/rules.toml: red_flag_levels.emergency.action" in str(
        raised.value
    )
    assert "not translated" in str(raised.value)


def test_a_regional_language_misses_what_its_parent_misses(knowledge_copy: Path) -> None:
    path = knowledge_copy / "i18n" / "zh-Hant" / "claims.toml"
    lines = path.read_text("utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", "utf-8")
    with pytest.raises(KnowledgeError, match=r"knowledge/i18n/zh-Hant/claims\.toml: claim\."):
        languages.claims("zh-Hant-HK")


def test_a_translated_key_the_english_file_lacks_is_refused(knowledge_copy: Path) -> None:
    path = knowledge_copy / "i18n" / "zh-Hans" / "vocabulary.toml"
    path.write_text(path.read_text("utf-8") + '"symptoms.hiccups.label" = "打嗝"\n', "utf-8")
    with pytest.raises(KnowledgeError) as raised:
        languages.vocabulary("zh-Hans")
    assert "knowledge/i18n/zh-Hans/vocabulary.toml: symptoms.hiccups.label" in str(raised.value)
    assert "no such text in knowledge/vocabulary.toml" in str(raised.value)


def test_a_translation_must_keep_the_placeholders(knowledge_copy: Path) -> None:
    path = knowledge_copy / "i18n" / "zh-Hant" / "rules.toml"
    _rewrite(path, "{when}記錄了{label}。", "{when}記錄了{label}（{count}）。")
    with pytest.raises(KnowledgeError, match=r"placeholders \['count', 'label', 'when'\] differ"):
        languages.rules("zh-Hant")


def test_a_translation_file_must_say_how_it_was_made(knowledge_copy: Path) -> None:
    path = knowledge_copy / "i18n" / "zh-Hant" / "body.toml"
    _rewrite(path, "reviewed = false", "")
    with pytest.raises(KnowledgeError, match="reviewed = true or false"):
        languages.body_words("zh-Hant")


def test_regional_languages_fall_back_to_their_parent() -> None:
    hong_kong = languages.claims("zh-Hant-HK")
    general = languages.claims("zh-Hant")
    assert (
        hong_kong["bladder-harm"].title
        == general["bladder-harm"].title
        == ("膀胱損害、小便有血、肚痛及膽管損害")
    )
    assert "急症室" in languages.rules("zh-Hant-HK").red_flag_levels["urgent"].action
    assert "急診室" in languages.rules("zh-Hant").red_flag_levels["urgent"].action


def test_thresholds_ids_and_sources_stay_as_in_english() -> None:
    english, chinese = load.rules(), languages.rules("zh-Hans")
    for key, flag in english.red_flags.items():
        translated = chinese.red_flags[key]
        assert (translated.window_days, translated.sources, translated.level) == (
            flag.window_days,
            flag.sources,
            flag.level,
        )
    assert (
        languages.claims("zh-Hans")["bladder-harm"].sources == load.claims()["bladder-harm"].sources
    )


def test_no_language_is_marked_reviewed_before_a_clinician_has_read_it() -> None:
    for language in TRANSLATIONS:
        status = languages.status(language)
        assert not status.reviewed
        assert any("not yet reviewed" in made for made in status.made)
    assert languages.status("en").reviewed


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_translations_use_the_glossary_terms(language: str) -> None:
    """Where English names a glossary term, the translation has the place's formal word."""
    misses = []
    for file_name in translated_files():
        english = english_texts(file_name)
        translated = translated_texts(language, file_name)
        for term, spec in GLOSSARY["term"].items():
            formal = spec[language]["formal"]
            for key, text in english.items():
                if re.search(spec["match"], text, re.IGNORECASE) and formal not in translated[key]:
                    misses.append(f"{file_name} {key}: {term} should read {formal}")
    assert not misses, "\n".join(misses[:10])


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_street_words_appear_only_in_their_place_and_beside_the_formal_word(language: str) -> None:
    for term, spec in GLOSSARY["term"].items():
        own = set(spec[language].get("street", []))
        others = {
            word
            for lang in TRANSLATIONS
            for word in spec[lang].get("street", [])
            if word not in own
        }
        for file_name in translated_files():
            for key, text in translated_texts(language, file_name).items():
                foreign = [word for word in others if word in text]
                assert not foreign, f"{language} {file_name} {key}: {term} {foreign}"
                for word in own:
                    if word in text:
                        assert spec[language]["formal"] in text, f"{key}: {word} alone"


def test_hong_kong_and_taiwan_texts_use_their_street_words_somewhere() -> None:
    hong_kong = languages.practical_pages("zh-Hant-HK")["talking-to-a-doctor"]
    taiwan = languages.practical_pages("zh-Hant-TW")["talking-to-a-doctor"]
    assert hong_kong.title == "和醫生談氯胺酮（K仔）"
    assert taiwan.title == "和醫師談愷他命（K他命）"


def test_a_language_counts_as_reviewed_only_when_every_file_of_it_is(
    knowledge_copy: Path,
) -> None:
    for path in (knowledge_copy / "i18n" / "zh-Hant").rglob("*.toml"):
        _rewrite(path, "reviewed = false", "reviewed = true")
    assert languages.status("zh-Hant").reviewed
    assert not languages.status("zh-Hant-HK").reviewed  # its own files are not yet
    _rewrite(
        knowledge_copy / "i18n" / "zh-Hant" / "claims.toml", "reviewed = true", "reviewed = false"
    )
    languages.clear_caches()
    assert not languages.status("zh-Hant").reviewed


def test_instruments_keep_their_scoring_and_gain_short_labels() -> None:
    english = languages.instruments("en")["phq9"]
    chinese = languages.instruments("zh-Hant")["phq9"]
    assert chinese.total_label == "抑鬱嚴重程度分數（0-27）"
    assert [item.label for item in chinese.items][8] == "有死亡或自我傷害的念頭"
    assert [[(o.code, o.score) for o in item.options] for item in chinese.items] == [
        [(o.code, o.score) for o in item.options] for item in english.items
    ]
    assert languages.instruments("zh-Hans")["puf"].items[0].label == "日间小便次数"
