"""A stand-in for Elasticsearch 8 and OpenSearch 2: the REST API our code uses, with the
documented response shapes (index/alias management, bulk, search with query DSL, post_filter,
aggregations, sort, from/size, search_after, point-in-time, scroll, term suggester,
more_like_this, count, cluster health). The two differ where the engines do: Elasticsearch
answers with X-Elastic-Product and opens a point in time at POST /<index>/_pit; OpenSearch
at POST /<index>/_search/point_in_time and answers {"pit_id": …}."""

import json
import math
import uuid

from tests.standins.documents import TEXT_FIELDS, Collection, nearest, phrase_matches, sort_key, values_of
from tests.standins.server import Reply, body_json

SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}


def error(status, kind, reason):
    return Reply(
        status,
        {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}, "status": status},
    )


class ElasticStandIn:
    def __init__(self, flavour="elasticsearch"):
        self.flavour = flavour
        self.indices = {}  # name → Collection
        self.aliases = {}  # alias → [index names]
        self.pits = {}  # id → (index name, frozen documents)
        self.scrolls = {}  # id → remaining hits
        self.requests = []
        self.headers = {"X-Elastic-Product": "Elasticsearch"} if flavour == "elasticsearch" else {}

    # Routing --------------------------------------------------------------------------

    def route(self, method, path, params, raw, headers):
        parts = [part for part in path.split("/") if part]
        if not parts:
            return 200, self.info()
        if parts[0] == "_bulk" or parts[-1] == "_bulk":
            return 200, self.bulk(raw, params, parts[0] if len(parts) == 2 else None)
        if parts[0] == "_cluster" and parts[1] == "health":
            return 200, self.health(parts[2] if len(parts) > 2 else None)
        if parts[0] == "_aliases":
            return 200, self.update_aliases(body_json(raw))
        if parts[0] == "_alias":
            return self.get_alias(method, parts[1])
        if parts[0] == "_pit" and method == "DELETE":
            return 200, self.close_pit(body_json(raw).get("id"))
        if parts[:2] == ["_search", "point_in_time"] and method == "DELETE":
            return 200, self.close_pits(body_json(raw).get("pit_id", []))
        if parts[:2] == ["_search", "scroll"]:
            return self.scroll(method, body_json(raw), params)
        if parts[0] == "_search":
            return 200, self.search(None, body_json(raw), params)
        return self.index_route(method, parts, params, raw)

    def index_route(self, method, parts, params, raw):
        name = parts[0]
        if len(parts) == 1:
            if method == "HEAD":
                return (200 if name in self.indices or name in self.aliases else 404), None
            if method == "PUT":
                return 200, self.create_index(name, body_json(raw))
            if method == "DELETE":
                return 200, self.delete_index(name)
        action = parts[1]
        if action == "_mapping":
            return 200, self.mapping(method, name, body_json(raw))
        if action == "_search" and len(parts) == 3 and parts[2] == "point_in_time":
            return 200, self.open_pit(name, opensearch=True)
        if action == "_pit":
            return 200, self.open_pit(name)
        if action == "_search":
            return 200, self.search(name, body_json(raw), params)
        if action == "_mget":
            return 200, self.mget(name, body_json(raw), params)
        if action == "_count":
            return 200, self.count(name, body_json(raw))
        if action == "_refresh":
            self.collection(name)
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        raise error(400, "illegal_argument_exception", f"stand-in has no route {method} /{'/'.join(parts)}")

    def info(self):
        if self.flavour == "opensearch":
            version = {"distribution": "opensearch", "number": "2.15.0", "lucene_version": "9.10.0"}
            return {
                "name": "standin",
                "cluster_name": "standin",
                "version": version,
                "tagline": "The OpenSearch Project: https://opensearch.org/",
            }
        version = {"number": "8.15.0", "build_flavor": "default", "lucene_version": "9.11.1"}
        return {"name": "standin", "cluster_name": "standin", "version": version, "tagline": "You Know, for Search"}

    # Indices and aliases ----------------------------------------------------------------

    def resolve(self, name):
        """The concrete index names `name` (an index or an alias) stands for."""
        if name in self.indices:
            return [name]
        if name in self.aliases:
            return list(self.aliases[name])
        raise error(404, "index_not_found_exception", f"no such index [{name}]")

    def collection(self, name):
        names = self.resolve(name)
        if len(names) != 1:
            raise error(400, "illegal_argument_exception", f"alias [{name}] points to {len(names)} indices")
        return self.indices[names[0]]

    def create_index(self, name, body):
        if name in self.indices or name in self.aliases:
            raise error(400, "resource_already_exists_exception", f"index [{name}] already exists")
        knn = str(body.get("settings", {}).get("index", {}).get("knn", False)).lower() == "true"
        self.check_mapping(body.get("mappings", {}).get("properties", {}), knn)
        self.indices[name] = Collection(body)
        for alias in body.get("aliases", {}):
            self.aliases.setdefault(alias, []).append(name)
        return {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def check_mapping(self, properties, knn):
        """Each engine's vector type, and OpenSearch's rule that a knn_vector needs index.knn."""
        for field, spec in properties.items():
            kind = spec.get("type")
            wrong = {"elasticsearch": "knn_vector", "opensearch": "dense_vector"}[self.flavour]
            if kind == wrong:
                raise error(400, "mapper_parsing_exception", f"No handler for type [{kind}] on [{field}]")
            if kind == "knn_vector" and not knn:
                reason = f"Cannot create index with knn_vector field [{field}] because index.knn is false"
                raise error(400, "mapper_parsing_exception", reason)
            if kind == "dense_vector" and spec.get("similarity") not in (None, "cosine", "dot_product", "l2_norm"):
                raise error(400, "mapper_parsing_exception", f"unknown similarity on [{field}]")

    def mapping(self, method, name, body):
        """GET: {index: {"mappings": …}}; PUT adds fields (an existing field keeps its mapping)."""
        if method == "GET":
            indices = self.resolve(name)
            return {index: {"mappings": self.indices[index].definition.get("mappings", {})} for index in indices}
        for index in self.resolve(name):
            settings = self.indices[index].definition.get("settings", {}).get("index", {})
            self.check_mapping(body.get("properties", {}), str(settings.get("knn", False)).lower() == "true")
            mappings = self.indices[index].definition.setdefault("mappings", {})
            mappings.setdefault("properties", {}).update(body.get("properties", {}))
        return {"acknowledged": True}

    def delete_index(self, name):
        for concrete in self.resolve(name):
            del self.indices[concrete]
            for alias in list(self.aliases):
                self.aliases[alias] = [index for index in self.aliases[alias] if index != concrete]
                if not self.aliases[alias]:
                    del self.aliases[alias]
        return {"acknowledged": True}

    def get_alias(self, method, name):
        if name not in self.aliases:
            return 404, ({"error": f"alias [{name}] missing", "status": 404} if method != "HEAD" else None)
        return 200, {index: {"aliases": {name: {}}} for index in self.aliases[name]}

    def update_aliases(self, body):
        for action in body.get("actions", []):
            ((kind, spec),) = action.items()
            if spec["index"] not in self.indices:
                raise error(404, "index_not_found_exception", f"no such index [{spec['index']}]")
            targets = self.aliases.setdefault(spec["alias"], [])
            if kind == "add" and spec["index"] not in targets:
                targets.append(spec["index"])
            elif kind == "remove":
                targets.remove(spec["index"])
            if not targets:
                del self.aliases[spec["alias"]]
        return {"acknowledged": True}

    def health(self, name):
        if name is not None:
            self.resolve(name)
        return {
            "cluster_name": "standin",
            "status": "green",
            "timed_out": False,
            "number_of_nodes": 1,
            "number_of_data_nodes": 1,
            "active_primary_shards": len(self.indices),
            "active_shards": len(self.indices),
            "relocating_shards": 0,
            "initializing_shards": 0,
            "unassigned_shards": 0,
        }

    # Writing --------------------------------------------------------------------------

    def bulk(self, raw, params, default_index):
        lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
        items, position = [], 0
        while position < len(lines):
            ((action, meta),) = lines[position].items()
            position += 1
            index_name = meta.get("_index", default_index)
            concrete = self.resolve(index_name)[0]
            collection = self.indices[concrete]
            result = {"_index": concrete, "_id": meta["_id"], "_version": 1}
            if action == "delete":
                found = collection.delete(meta["_id"])
                result.update(result="deleted" if found else "not_found", status=200 if found else 404)
            elif action == "update":
                result.update(self.partial_update(collection, meta["_id"], lines[position]))
                position += 1
            else:
                document = lines[position]
                position += 1
                unknown = set(document) - set(collection.definition.get("mappings", {}).get("properties", document))
                if unknown:
                    reason = f"mapping set to strict, dynamic introduction of [{sorted(unknown)[0]}] is not allowed"
                    result.update(status=400, error={"type": "strict_dynamic_mapping_exception", "reason": reason})
                else:
                    existed = str(meta["_id"]) in collection.documents
                    collection.put(document)
                    result.update(result="updated" if existed else "created", status=200 if existed else 201)
            items.append({action: result})
        errors = any("error" in result for item in items for result in item.values())
        return {"took": 1, "errors": errors, "items": items}

    def partial_update(self, collection, identifier, update):
        """A bulk `update` with `doc`: merged into the stored document; 404 when there is none."""
        held = collection.documents.get(str(identifier))
        if held is None:
            reason = f"[{identifier}]: document missing"
            return {"status": 404, "error": {"type": "document_missing_exception", "reason": reason}}
        properties = collection.definition.get("mappings", {}).get("properties", {})
        for field, value in update["doc"].items():
            if field not in properties:
                reason = f"mapping set to strict, dynamic introduction of [{field}] is not allowed"
                return {"status": 400, "error": {"type": "strict_dynamic_mapping_exception", "reason": reason}}
            dims = properties[field].get("dims") or properties[field].get("dimension")
            if dims and len(value) != dims:
                reason = f"The [{field}] field has [{len(value)}] dimensions; the mapping says [{dims}]"
                return {"status": 400, "error": {"type": "document_parsing_exception", "reason": reason}}
        collection.put({**held, **update["doc"]})
        return {"result": "updated", "status": 200}

    def mget(self, name, body, params):
        collection = self.collection(name)
        includes = params.get("_source_includes", "").split(",") if params.get("_source_includes") else None
        docs = []
        for identifier in body.get("ids", []):
            held = collection.visible.get(str(identifier))
            entry = {"_index": name, "_id": identifier, "found": held is not None}
            if held is not None:
                entry["_source"] = {k: v for k, v in held.items() if includes is None or k in includes}
            docs.append(entry)
        return {"docs": docs}

    # Searching --------------------------------------------------------------------------

    def documents_for(self, name, body):
        pit = body.get("pit")
        if pit:
            if name is not None:
                raise error(400, "action_request_validation_exception", "[indices] cannot be used with point in time")
            if pit["id"] not in self.pits:
                raise error(404, "search_context_missing_exception", "No search context found")
            index_name, documents = self.pits[pit["id"]]
            return self.indices.get(index_name) or Collection(), documents
        collection = self.collection(name)
        return collection, collection.visible

    def search(self, name, body, params):
        collection, docs = self.documents_for(name, body)
        query = Query(collection, docs, self)
        scored = {
            key: score
            for key, doc in docs.items()
            if (score := query.score(body.get("query", {"match_all": {}}), doc)) is not None
        }
        if "knn" in body:  # Elasticsearch: the global k nearest, united with the query's hits, scores added
            if self.flavour != "elasticsearch":
                raise error(400, "parsing_exception", "Unknown key for a START_OBJECT in [knn].")
            for key, score in self.knn(query, docs, body["knn"]).items():
                scored[key] = scored.get(key, 0.0) + score
        response = {"took": 1, "timed_out": False, "_shards": SHARDS}
        if "aggs" in body or "aggregations" in body:
            matched = {key: docs[key] for key in scored}
            response["aggregations"] = aggregate(query, matched, body.get("aggs") or body.get("aggregations"))
        post_filter = body.get("post_filter")
        hits = [key for key in scored if post_filter is None or query.score(post_filter, docs[key]) is not None]
        sort = normalised_sort(body.get("sort"))
        ordered = sorted(
            hits, key=lambda key: sort_key(sort_values(docs[key], scored[key], sort), [o for _, o in sort])
        )
        if "search_after" in body:
            after = sort_key(body["search_after"], [o for _, o in sort])
            ordered = [
                key
                for key in ordered
                if sort_key(sort_values(docs[key], scored[key], sort), [o for _, o in sort]) > after
            ]
        start, size = body.get("from", 0), body.get("size", 10)
        page = ordered[start : start + size]
        if "scroll" in params:
            scroll_id = uuid.uuid4().hex
            self.scrolls[scroll_id] = ordered[start + size :], docs, body.get("_source"), size
            response["_scroll_id"] = scroll_id
        if body.get("pit"):
            response["pit_id"] = body["pit"]["id"]
        response["hits"] = {
            "total": {"value": len(hits), "relation": "eq"},
            "max_score": max((scored[key] for key in hits), default=None),
            "hits": [hit_of(key, docs[key], scored[key], body.get("_source"), sort, name) for key in page],
        }
        if "suggest" in body:
            response["suggest"] = suggest(collection, docs, body["suggest"])
        return response

    def knn(self, query, docs, spec):
        """{key: boost × score} of Elasticsearch's top-level knn section."""
        if spec.get("num_candidates", spec["k"]) < spec["k"]:
            raise error(400, "illegal_argument_exception", "[num_candidates] cannot be less than [k]")
        filters = spec.get("filter", [])
        filters = filters if isinstance(filters, list) else [filters]
        vector_field = spec["field"]
        self.check_vector(query.collection, vector_field, spec["query_vector"])

        def allowed(doc):
            return all(query.score(clause, doc) is not None for clause in filters)

        found = nearest(docs, vector_field, spec["query_vector"], spec["k"], allowed)
        return {key: spec.get("boost", 1.0) * score for key, score in found.items()}

    def check_vector(self, collection, field, vector):
        spec = collection.definition.get("mappings", {}).get("properties", {}).get(field, {})
        if spec.get("type") not in ("dense_vector", "knn_vector"):
            raise error(400, "illegal_argument_exception", f"[knn] needs a vector field, not [{field}]")
        dims = spec.get("dims") or spec.get("dimension")
        if len(vector) != dims:
            raise error(400, "illegal_argument_exception", f"the query vector has {len(vector)} dims, not {dims}")

    def count(self, name, body):
        collection = self.collection(name)
        query = Query(collection, collection.visible, self)
        matched = [
            doc
            for doc in collection.visible.values()
            if query.score(body.get("query", {"match_all": {}}), doc) is not None
        ]
        return {"count": len(matched), "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}

    def open_pit(self, name, opensearch=False):
        if opensearch != (self.flavour == "opensearch"):
            raise error(400, "illegal_argument_exception", f"{self.flavour} has no such point-in-time API")
        collection_name = self.resolve(name)[0]
        pit = uuid.uuid4().hex
        self.pits[pit] = (collection_name, self.indices[collection_name].frozen())
        if opensearch:
            return {
                "pit_id": pit,
                "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                "creation_time": 1700000000000,
            }
        return {"id": pit, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}

    def close_pit(self, pit):
        found = self.pits.pop(pit, None) is not None
        return {"succeeded": found, "num_freed": int(found)}

    def close_pits(self, pits):
        return {"pits": [{"pit_id": pit, "successful": self.pits.pop(pit, None) is not None} for pit in pits]}

    def scroll(self, method, body, params):
        ids = body.get("scroll_id") or params.get("scroll_id")
        if method == "DELETE":
            ids = ids if isinstance(ids, list) else [ids]
            freed = sum(self.scrolls.pop(scroll_id, None) is not None for scroll_id in ids)
            return 200, {"succeeded": True, "num_freed": freed}
        if ids not in self.scrolls:
            raise error(404, "search_context_missing_exception", "No search context found")
        remaining, docs, source, size = self.scrolls[ids]
        page, self.scrolls[ids] = remaining[:size], (remaining[size:], docs, source, size)
        hits = [hit_of(key, docs[key], 1.0, source, [], None) for key in page]
        return 200, {
            "_shards": SHARDS,
            "_scroll_id": ids,
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": len(docs), "relation": "eq"}, "max_score": 1.0, "hits": hits},
        }


def normalised_sort(sort):
    """[(field, order)], with a tiebreaker on the document id like Elasticsearch's _shard_doc."""
    fields = []
    for entry in sort or [{"_score": "desc"}]:
        if isinstance(entry, str):
            entry = {entry: "desc" if entry == "_score" else "asc"}
        ((field, spec),) = entry.items()
        fields.append((field, spec if isinstance(spec, str) else spec.get("order", "asc")))
    return fields


def sort_values(doc, score, sort):
    values = []
    for field, _ in sort:
        if field == "_score":
            values.append(round(score, 6))
        elif field == "_shard_doc":
            values.append(doc["id"])
        else:
            found = values_of(doc, field)
            values.append(found[0] if found else None)
    return values


def hit_of(key, doc, score, source_fields, sort, index):
    source = doc if source_fields in (None, True) else {field: doc[field] for field in source_fields if field in doc}
    hit = {"_index": index or "standin", "_id": key, "_score": score, "_source": source}
    if sort:
        hit["sort"] = sort_values(doc, score, sort)
    return hit


def suggest(collection, docs, spec):
    answer = {}
    for name, entry in spec.items():
        if name == "text":
            continue
        options = entry["term"]
        text = entry.get("text", spec.get("text", ""))
        answer[name], offset = [], 0
        for token in text.split():
            found = collection.corrections(
                docs, options["field"], token, options.get("max_edits", 2), options.get("min_word_length", 4)
            )
            answer[name].append(
                {
                    "text": token,
                    "offset": offset,
                    "length": len(token),
                    "options": [
                        {"text": term, "score": score, "freq": freq}
                        for score, freq, term in found[: options.get("size", 5)]
                    ],
                }
            )
            offset += len(token) + 1
    return answer


class Query:
    """The query DSL our code sends, evaluated on one document: a score, or None when it does not match."""

    def __init__(self, collection, docs, standin):
        self.collection, self.docs, self.standin = collection, docs, standin
        self._nearest = {}  # a knn clause's nearest documents, found once per search

    def score(self, query, doc):
        ((kind, spec),) = query.items()
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise error(400, "parsing_exception", f"unknown query [{kind}]")
        return method(spec, doc)

    def _match_all(self, spec, doc):
        return 1.0

    def _exists(self, spec, doc):
        return 1.0 if values_of(doc, spec["field"]) else None

    def _knn(self, spec, doc):
        """OpenSearch's knn clause: a match for the k nearest (within its filter), scored (1 + cos)/2 × boost."""
        if self.standin.flavour != "opensearch":
            raise error(400, "parsing_exception", "[knn] query malformed, no field after start_object")
        ((field, options),) = spec.items()
        key = (field, json.dumps(options, sort_keys=True))
        if key not in self._nearest:
            self.standin.check_vector(self.collection, field, options["vector"])
            inner = options.get("filter")
            allowed = (lambda d: self.score(inner, d) is not None) if inner else (lambda d: True)
            self._nearest[key] = nearest(self.docs, field, options["vector"], options["k"], allowed)
        score = self._nearest[key].get(doc["id"])
        return None if score is None else options.get("boost", 1.0) * score

    def _term(self, spec, doc):
        ((field, value),) = spec.items()
        value, boost = (value["value"], value.get("boost", 1.0)) if isinstance(value, dict) else (value, 1.0)
        return self.collection.term_score(self.docs, doc, field, value, boost)

    def _terms(self, spec, doc):
        field, wanted = next((key, value) for key, value in spec.items() if key != "boost")
        have = {str(value) for value in values_of(doc, field)}
        return 1.0 if have & {str(value) for value in wanted} else None

    def _prefix(self, spec, doc):
        ((field, value),) = spec.items()
        prefix = value["value"] if isinstance(value, dict) else value
        return 1.0 if any(str(term).startswith(prefix) for term in values_of(doc, field)) else None

    def _range(self, spec, doc):
        ((field, bounds),) = spec.items()
        found = values_of(doc, field)
        if not found:
            return None
        value = found[0]
        checks = {"gt": value.__gt__, "gte": value.__ge__, "lt": value.__lt__, "lte": value.__le__}
        return 1.0 if all(checks[op](limit) for op, limit in bounds.items() if op in checks) else None

    def _bool(self, spec, doc):
        total = 0.0
        for clause in spec.get("must", []):
            found = self.score(clause, doc)
            if found is None:
                return None
            total += found
        for clause in spec.get("filter", []):
            if self.score(clause, doc) is None:
                return None
        if any(self.score(clause, doc) is not None for clause in spec.get("must_not", [])):
            return None
        should = [found for clause in spec.get("should", []) if (found := self.score(clause, doc)) is not None]
        required = spec.get("minimum_should_match", 0 if spec.get("must") or spec.get("filter") else 1)
        if spec.get("should") and len(should) < int(required):
            return None
        return total + sum(should) or (1.0 if spec.get("should") or spec.get("must_not") or spec.get("filter") else 0.0)

    def _span_near(self, spec, doc):
        steps, field = [], None
        for clause in spec["clauses"]:
            forms = set()
            for inner in clause["span_or"]["clauses"]:
                ((field, form),) = inner["span_term"].items()
                forms.add(form)
            steps.append(forms)
        if not phrase_matches(doc, field, steps, spec.get("slop", 0), spec.get("in_order", False)):
            return None
        return spec.get("boost", 1.0) * len(steps)

    def _more_like_this(self, spec, doc):
        liked = []
        for like in spec["like"]:
            collection = self.standin.collection(like["_index"])
            source = collection.visible.get(str(like["_id"]))
            if source is not None:
                liked.append(source)
        if any(doc["id"] == source["id"] for source in liked):
            return None  # the liked documents themselves are left out
        keys = [
            key
            for source in liked
            for key in self.collection.key_terms(self.docs, source, spec["fields"], spec.get("max_query_terms", 25))
        ]
        found = [self.collection.term_score(self.docs, doc, field, term) for field, term in keys]
        found = [score for score in found if score]
        return sum(found) if found else None


def aggregate(query, matched, spec):
    answer = {}
    for name, definition in spec.items():
        sub = definition.get("aggs") or definition.get("aggregations") or {}
        if "filter" in definition:
            kept = {key: doc for key, doc in matched.items() if query.score(definition["filter"], doc) is not None}
            answer[name] = {"doc_count": len(kept), **aggregate(query, kept, sub)}
        elif "terms" in definition:
            answer[name] = terms_aggregation(query, matched, definition["terms"], sub)
        elif "histogram" in definition:
            answer[name] = histogram_aggregation(query, matched, definition["histogram"], sub)
        else:
            raise error(400, "parsing_exception", f"stand-in does not know aggregation {sorted(definition)}")
    return answer


def _grouped(matched, field):
    groups = {}
    for key, doc in matched.items():
        for value in set(values_of(doc, field)):
            groups.setdefault(value, {})[key] = doc
    return groups


def terms_aggregation(query, matched, spec, sub):
    groups = _grouped(matched, spec["field"])
    minimum = spec.get("min_doc_count", 1)
    ordered = sorted(
        ((value, docs) for value, docs in groups.items() if len(docs) >= minimum),
        key=lambda item: (-len(item[1]), item[0]),
    )
    size = spec.get("size", 10)
    buckets = [{"key": value, "doc_count": len(docs), **aggregate(query, docs, sub)} for value, docs in ordered[:size]]
    other = sum(len(docs) for _, docs in ordered[size:])
    return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": other, "buckets": buckets}


def histogram_aggregation(query, matched, spec, sub):
    interval = spec["interval"]
    groups = {}
    for key, doc in matched.items():
        for value in values_of(doc, spec["field"]):
            groups.setdefault(math.floor(value / interval) * interval, {})[key] = doc
    buckets = [
        {"key": float(value), "doc_count": len(docs), **aggregate(query, docs, sub)}
        for value, docs in sorted(groups.items())
        if len(docs) >= spec.get("min_doc_count", 0)
    ]
    return {"buckets": buckets}


__all__ = ["TEXT_FIELDS", "ElasticStandIn"]
