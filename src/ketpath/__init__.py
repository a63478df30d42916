"""ketpath: how ketamine use develops into addiction over time, and what to do about it.

The public Python API::

    import ketpath
    records = ketpath.read_jsonl("history.jsonl")
    assessment = ketpath.assess(records, as_of=None)   # .to_dict() for JSON
"""

from ketpath.core.assess import Assessment, assess
from ketpath.core.records import Record, RecordError
from ketpath.interop.jsonl import read_jsonl

__version__ = "0.1.0"

__all__ = ["Assessment", "Record", "RecordError", "__version__", "assess", "read_jsonl"]
