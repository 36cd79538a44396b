"""The search package's boundaries, checked on the source: Whoosh is imported only in
archive/search/whoosh/ and its private API touched only in whoosh/arrays.py; engine
clients and request formats stay in archive/search/cluster/."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCH = ROOT / "archive" / "search"
IMPORTS_WHOOSH = re.compile(r"^\s*(from|import)\s+whoosh\b|import_module\(\s*[\"']whoosh", re.MULTILINE)
# An underscored attribute of anything but self/cls (os._exit is the standard library's).
PRIVATE_ATTRIBUTE = re.compile(r"\b(?!self\b|cls\b|os\b)[A-Za-z_]\w*\._[a-z]\w*")
PRIVATE_IMPORT = re.compile(r"^\s*from\s+whoosh[\w.]*\s+import\s+.*\b_[a-z]\w*", re.MULTILINE)
CLUSTER_CLIENTS = re.compile(r"^\s*(from|import)\s+(elasticsearch|opensearchpy|elastic_transport|pysolr)\b", re.M)
REQUEST_FORMAT = re.compile(
    r"[\"'](post_filter|span_near|more_like_this|aggs|must_not|minimum_should_match|json\.facet|cursorMark|"
    r"nextCursorMark|excludeTags|_source|search_after|spellcheck(\.\w+)?)[\"']|\{!\w+"
)


def modules(*roots):
    for root in roots:
        yield from (path for path in sorted(root.rglob("*.py")) if "migrations" not in path.parts)


def offenders(pattern, paths):
    return sorted(str(path.relative_to(ROOT)) for path in paths if pattern.search(path.read_text(encoding="utf-8")))


def test_only_the_whoosh_package_imports_whoosh():
    outside = [path for path in modules(ROOT / "archive", ROOT / "config") if SEARCH / "whoosh" not in path.parents]
    assert offenders(IMPORTS_WHOOSH, outside) == []


def test_whooshs_private_api_is_touched_in_one_module():
    others = [path for path in modules(SEARCH / "whoosh") if path.name != "arrays.py"]
    assert offenders(PRIVATE_ATTRIBUTE, others) == []
    assert offenders(PRIVATE_IMPORT, others) == []
    assert offenders(PRIVATE_ATTRIBUTE, [SEARCH / "whoosh" / "arrays.py"])  # the one that does


def test_engine_clients_and_request_formats_stay_in_the_cluster_package():
    outside = [path for path in modules(ROOT / "archive", ROOT / "config") if SEARCH / "cluster" not in path.parents]
    assert offenders(CLUSTER_CLIENTS, outside) == []
    assert offenders(REQUEST_FORMAT, outside) == []
    assert offenders(REQUEST_FORMAT, modules(SEARCH / "cluster"))  # the pattern finds them where they are
