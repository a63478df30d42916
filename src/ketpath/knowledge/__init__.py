"""The knowledge base: claims, rules, vocabularies, instruments and sources as data.

Everything a clinician might review lives in the TOML files beside this module;
``load.py`` reads and validates them so that a bad edit fails loudly, naming
the file, the entry and the field.
"""

from ketpath.knowledge.load import (
    Claim,
    KnowledgeError,
    Source,
    claims,
    helplines,
    knowledge_path,
    rules,
    sources,
    vocabulary,
)

__all__ = [
    "Claim",
    "KnowledgeError",
    "Source",
    "claims",
    "helplines",
    "knowledge_path",
    "rules",
    "sources",
    "vocabulary",
]
