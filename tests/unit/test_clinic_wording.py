"""A clinic's own question wording files (issue 15, point 3).

ketpath does not ship the publisher's Chinese PHQ-9 or GAD-7: a clinic that
holds one writes it into a file, and these tests check that such a file is
read whole or refused naming its field. The texts here are made up for the
tests ("Clinic question 1"); no published wording is in the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ketpath.knowledge.clinic_wording import load_wording, load_wordings, wording_for
from ketpath.knowledge.load import KnowledgeError

DAST_ITEMS = "\n".join(f'q{n} = "Clinic question {n}"' for n in range(1, 11))


def _write(folder: Path, name: str, head: str, items: str = DAST_ITEMS, tail: str = "") -> Path:
    path = folder / name
    path.write_text(f"{head}\n[items]\n{items}\n{tail}", encoding="utf-8")
    return path


DAST_EN = 'instrument = "dast10"\nlanguage = "en"\nsource = "the clinic\'s licensed copy, 2026"'


def test_a_clinic_can_supply_every_question_of_an_instrument(tmp_path: Path) -> None:
    path = _write(tmp_path, "dast10.toml", DAST_EN, tail='[options]\n0 = "No"\n1 = "Yes"\n')
    wording = load_wording(path)
    assert wording.instrument == "dast10"
    assert wording.language == "en"
    assert wording.items["q3"] == "Clinic question 3"
    assert wording.option_label(1) == "Yes"
    assert wording.option_label(2) is None
    assert load_wording(path, "dast10").source == "the clinic's licensed copy, 2026"


@pytest.mark.parametrize(
    ("head", "items", "tail", "problem"),
    [
        (DAST_EN, DAST_ITEMS + '\nq11 = "No such item"', "", r"items\.q11: unknown item 'q11'"),
        (DAST_EN, 'q1 = "Only one"', "", r"items: missing q2, q3, .*q10.*every question"),
        (DAST_EN, DAST_ITEMS.replace('"Clinic question 4"', '""'), "", r"items\.q4"),
        (DAST_EN, DAST_ITEMS, '[options]\n7 = "Seven"\n', r"options\.7: no item .* code 7"),
        (DAST_EN.replace('"en"', '"fr"'), DAST_ITEMS, "", r"language: unknown language 'fr'"),
        (DAST_EN.replace('"dast10"', '"cage"'), DAST_ITEMS, "", r"unknown instrument 'cage'"),
        ('instrument = "dast10"\nlanguage = "en"', DAST_ITEMS, "", r"source"),
        ('instrument = "dast10"\nsource = "x"', DAST_ITEMS, "", r"language"),
        (DAST_EN + "\nextra = 1", DAST_ITEMS, "", r"extra"),
    ],
)
def test_a_bad_wording_file_is_refused_naming_the_field(
    tmp_path: Path, head: str, items: str, tail: str, problem: str
) -> None:
    path = _write(tmp_path, "bad.toml", head, items, tail)
    with pytest.raises(KnowledgeError, match=problem) as caught:
        load_wording(path)
    assert "bad.toml" in str(caught.value)


def test_a_file_for_another_instrument_or_missing_or_not_toml_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "dast10.toml", DAST_EN)
    with pytest.raises(KnowledgeError, match="file is for 'dast10', not 'sds'"):
        load_wording(path, "sds")
    with pytest.raises(KnowledgeError, match=r"nowhere\.toml: file not found"):
        load_wording(tmp_path / "nowhere.toml")
    path.write_text("instrument = ", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"dast10\.toml: "):
        load_wording(path)


def test_a_folder_is_read_by_instrument_and_language(tmp_path: Path) -> None:
    _write(tmp_path, "dast-en.toml", DAST_EN)
    _write(tmp_path, "dast-hk.toml", DAST_EN.replace('"en"', '"zh-Hant-HK"'))
    _write(tmp_path, "dast-hant.toml", DAST_EN.replace('"en"', '"zh-Hant"'))
    (tmp_path / "README.txt").write_text("not a wording file", encoding="utf-8")
    wordings = load_wordings(tmp_path)
    assert set(wordings) == {("dast10", "en"), ("dast10", "zh-Hant-HK"), ("dast10", "zh-Hant")}
    assert wording_for(wordings, "dast10", "zh-Hant-HK") is wordings[("dast10", "zh-Hant-HK")]
    # Taiwan has no file of its own: it reads the general Traditional Chinese one.
    assert wording_for(wordings, "dast10", "zh-Hant-TW") is wordings[("dast10", "zh-Hant")]
    assert wording_for(wordings, "dast10", "zh-Hans") is None
    assert wording_for(wordings, "sds", "en") is None


def test_two_files_for_one_instrument_and_language_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", DAST_EN)
    _write(tmp_path, "b.toml", DAST_EN)
    with pytest.raises(KnowledgeError, match=r"b\.toml: .*already worded by a\.toml"):
        load_wordings(tmp_path)
    with pytest.raises(KnowledgeError, match="not a folder"):
        load_wordings(tmp_path / "a.toml")
