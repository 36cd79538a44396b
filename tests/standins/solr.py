"""A stand-in for Solr 9 (SolrCloud): the Collections API (CREATE, LIST, LISTALIASES,
CREATEALIAS, DELETEALIAS, DELETE), the Schema and Config APIs, /update with commits
(documents are searchable only after one), the JSON Request API (/query: Lucene query
strings of the forms we send, the JSON Query DSL, tagged filters, the JSON Facet API with
excludeTags and nested facets, sort, offset/limit, cursorMark), the {!mlt} query parser,
a spellcheck handler added through the Config API, and /admin/ping."""

import base64
import json
import re

from tests.standins.documents import Collection, nearest, phrase_matches, sort_key, values_of
from tests.standins.server import Reply, body_json

HEADER = {"status": 0, "QTime": 1}


def solr_error(status, message):
    return Reply(status, {"responseHeader": {"status": status, "QTime": 0}, "error": {"msg": message, "code": status}})


# Fields every collection of the _default configset has.
BUILT_IN_FIELDS = {"id", "_version_", "_root_", "_nest_path_", "_text_"}


def listed(value):
    return value if isinstance(value, list) else [value] if value else []


def schema_definitions(collection):
    """{name: definition} of the fields our Schema API commands added to `collection`."""
    commands = collection.definition.get("schema", [])
    return {field["name"]: field for command in commands for field in listed(command.get("add-field"))}


def schema_fields(collection):
    return set(schema_definitions(collection))


def field_types(collection):
    """{name: definition} of the field types added (and the _default configset's we use)."""
    types = {name: {"name": name, "class": cls} for name, cls in DEFAULT_TYPES.items()}
    for command in collection.definition.get("schema", []):
        for kind in listed(command.get("add-field-type")):
            types[kind["name"]] = kind
    return types


DEFAULT_TYPES = {"plong": "solr.LongPointField", "pint": "solr.IntPointField", "string": "solr.StrField"}
DOC_VALUES_CLASSES = {"solr.LongPointField", "solr.IntPointField", "solr.StrField"}  # docValues by default


def recoverable(collection, name):
    """Whether an atomic update keeps the field: Solr rebuilds the document from stored and docValues fields."""
    if name in BUILT_IN_FIELDS:
        return True
    definition = schema_definitions(collection).get(name, {})
    kind = field_types(collection).get(definition.get("type"), {})
    return definition.get("stored", True) or kind.get("class") in DOC_VALUES_CLASSES


class SolrStandIn:
    def __init__(self):
        self.collections = {}
        self.aliases = {}
        self.handlers = {}  # collection → {handler path: defaults}
        self.requests = []
        self.headers = {}

    def route(self, method, path, params, raw, headers):
        parts = [part for part in path.split("/") if part]
        if parts[:1] != ["solr"]:
            raise solr_error(404, "not under /solr")
        if parts[1:3] == ["admin", "collections"]:
            return 200, self.collections_api(params)
        name, rest = parts[1], "/".join(parts[2:])
        collection = self.collection(name)
        if rest == "schema":
            self.check_schema(collection, body_json(raw))
            collection.definition.setdefault("schema", []).append(body_json(raw))
            return 200, {"responseHeader": HEADER}
        if rest == "schema/fields":
            defined = schema_definitions(collection)
            fields = [defined.get(name, {"name": name}) for name in sorted(set(defined) | BUILT_IN_FIELDS)]
            return 200, {"responseHeader": HEADER, "fields": fields}
        if rest == "config":
            self.configure(self.resolve(name), body_json(raw))
            return 200, {"responseHeader": HEADER}
        if rest == "update":
            return 200, self.update(collection, body_json(raw), params)
        if rest == "query":
            return 200, self.query(collection, body_json(raw))
        if rest == "admin/ping":
            return 200, {"responseHeader": HEADER, "status": "OK"}
        if f"/{rest}" in self.handlers.get(self.resolve(name), {}):
            return 200, self.spellcheck(collection, params)
        raise solr_error(404, f"no handler /{rest}")

    # Collections ------------------------------------------------------------------------

    def resolve(self, name):
        target = self.aliases.get(name, name)
        if target not in self.collections:
            raise solr_error(404, f"Could not find collection : {name}")
        return target

    def collection(self, name):
        return self.collections[self.resolve(name)]

    def collections_api(self, params):
        action, name = params.get("action"), params.get("name")
        if action == "LIST":
            return {"responseHeader": HEADER, "collections": sorted(self.collections)}
        if action == "LISTALIASES":
            return {"responseHeader": HEADER, "aliases": dict(self.aliases)}
        if action == "CREATE":
            if name in self.collections:
                raise solr_error(400, f"collection already exists: {name}")
            self.collections[name] = Collection({"configName": params.get("collection.configName")})
            return {
                "responseHeader": HEADER,
                "success": {"standin:8983_solr": {"responseHeader": HEADER, "core": name}},
            }
        if action == "CREATEALIAS":
            for target in params["collections"].split(","):
                self.resolve(target)
            self.aliases[name] = params["collections"]
            return {"responseHeader": HEADER}
        if action == "DELETEALIAS":
            self.aliases.pop(name, None)
            return {"responseHeader": HEADER}
        if action == "DELETE":
            if name in self.aliases.values():
                raise solr_error(400, f"collection {name} is referenced by an alias")
            self.collections.pop(name, None)
            return {"responseHeader": HEADER, "success": {}}
        raise solr_error(400, f"stand-in has no collections action {action}")

    def configure(self, name, commands):
        handler = commands.get("add-requesthandler")
        if handler:
            self.handlers.setdefault(name, {})[handler["name"]] = handler.get("defaults", {})

    def check_schema(self, collection, commands):
        types = field_types(collection) | {kind["name"]: kind for kind in listed(commands.get("add-field-type"))}
        for kind in listed(commands.get("add-field-type")):
            if kind["class"] == "solr.DenseVectorField" and not kind.get("vectorDimension"):
                raise solr_error(400, "DenseVectorField: vectorDimension is required")
        for field in listed(commands.get("add-field")):
            if field["type"] not in types:
                raise solr_error(400, f"Field '{field['name']}': Field type '{field['type']}' not found.")

    # Updates --------------------------------------------------------------------------

    def update(self, collection, body, params):
        if isinstance(body, list):
            known = schema_fields(collection) | BUILT_IN_FIELDS
            for document in body:
                if unknown := sorted(set(document) - known):  # a configset without schemaless field guessing
                    raise solr_error(400, f"ERROR: [doc={document.get('id')}] unknown field '{unknown[0]}'")
            for document in body:
                if any(isinstance(value, dict) for value in document.values()):
                    self.atomic_update(collection, document, params)
                else:
                    collection.put(document, visible_now=False)
        elif "delete" in body:
            deletes = body["delete"]
            if isinstance(deletes, dict) and deletes.get("query") == "*:*":
                collection.documents.clear()
            else:
                for identifier in deletes if isinstance(deletes, list) else [deletes]:
                    collection.delete(identifier, visible_now=False)
        if "commit" in body or params.get("commit") == "true":
            collection.publish()
        return {"responseHeader": HEADER}

    def atomic_update(self, collection, update, params):
        """An atomic update: the document rebuilt from its stored and docValues fields, with the
        `set` values; `_version_` 1 asks that it exist (a conflict otherwise, skipped when
        failOnVersionConflicts=false)."""
        identifier = str(update["id"])
        held = collection.documents.get(identifier)
        if held is None and update.get("_version_") == 1:
            if params.get("failOnVersionConflicts") == "false":
                return
            raise solr_error(409, f"version conflict for {identifier} expected=1 actual=-1")
        rebuilt = {name: value for name, value in (held or {}).items() if recoverable(collection, name)}
        for name, value in update.items():
            if isinstance(value, dict):
                ((operation, operand),) = value.items()
                if operation != "set":
                    raise solr_error(400, f"stand-in has no atomic operation {operation}")
                rebuilt[name] = operand
        rebuilt["id"] = identifier
        collection.put(rebuilt, visible_now=False)

    # Queries ------------------------------------------------------------------------------

    def query(self, collection, body):
        docs = collection.visible
        evaluate = Evaluator(collection, docs)
        main_query = body.get("query", "*:*")
        if isinstance(main_query, dict) and "knn" in main_query:  # Solr 9.1+: fq pre-filter a top-level knn
            filters_only = [tagged(entry)[1] for entry in body.get("filter", [])]
            evaluate.allowed = lambda doc: all(evaluate.query(clause, doc) is not None for clause in filters_only)
        main = {
            key: score
            for key, doc in docs.items()
            if (score := evaluate.query(body.get("query", "*:*"), doc)) is not None
        }
        filters = [tagged(entry) for entry in body.get("filter", [])]

        def passing(keys, excluded=()):
            return {
                key: docs[key]
                for key in keys
                if all(evaluate.query(clause, docs[key]) is not None for tag, clause in filters if tag not in excluded)
            }

        hits = passing(main)
        sort = parse_sort(body.get("sort", "score desc"))
        params = body.get("params", {})
        ordered = sorted(hits, key=lambda key: sort_key(sort_values(docs[key], main[key], sort), [o for _, o in sort]))
        response = {"responseHeader": {**HEADER, "params": {"json": json.dumps(body)}}}
        offset, limit = body.get("offset", 0), body.get("limit", 10)
        if "cursorMark" in params:
            if not any(field == "id" for field, _ in sort):
                raise solr_error(400, "Cursor functionality requires a sort containing a uniqueKey field tie breaker")
            if offset:
                raise solr_error(400, "Cursor functionality requires start=0")
            if params["cursorMark"] != "*":
                after = json.loads(base64.b64decode(params["cursorMark"]))
                orders = [o for _, o in sort]
                ordered = [
                    key
                    for key in ordered
                    if sort_key(sort_values(docs[key], main[key], sort), orders) > sort_key(after, orders)
                ]
            page = ordered[:limit]
            last = page[-1] if page else None
            response["nextCursorMark"] = (
                base64.b64encode(json.dumps(sort_values(docs[last], main[last], sort)).encode()).decode()
                if last
                else params["cursorMark"]
            )
        else:
            page = ordered[offset : offset + limit]
        fields = [field.strip() for field in body.get("fields", "*").split(",")]
        response["response"] = {
            "numFound": len(hits),
            "start": offset,
            "numFoundExact": True,
            "docs": [projected(docs[key], fields) for key in page],
        }
        if "facet" in body:
            facets = {"count": len(hits)}
            for name, spec in body["facet"].items():
                domain = passing(main, spec.get("domain", {}).get("excludeTags", ()))
                facets[name] = terms_facet(evaluate, domain, spec)
            response["facets"] = facets
        return response

    def spellcheck(self, collection, params):
        word = params.get("spellcheck.q", "")
        found = collection.corrections(collection.visible, "text", word, 2, 3)[:5]
        suggestions = (
            [
                word,
                {
                    "numFound": len(found),
                    "startOffset": 0,
                    "endOffset": len(word),
                    "suggestion": [term for _, _, term in found],
                },
            ]
            if found
            else []
        )
        return {
            "responseHeader": HEADER,
            "response": {"numFound": 0, "start": 0, "docs": []},
            "spellcheck": {"suggestions": suggestions, "correctlySpelled": not found, "collations": []},
        }


def tagged(entry):
    """(tag, clause) of a filter: {"#tag": clause} carries a tag."""
    if isinstance(entry, dict) and len(entry) == 1 and next(iter(entry)).startswith("#"):
        ((tag, clause),) = entry.items()
        return tag[1:], clause
    return None, entry


def projected(doc, fields):
    if "*" in fields:
        return dict(doc)
    return {field: doc[field] for field in fields if field in doc}


def parse_sort(text):
    return [tuple(part.split()) for part in text.split(",") if part.strip()]


def sort_values(doc, score, sort):
    values = []
    for field, _ in sort:
        if field == "score":
            values.append(round(score, 6))
        else:
            found = values_of(doc, field)
            values.append(found[0] if found else None)
    return values


def terms_facet(evaluate, domain, spec):
    kept = domain
    if "filter" in spec.get("domain", {}):
        kept = {key: doc for key, doc in domain.items() if evaluate.query(spec["domain"]["filter"], doc) is not None}
    groups = {}
    for key, doc in kept.items():
        for value in set(values_of(doc, spec["field"])):
            groups.setdefault(value, {})[key] = doc
    minimum = spec.get("mincount", 1)
    entries = [(value, docs) for value, docs in groups.items() if len(docs) >= minimum]
    if spec.get("sort", "count desc").startswith("index"):
        entries.sort(key=lambda item: item[0])
    else:
        entries.sort(key=lambda item: (-len(item[1]), item[0]))
    limit = spec.get("limit", 10)
    entries = entries if limit < 0 else entries[:limit]
    buckets = []
    for value, docs in entries:
        bucket = {"val": value, "count": len(docs)}
        for name, sub in spec.get("facet", {}).items():
            bucket[name] = terms_facet(evaluate, docs, sub)
        buckets.append(bucket)
    return {"buckets": buckets}


LUCENE_CLAUSE = re.compile(
    r"^(?P<neg>-)?(?P<field>\w+):(?P<value>\[[^\]]*\]|\([^)]*\)|(?:\\.|[^\\\s^])+)(?:\^(?P<boost>[\d.]+))?$"
)
PHRASE = re.compile(r'^(?P<field>\w+):"(?P<inner>.*)"~(?P<slop>\d+)(?:\^(?P<boost>[\d.]+))?$')
MLT = re.compile(r"^\{!mlt (?P<options>[^}]*)\}(?P<id>.+)$")


def unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


class Evaluator:
    """Lucene query strings of the forms our code sends, and the JSON Query DSL, on one document."""

    def __init__(self, collection, docs):
        self.collection, self.docs = collection, docs
        self.nearest = {}  # a knn clause's nearest documents, found once per query
        self.allowed = lambda doc: True  # a knn clause's pre-filter (the fq of a top-level knn)

    def query(self, query, doc):
        if isinstance(query, str):
            return self.lucene(query, doc)
        ((kind, spec),) = query.items()
        if kind == "lucene":
            return self.lucene(spec["query"], doc)
        if kind == "bool":
            return self.bool(spec, doc)
        if kind == "terms":
            wanted = set(spec["query"].split(","))
            return 1.0 if {str(value) for value in values_of(doc, spec["f"])} & wanted else None
        if kind == "prefix":
            return 1.0 if any(str(term).startswith(spec["query"]) for term in values_of(doc, spec["f"])) else None
        if kind == "complexphrase":
            return self.phrase(spec["query"], spec.get("inOrder", True), doc)
        if kind == "knn":
            return self.knn(spec, doc)
        if kind == "boost":
            found = self.query(spec["query"], doc)
            return None if found is None else found * float(spec["b"])
        raise solr_error(400, f"unknown query parser {kind}")

    def knn(self, spec, doc):
        """{!knn f=… topK=…}[…]: the topK nearest, scored (1 + cos)/2; the fq pre-filter a top-level one."""
        field = spec["f"]
        definition = schema_definitions(self.collection).get(field, {})
        kind = field_types(self.collection).get(definition.get("type"), {})
        if kind.get("class") != "solr.DenseVectorField":
            raise solr_error(400, "only DenseVectorField is compatible with Knn Query Parser")
        vector = json.loads(spec["query"])
        if len(vector) != int(kind["vectorDimension"]):
            raise solr_error(400, f"incorrect vector dimension. The vector value has size {len(vector)}")
        key = (field, spec["query"], int(spec.get("topK", 10)))
        if key not in self.nearest:
            self.nearest[key] = nearest(self.docs, field, vector, key[2], self.allowed)
        return self.nearest[key].get(str(doc["id"]))

    def bool(self, spec, doc):
        must = [self.query(clause, doc) for clause in spec.get("must", [])]
        if None in must or any(self.query(clause, doc) is None for clause in spec.get("filter", [])):
            return None
        if any(self.query(clause, doc) is not None for clause in spec.get("must_not", [])):
            return None
        should = [found for clause in spec.get("should", []) if (found := self.query(clause, doc)) is not None]
        if not must and not spec.get("filter") and (not spec.get("should") or not should):
            return None  # Lucene: a purely negative (or empty) boolean query matches nothing
        return sum(must) + sum(should) or 1.0

    def lucene(self, text, doc):
        text = text.strip()
        if text == "*:*":
            return 1.0
        mlt = MLT.match(text)
        if mlt:
            return self.more_like_this(mlt, doc)
        clause = LUCENE_CLAUSE.match(text)
        if clause is None:
            raise solr_error(400, f"stand-in cannot parse the query {text!r}")
        found = self.clause(clause["field"], clause["value"], float(clause["boost"] or 1), doc)
        if clause["neg"]:
            return None if found is not None else 1.0
        return found

    def clause(self, field, value, boost, doc):
        if value.startswith("["):
            low, high = (part.strip() for part in value[1:-1].split(" TO "))
            have = values_of(doc, field)
            if not have:
                return None
            ok = (low == "*" or have[0] >= int(low)) and (high == "*" or have[0] <= int(high))
            return 1.0 if ok else None
        if value.startswith("("):
            wanted = set(value[1:-1].split())
            return 1.0 if {str(v) for v in values_of(doc, field)} & wanted else None
        return self.collection.term_score(self.docs, doc, field, unescape(value), boost)

    def phrase(self, text, in_order, doc):
        match = PHRASE.match(text)
        if match is None:
            raise solr_error(400, f"stand-in cannot parse the phrase {text!r}")
        steps = [
            set(unescape(step).strip("()").split(" OR "))
            for step in re.findall(r"\([^)]*\)|(?:\\.|[^\s\\()])+", match["inner"])
        ]
        if not phrase_matches(doc, match["field"], steps, int(match["slop"]), in_order):
            return None
        return float(match["boost"] or 1) * len(steps)

    def more_like_this(self, match, doc):
        options = dict(option.split("=", 1) for option in match["options"].split())
        source = self.docs.get(match["id"].strip())
        if source is None or source["id"] == doc["id"]:
            return None
        keys = self.collection.key_terms(self.docs, source, options["qf"].split(","), int(options.get("maxqt", 25)))
        found = [score for field, term in keys if (score := self.collection.term_score(self.docs, doc, field, term))]
        return sum(found) if found else None
