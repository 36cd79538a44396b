"""Import raw records as articles: each saved atomically, nothing stored twice, every failure reported.

Each chunk of records is first prepared outside any transaction (extraction, actor tagging,
the near-duplicate signature: nearly all of an import's work), then written in one short
transaction, so an editor's save waits a fraction of a second for the database at most. The
chunk asks the database once which articles have its texts or URLs and which signatures share
a band with its own, and inserts its new articles with one insert per table (chunks.py); a
record the database refuses is written again on its own, in a savepoint, and fails alone. The
search index is updated after every thousand saved articles (outbox.BULK_BATCH_SIZE), each
batch in one index commit; while run_indexer runs, the import never writes the index and
leaves its changes, queued behind editors' own, to the indexer. A dry run does all of it
inside one transaction and rolls it back.
"""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, transaction

from archive.ingest.actors import ActorTagger, article_text
from archive.ingest.chunks import IN_DATABASE, ChunkWriter, KnownArticles, original_for_translation
from archive.ingest.dedupe import signature
from archive.ingest.extract import draft_from
from archive.ingest.manifest import Manifest, with_metadata
from archive.ingest.readers import RawRecord, ReadFailure, UnreadableInput, input_files, read_path
from archive.ingest.source_kinds import infer_kind
from archive.ingest.speakers import SpeakerResolver
from archive.models import Actor, Article, ArticleActor, Source, article_hash, iso_at_precision
from archive.search.outbox import BULK_BATCH_SIZE, applied_in_bulk, drain_quietly, enqueued_together, indexer_running

# Records per transaction. Only the writes happen inside it (about 0.5 ms an article), so
# another writer waits a few hundredths of a second at most.
CHUNK_SIZE = 25
STATUSES = ("imported", "updated", "duplicate", "near-duplicate", "failed")
SAVED = {"imported", "updated", "near-duplicate"}
RELATED = ("source", "translation_of", "near_duplicate_of")
UPDATABLE = ("title", "lede", "body", "author", "section", "language", "url", "published_on", "published_time",
             "date_precision", "date_note", "captions", "contact", "captured_at", "provenance")  # fmt: skip


@dataclass
class Outcome:
    status: str
    origin: str
    message: str = ""
    article_id: int | None = None


@dataclass
class Prepared:
    """A record's draft with what saving it needs, computed before the write transaction opens."""

    draft: object
    fields: dict
    body_hash: str
    restore: tuple = (None, None)
    translation_of: int | None = None
    minhash: object = None
    mentions: dict | None = None


class DryRunRollback(Exception):
    pass


class Importer:
    def __init__(self, default_source="", default_language="", update=False, dry_run=False, metadata=None):
        """`metadata`: the path of an editor's manifest (manifest.py); raises UnreadableInput if it cannot be read."""
        self.manifest = Manifest.read(metadata) if metadata else Manifest()
        self.default_source = default_source
        self.default_language = default_language
        self.update = update
        self.dry_run = dry_run
        self.counts = Counter()
        self.restored_ids = False
        self.tagger = ActorTagger.from_registry()
        self.speakers = SpeakerResolver(self.tagger)
        self.sources = {}
        self.known_sources = known_sources()
        self.actor_ids = dict(Actor.objects.values_list("slug", "pk"))
        self.unindexed = 0
        self.created = None  # while a chunk is written: its new articles, whose history is written together
        self.known = None  # while a chunk is written: what the archive holds that its records are checked against
        self.writes_index = not dry_run and not indexer_running()

    def records(self, paths):
        files = [path for path in input_files(paths) if not self.manifest.is_itself(path)]
        rows, unmatched = self.manifest.match(files)
        yield from unmatched
        for path in files:
            for item in read_path(path):
                yield with_metadata(item, rows.get(path))

    def run(self, paths):
        """Outcomes, one per record or failure, in input order."""
        if not self.dry_run:
            with applied_in_bulk():
                yield from self._in_chunks(self.records(paths))
            if self.restored_ids:
                reset_id_sequence()
            return
        try:
            with transaction.atomic():
                yield from self._in_chunks(self.records(paths))
                raise DryRunRollback
        except DryRunRollback:
            pass

    def _in_chunks(self, items):
        chunk = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK_SIZE:
                yield from self._import_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._import_chunk(chunk)

    def _import_chunk(self, chunk):
        prepared = [self.draft(item) for item in chunk]
        hashes = {item.body_hash for item in prepared if isinstance(item, Prepared)}
        archived = set() if self.update else self.archived(hashes)
        prepared = [self.analyse(item) if isinstance(item, Prepared) and item.body_hash not in archived else item
                    for item in prepared]  # fmt: skip
        with transaction.atomic(), enqueued_together():
            self.created = []
            try:
                if self.update:  # an update changes the articles it finds: each is looked up and saved on its own
                    outcomes = [self.write(item) for item in prepared]
                else:
                    self.known = KnownArticles([item for item in prepared if isinstance(item, Prepared)])
                    outcomes = ChunkWriter(self).write(prepared)
                # The new articles' history rows in one insert, as each save would have written them.
                Article.history.bulk_history_create(self.created)
            finally:
                self.created = self.known = None
        for outcome in outcomes:
            self.counts[outcome.status] += 1
        self.unindexed += sum(outcome.status in SAVED for outcome in outcomes)
        if self.unindexed >= BULK_BATCH_SIZE and self.writes_index:
            # One index commit for them all; whatever is left or refused, the command's last drain applies.
            drain_quietly(limit=self.unindexed)
            self.unindexed = 0
        return outcomes

    def import_one(self, item):
        """Prepare and save one record in its own transaction (the admin's preview and tests)."""
        with transaction.atomic():
            return self.write(self.prepare(item))

    @staticmethod
    def archived(hashes):
        """Which of these content hashes the archive holds (one query for a chunk)."""
        return set(Article.objects.filter(content_hash__in=hashes).values_list("content_hash", flat=True))

    def prepare(self, item):
        """The record as a Prepared draft, or its failure as an Outcome. Reads the database, never writes."""
        prepared = self.draft(item)
        if isinstance(prepared, Outcome) or (not self.update and self.archived({prepared.body_hash})):
            return prepared
        return self.analyse(prepared)

    def draft(self, item):
        """The record's draft and identity (its content hash), or its failure as an Outcome."""
        if isinstance(item, ReadFailure):
            return Outcome("failed", item.origin, item.reason)
        try:
            draft = draft_from(item, self.known_sources, self.default_source, self.default_language)
            fields = dict(draft.fields)
            expected_hash = fields.pop("expected_hash", "")
            restore = (fields.pop("restore_id", None), fields.pop("restore_original_id", None))
            stated = iso_at_precision(fields.get("published_on"), fields["date_precision"])
            body_hash = article_hash(fields["body"], fields["title"], stated, fields.get("url"))
            prepared = Prepared(draft, fields, body_hash, restore, fields.pop("translation_of", None))
            if expected_hash and expected_hash != prepared.body_hash:
                draft.notes.append("the record's content_hash does not match its body; the body was kept as given")
            return prepared
        except Exception as error:
            return self.failure(item.origin, error)

    def analyse(self, prepared):
        """What saving a new text needs: its near-duplicate signature and its actor mentions."""
        draft, fields = prepared.draft, prepared.fields
        try:
            prepared.minhash = signature(fields["body"])
            prepared.mentions = self.mentions_for(draft, fields, self.provisional_source(draft))
            return prepared
        except Exception as error:
            return self.failure(draft.origin, error)

    def write(self, prepared):
        if isinstance(prepared, Outcome):
            return prepared
        created = len(self.created or ())
        try:
            with transaction.atomic():
                return self.save(prepared)
        except Exception as error:
            if self.created:
                del self.created[created:]  # rolled back
            if self.known is not None:
                # What the chunk read may no longer hold (an article rolled back, another writer's insert):
                # the rest of the chunk asks the database itself, and a clash is looked up again.
                self.known = None
                if isinstance(error, IntegrityError):
                    return self.write(prepared)
            return self.failure(prepared.draft.origin, error)

    @staticmethod
    def failure(origin, error):
        """The outcome of a record that could not be imported; errors not about the record propagate."""
        if isinstance(error, UnreadableInput):
            return Outcome("failed", origin, str(error))
        if isinstance(error, ValidationError):
            return Outcome("failed", origin, "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()))
        if isinstance(error, DatabaseError | ValueError | TypeError):
            return Outcome("failed", origin, f"could not be saved: {error}")
        raise error

    def save(self, prepared):
        """Identity is the text (content hash); a URL is shared by a page's translations and by distinct texts."""
        fields = prepared.fields
        existing, at_url = (self.known or IN_DATABASE).articles_with(prepared.body_hash, fields.get("url"))
        same_language = [article for article in at_url if article.language == fields["language"]]
        if existing is None and self.update and len(same_language) == 1:
            existing = same_language[0]  # --update: the text at this URL in this language is replaced
        if existing is not None:
            return self._existing(existing, prepared)
        if prepared.translation_of is None:
            prepared.translation_of = original_for_translation(at_url, fields)
        return self._create(prepared)

    def _existing(self, article, prepared):
        draft = prepared.draft
        if not self.update:
            return Outcome("duplicate", draft.origin, f"already in the archive as #{article.pk} “{article.title}”",
                           article.pk)  # fmt: skip
        changed = self._apply(article, prepared)
        if not changed:
            return Outcome("duplicate", draft.origin, f"unchanged: #{article.pk} “{article.title}”", article.pk)
        return Outcome("updated", draft.origin, f"#{article.pk}: {', '.join(changed)} updated", article.pk)

    def _apply(self, article, prepared):
        """Update the article from the record; an editor's hand-set actor tags are kept."""
        draft, fields = prepared.draft, prepared.fields
        source = self.source_for(draft)
        changed = [name for name in UPDATABLE if name in fields and fields[name] != getattr(article, name)]
        changed += ["source"] if source.pk != article.source_id else []
        for name in changed:
            if name != "source":
                setattr(article, name, fields[name])
        article.source = source
        mentions = prepared.mentions if prepared.mentions is not None else self.mentions_for(draft, fields, source)
        old = {actor: (count, role) for actor, count, role in
               article.actor_mentions.values_list("actor_id", "mention_count", "role")}  # fmt: skip
        retag = mentions != old and not article.actors_set_by_hand
        if changed or retag:
            article.full_clean(exclude=["content_hash"], validate_unique=False)
            article.save()
        if retag:
            changed.append("actors")
            article.actor_mentions.all().delete()
            self._tag(article, mentions)
        return changed

    def _create(self, prepared):
        article, original = self.new_article(prepared)
        if self.created is not None:
            article.skip_history_when_saving = True
            self.created.append(article)
        article.save()
        self._tag(article, self.mentions_of(prepared, article))
        if self.known is not None:
            self.known.add(article)
        return self.created_outcome(prepared, article, *original)

    def new_article(self, prepared):
        """The record's new article, validated and unsaved, and (its original's id, the similarity) if it is a
        near-duplicate."""
        draft, fields, minhash = prepared.draft, prepared.fields, prepared.minhash
        original_id, similarity = (self.known or IN_DATABASE).original_of(minhash)
        article = Article(**{name: value for name, value in fields.items() if name in UPDATABLE})
        article.minhash = minhash  # saved with the article's near-duplicate keys, not computed twice
        restore_id, restore_original_id = prepared.restore
        if restore_id and not Article.objects.filter(pk=restore_id).exists():
            article.pk = restore_id  # a restored backup keeps its permalinks
            self.restored_ids = True
        if restore_original_id and Article.objects.filter(pk=restore_original_id).exists():
            original_id, similarity = restore_original_id, 1.0
        article.source = self.source_for(draft)
        article.near_duplicate_of_id = original_id
        translation_of = prepared.translation_of
        if translation_of and Article.objects.filter(pk=translation_of).exists():
            article.translation_of_id = translation_of
        # The related articles and the source are ones just read or saved: no query checks that they exist.
        article.full_clean(exclude=["content_hash", "slug", *RELATED], validate_unique=False)
        return article, (original_id, similarity)

    def mentions_of(self, prepared, article):
        if prepared.mentions is None:  # kept: a chunk written again record by record asks once
            prepared.mentions = self.mentions_for(prepared.draft, prepared.fields, article.source)
        return prepared.mentions

    @staticmethod
    def created_outcome(prepared, article, original_id, similarity):
        draft = prepared.draft
        if article.translation_of_id:
            draft.notes.insert(0, f"a translation of #{article.translation_of_id} (same URL, another language)")
        notes = "; ".join(draft.notes)
        if original_id:
            original = Article.objects.select_related("source").get(pk=original_id)
            message = f"#{article.pk}, {similarity:.0%} like #{original.pk} “{original.title}” ({original.source})"
            return Outcome("near-duplicate", draft.origin, message + (f"; {notes}" if notes else ""), article.pk)
        return Outcome("imported", draft.origin, f"#{article.pk} “{article.title}”" + (f"; {notes}" if notes else ""),
                       article.pk)  # fmt: skip

    def mentions_for(self, draft, fields, source):
        """{actor id: (mention count, role)}: the text's mentions, and the record's speakers as role "speaker"."""
        if draft.actor_slugs is None:
            counts = self.tagger.mentions(article_text(fields), fields.get("language", ""), source)
        else:
            unknown = sorted(slug for slug in draft.actor_slugs if slug not in self.actor_ids)
            if unknown:
                draft.notes.append(f"unknown actors not tagged: {', '.join(unknown)}")
            counts = {self.actor_ids[slug]: int(n) for slug, n in draft.actor_slugs.items() if slug in self.actor_ids}
        mentions = {actor_id: (count, ArticleActor.Role.MENTION) for actor_id, count in counts.items()}
        speakers = self.speakers.actor_ids(draft.speakers, fields.get("language", ""))
        speakers += [self.actor_ids[slug] for slug in draft.speaker_slugs if slug in self.actor_ids]
        for actor_id in speakers:
            # The metadata names the speaker once even where the text never does.
            mentions[actor_id] = (max(counts.get(actor_id, 0), 1), ArticleActor.Role.SPEAKER)
        return mentions

    def _tag(self, article, mentions):
        ArticleActor.objects.bulk_create(
            [
                ArticleActor(article=article, actor_id=actor_id, mention_count=count, role=role)
                for actor_id, (count, role) in mentions.items()
            ]
        )

    def source_for(self, draft):
        key = source_key(draft.source)
        if key not in self.sources:
            self.sources[key] = find_or_create_source(draft.source)
        return self.sources[key]

    def provisional_source(self, draft):
        """The source the draft will be saved under, unsaved if it is new: tagging needs only its name."""
        hint = draft.source
        found = self.sources.get(source_key(hint)) or find_existing_source(hint)
        return found or Source(name=hint.name or hint.slug or hint.domain)


def source_key(hint):
    return (hint.slug, hint.name.casefold(), hint.domain, tuple(hint.alternatives))


def known_sources():
    """Each source's name with the lines that sign its releases, for attributing texts that name no publisher."""
    return {
        name: [line.strip() for line in signatures.splitlines() if line.strip()]
        for name, signatures in Source.objects.values_list("name", "signatures")
    }


def reset_id_sequence():
    """After rows were inserted with explicit ids, PostgreSQL's id sequence must move past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Article])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def find_existing_source(hint):
    """The Source the hint names (slug; name; the page's names; domain), if the archive has it.

    A name matches a source's name or one of its signature lines (the names it signs with, in
    any case or spacing); a domain matches the source's domain or a subdomain of it.
    """
    if hint.slug:
        return Source.objects.filter(slug=hint.slug).first() or Source.objects.filter(name=hint.name).first()
    if hint.name:
        return source_named(hint.name)
    for name in hint.alternatives:
        found = source_named(name)
        if found is not None:
            return found
    return source_on_domain(hint.domain) if hint.domain else None


def source_named(name):
    found = Source.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    wanted = " ".join(name.split()).casefold()
    for source in Source.objects.exclude(signatures=""):
        if any(" ".join(line.split()).casefold() == wanted for line in source.signatures.splitlines()):
            return source
    return None


def source_on_domain(domain):
    """The source on this domain, or on the nearest parent domain (news.example.lt → example.lt)."""
    domain = domain.casefold().removeprefix("www.")
    parents = [domain.split(".", depth)[-1] for depth in range(domain.count("."))]
    candidates = {source.domain.casefold().removeprefix("www."): source for source in Source.objects.exclude(domain="")}
    return next((candidates[name] for name in parents if name in candidates), None)


def find_or_create_source(hint):
    found = find_existing_source(hint)
    if found is not None:
        return found
    if hint.slug:
        return Source.objects.create(name=hint.name or hint.slug, slug=hint.slug, kind=hint.kind or "other")
    name = hint.name or next(iter(hint.alternatives), "") or hint.domain
    if not name:
        raise UnreadableInput(
            "cannot tell the source: the input names none (no publisher, site name, title suffix, © line or URL); "
            "pass --source NAME, or give it a source in a --metadata manifest"
        )
    return Source.objects.create(name=name[:200], domain=hint.domain, kind=infer_kind(name, hint.domain))


def import_text(raw_text, **options):
    """Run one pasted text through the pipeline (used by tests and the admin's preview)."""
    importer = Importer(**options)
    return importer.import_one(RawRecord(origin="pasted text", text=raw_text, provenance="pasted by an editor"))
