"""Regenerate ``src/ketpath/services/data/common-passwords.txt`` from zxcvbn's password list.

The list is the ``passwords`` frequency list of Dropbox's zxcvbn 4.4.2 (MIT
licence), the 30,000 most common passwords of Mark Burnett's 10 million
password corpus (Xato, 2015), most common first. Only the entries of 8 or more
characters are kept: shorter ones are refused by the length rule anyway.

    cd "$(mktemp -d)" && npm pack zxcvbn@4.4.2 && tar -xzf zxcvbn-4.4.2.tgz
    python scripts/make_common_passwords.py package/src/frequency_lists.coffee
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src/ketpath/services/data/common-passwords.txt"
MIN_LENGTH = 8
HEADER = """\
# The most common passwords of 8 or more characters, most common first.
# From the "passwords" list of zxcvbn 4.4.2 (npm, MIT licence, (c) 2012-2016
# Dan Wheeler and Dropbox, Inc.), itself the top 30,000 of Mark Burnett's
# 10 million password corpus. Regenerate with scripts/make_common_passwords.py.
"""


def main(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    found = re.search(r'passwords:\s*"([^"]*)"', text)
    if found is None:
        raise SystemExit(f"{source}: no passwords list")
    kept = [word for word in found.group(1).split(",") if len(word) >= MIN_LENGTH]
    TARGET.write_text(HEADER + "".join(word + "\n" for word in kept), encoding="utf-8")
    print(f"{len(kept)} passwords written to {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
