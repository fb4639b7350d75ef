"""The shipped System policy texts against an independent copy: the real-world corpus's."""

from __future__ import annotations

import json

from policycheck.catalog.system import shipped
from tests.conftest import REPO

CORPUS = REPO / "tests/realworld/alibaba-system-policies"


def test_every_text_the_corpus_also_holds_is_the_same_document():
    compared = []
    for name, policy in shipped().policies.items():
        other = CORPUS / f"{name}.json"
        if other.is_file():
            assert json.loads(policy.document) == json.loads(other.read_text()), name
            compared.append(name)
    assert len(compared) >= 10 and "AliyunICEFullAccess" in compared
