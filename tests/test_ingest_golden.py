"""Golden files: each input in tests/ingest_examples/ imports to the outcome stored beside it.

Set INGEST_GOLDEN_UPDATE=1 to rewrite the expected files after a deliberate change, then
read the diff before committing it.
"""

import json
import os

import pytest

from archive.ingest.pipeline import Importer
from tests.ingest_helpers import EXAMPLES, make_registry, outcome_summary

pytestmark = pytest.mark.django_db

INPUTS = sorted(
    path.relative_to(EXAMPLES)
    for folder in ("html", "pages", "text", "records", "warc", "broken")
    for path in (EXAMPLES / folder).iterdir()
    if not path.name.endswith(".expected.json") and path.name != "date_forms.txt"
)


def expected_path(relative):
    return EXAMPLES / f"{relative}.expected.json"


@pytest.mark.parametrize("relative", INPUTS, ids=str)
def test_example_imports_as_expected(relative):
    make_registry()
    importer = Importer(default_source="Golden Desk")
    outcomes = [outcome_summary(outcome) for outcome in importer.run([EXAMPLES / relative])]
    expected_file = expected_path(relative)
    if os.environ.get("INGEST_GOLDEN_UPDATE"):
        expected_file.write_text(json.dumps(outcomes, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert outcomes == expected
