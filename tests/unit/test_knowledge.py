"""The evidence-graded knowledge base: sources, claims and the rules that cite them.

The real data files are checked for consistency (grades, citations, the audited
claims of REFERENCE.md), and the loader is checked to reject bad files with an
error that names the file and the entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ketpath.knowledge import KnowledgeError, claims, load, rules, sources

GRADES = {"A", "B", "C", "U", "X"}
TOPICS = {
    "initiation",
    "progression",
    "reward",
    "tolerance",
    "dependence",
    "withdrawal",
    "harms",
    "epidemiology",
    "treatment",
    "recovery",
    "classification",
}

# The audited rows of shared/REFERENCE.md, with the grade given there.
AUDITED_GRADES = {
    "dopamine-surge": "U",
    "chronic-cortical-dopamine": "C",
    "tolerance-onset": "C",
    "recreational-doses": "B",
    "intranasal-first-use": "U",
    "past-year-continuation": "B",
    "dependence-rate": "U",
    "ulcerative-cystitis-rate": "X",
    "age-peak": "X",
    "withdrawal-phases": "U",
    "withdrawal-seizures": "X",
    "bladder-harm": "A",
    "intoxication-risks": "B",
    "treatment-options": "C",
    "cognitive-impairment": "B",
}

# Claim ids that rules.toml (and the person model) refer to.
RULE_CLAIMS = {
    "frequency-escalation",
    "tolerance-onset",
    "dose-escalation",
    "route-escalation",
    "contextual-expansion",
    "emotional-dependency",
    "craving",
    "failed-quit",
    "withdrawal-phases",
    "bladder-harm",
    "ulcerative-cystitis-rate",
    "cognitive-impairment",
    "functional-impairment",
    "intoxication-risks",
    "mood-comorbidity",
    "withdrawal-seizures",
    "dependence-rate",
}

# Source ids that rules, instruments and the body model cite.
REQUIRED_SOURCES = {
    "seed-article",
    "ketpath-defaults",
    "kokkinou-2018",
    "barrios-2025",
    "winstock-2012",
    "erowid-2013",
    "tri-city-2021",
    "unodc-wdr",
    "yang-2025",
    "nsduh-2022",
    "roberts-2024",
    "chan-2022",
    "jhepatol-2018",
    "morgan-2010",
    "livingston-1978",
    "moaddel-2016",
    "harding-2025",
    "dsm5-tr",
    "icd11",
    "icd10cm",
    "ahmed-koob-1998",
    "wagner-anthony-2002",
    "lopez-quintero-2011",
    "solomon-corbit-1974",
    "chou-2022",
    "kroenke-2001",
    "spitzer-2006",
    "gossop-1995",
    "tung-2014",
    "skinner-1982",
    "who-assist-2010",
    "assist-v31-2016",
    "parsons-2002",
    "puf-hk-2012",
    "oleary-1997",
    "sci-rep-2019",
    "elkomy-2015",
    "yanagihara-2003",
    "clements-1982",
    "chong-2006",
    "malinovsky-1996",
    "esketamine-label",
    "hijazi-2002",
    "fanta-2015",
    "olofsen-2022",
    "zanos-2018",
    "kamp-2020",
}

# Sources that say nothing about the evidence itself.
NOT_EVIDENCE = {"seed-article", "ketpath-defaults"}


# ---------------------------------------------------------------- the real knowledge base


def test_every_required_source_exists() -> None:
    missing = REQUIRED_SOURCES - set(sources())
    assert not missing, f"sources.toml lacks {sorted(missing)}"


def test_the_seed_article_is_an_article_and_the_defaults_are_project_defaults() -> None:
    assert sources()["seed-article"].kind == "article"
    assert "Courtney Scott" in sources()["seed-article"].citation
    assert sources()["ketpath-defaults"].kind == "project-default"


def test_every_unverified_source_says_what_is_unconfirmed() -> None:
    silent = [s.id for s in sources().values() if not s.verified and not (s.note or "").strip()]
    assert not silent, f"unverified sources without a note: {silent}"


def test_every_claim_has_a_known_grade_and_topic() -> None:
    for claim in claims().values():
        assert claim.grade in GRADES, claim.id
        assert claim.topic in TOPICS, f"{claim.id}: topic {claim.topic!r}"


def test_every_claim_cites_only_known_sources() -> None:
    known = set(sources())
    for claim in claims().values():
        unknown = set(claim.sources) - known
        assert not unknown, f"{claim.id} cites unknown {sorted(unknown)}"


def test_every_claim_cites_the_seed_article() -> None:
    without = [c.id for c in claims().values() if "seed-article" not in c.sources]
    assert not without, f"claims not citing the seed article: {without}"


def test_every_claim_graded_on_evidence_cites_evidence_beyond_the_article() -> None:
    for claim in claims().values():
        if claim.grade in {"A", "B", "C", "X"}:
            evidence = set(claim.sources) - NOT_EVIDENCE
            assert evidence, f"{claim.id} is graded {claim.grade} but cites no evidence"


def test_no_claim_repeats_the_article_as_its_evidence() -> None:
    for claim in claims().values():
        assert claim.article.strip() != claim.evidence.strip(), claim.id


@pytest.mark.parametrize(("claim_id", "grade"), sorted(AUDITED_GRADES.items()))
def test_each_audited_claim_carries_the_reference_grade(claim_id: str, grade: str) -> None:
    assert claim_id in claims(), f"audited claim {claim_id!r} is missing"
    assert claims()[claim_id].grade == grade


def test_every_claim_the_rules_refer_to_exists() -> None:
    missing = RULE_CLAIMS - set(claims())
    assert not missing, f"claims.toml lacks {sorted(missing)}"


def test_the_rules_load_against_these_claims_and_sources() -> None:
    loaded = rules()  # raises KnowledgeError on an unknown source or claim
    referred = {claim_id for _, item in loaded.graded_items() for claim_id in item.claims}
    assert referred <= set(claims())


def test_every_graded_rule_has_a_known_grade_and_cites_only_known_sources() -> None:
    known = set(sources())
    for name, item in rules().graded_items():
        assert item.grade in GRADES, name
        unknown = set(item.sources) - known
        assert not unknown, f"{name} cites unknown {sorted(unknown)}"


# ---------------------------------------------------------------- the loader rejects bad files


def _clear_caches() -> None:
    for loader in (load.sources, load.claims, load.rules, load.vocabulary):
        loader.cache_clear()


@contextmanager
def _knowledge_in(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``folder`` in place of the real knowledge directory; caches are cleared around it."""
    _clear_caches()
    monkeypatch.setattr(load, "KNOWLEDGE_DIR", folder)
    try:
        yield folder
    finally:
        _clear_caches()


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty knowledge directory in place of the real one; caches are cleared around it."""
    with _knowledge_in(tmp_path, monkeypatch) as folder:
        yield folder


GOOD_SOURCES = """
[[source]]
id = "seed-article"
citation = "The article."
kind = "article"

[[source]]
id = "some-study"
citation = "A study."
kind = "cohort"
year = 2020
"""


def _claim(claim_id: str, *, grade: str = "B", cites: str = '"seed-article", "some-study"') -> str:
    return f"""
[[claim]]
id = "{claim_id}"
topic = "harms"
title = "A title"
article = "What the article says."
grade = "{grade}"
evidence = "What the evidence says."
sources = [{cites}]
"""


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_a_well_formed_knowledge_base_loads(knowledge_dir: Path) -> None:
    _write(knowledge_dir, "sources.toml", GOOD_SOURCES)
    _write(knowledge_dir, "claims.toml", _claim("fine"))
    assert set(load.sources()) == {"seed-article", "some-study"}
    assert load.claims()["fine"].grade == "B"


def test_a_claim_citing_an_unknown_source_is_rejected(knowledge_dir: Path) -> None:
    _write(knowledge_dir, "sources.toml", GOOD_SOURCES)
    _write(knowledge_dir, "claims.toml", _claim("orphan", cites='"seed-article", "nowhere-2099"'))
    with pytest.raises(KnowledgeError) as raised:
        load.claims()
    message = str(raised.value)
    assert "claims.toml" in message
    assert "orphan" in message
    assert "nowhere-2099" in message


def test_a_claim_with_a_bad_grade_is_rejected(knowledge_dir: Path) -> None:
    _write(knowledge_dir, "sources.toml", GOOD_SOURCES)
    _write(knowledge_dir, "claims.toml", _claim("ok") + _claim("overrated", grade="A+"))
    with pytest.raises(KnowledgeError) as raised:
        load.claims()
    message = str(raised.value)
    assert "claims.toml" in message
    assert "overrated" in message
    assert "grade" in message


def test_a_duplicate_claim_id_is_rejected(knowledge_dir: Path) -> None:
    _write(knowledge_dir, "sources.toml", GOOD_SOURCES)
    _write(knowledge_dir, "claims.toml", _claim("twice") + _claim("twice"))
    with pytest.raises(KnowledgeError) as raised:
        load.claims()
    message = str(raised.value)
    assert "claims.toml" in message
    assert "twice" in message
    assert "duplicate" in message


def test_a_duplicate_source_id_is_rejected(knowledge_dir: Path) -> None:
    _write(knowledge_dir, "sources.toml", GOOD_SOURCES + GOOD_SOURCES)
    with pytest.raises(KnowledgeError) as raised:
        load.sources()
    message = str(raised.value)
    assert "sources.toml" in message
    assert "duplicate" in message
    assert "seed-article" in message


def test_an_unknown_key_in_a_source_is_rejected(knowledge_dir: Path) -> None:
    _write(
        knowledge_dir,
        "sources.toml",
        GOOD_SOURCES + '\n[[source]]\nid = "typo"\n'
        'citation = "X."\nkind = "survey"\nverfied = true\n',
    )
    with pytest.raises(KnowledgeError) as raised:
        load.sources()
    message = str(raised.value)
    assert "sources.toml" in message
    assert "typo" in message
    assert "verfied" in message


def test_an_unknown_key_in_a_claim_is_rejected(knowledge_dir: Path) -> None:
    _write(knowledge_dir, "sources.toml", GOOD_SOURCES)
    _write(knowledge_dir, "claims.toml", _claim("extra") + 'strength = "high"\n')
    with pytest.raises(KnowledgeError) as raised:
        load.claims()
    message = str(raised.value)
    assert "claims.toml" in message
    assert "extra" in message
    assert "strength" in message


def test_a_source_of_an_unknown_kind_is_rejected(knowledge_dir: Path) -> None:
    _write(
        knowledge_dir, "sources.toml", '[[source]]\nid = "odd"\ncitation = "X."\nkind = "blog"\n'
    )
    with pytest.raises(KnowledgeError) as raised:
        load.sources()
    message = str(raised.value)
    assert "sources.toml" in message
    assert "odd" in message
    assert "kind" in message


def test_the_real_knowledge_base_is_back_after_a_patched_one(tmp_path: Path) -> None:
    # Self-contained (it once relied on running after the patched tests above):
    # patch as the fixture does, then the real files must be read again.
    assert "kamp-2020" in sources()  # the real base, cached
    with pytest.MonkeyPatch.context() as monkeypatch, _knowledge_in(tmp_path, monkeypatch):
        _write(tmp_path, "sources.toml", GOOD_SOURCES)
        assert "kamp-2020" not in load.sources()
    assert "kamp-2020" in sources()
    assert "bladder-harm" in claims()
