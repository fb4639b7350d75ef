"""parliament linting the AWS twin of the corpus, with its Python API, in the bench environment.

    .venv-bench/bin/python bench/parliament_side.py CORPUS.jsonl

CORPUS.jsonl holds one policy text per line (as a JSON string), written by
`bench_lint.py --write-aws`. Each policy goes through `parliament.analyze_policy_string` with
its defaults (no community auditors), which parses the text with json-cfg and runs every
auditor: the library path of `parliament --string`. One pass, in a fresh process: its
`expand_action` cache starts empty, as in a real run. The import (which loads parliament's
10 MB catalog) is not timed.
"""

from __future__ import annotations

import json
import sys
import time

from common import emit


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        texts = [json.loads(line) for line in handle]
    import parliament

    counts: dict[str, int] = {}
    errors = 0
    start = time.perf_counter()
    for text in texts:
        try:
            policy = parliament.analyze_policy_string(text)
        except Exception:  # noqa: BLE001 - a crash on one policy is counted, not fatal
            errors += 1
            continue
        for finding in policy.findings:
            counts[finding.issue] = counts.get(finding.issue, 0) + 1
    seconds = time.perf_counter() - start
    emit(
        {
            "policies": len(texts),
            "parliament_per_s": len(texts) / seconds,
            "seconds": seconds,
            "exceptions": errors,
            "findings": sum(counts.values()),
            "codes": dict(sorted(counts.items())),
            "version": getattr(parliament, "__version__", "?"),
        }
    )


if __name__ == "__main__":
    main()
