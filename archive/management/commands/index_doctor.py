from django.core.management.base import BaseCommand

from archive.search.doctor import find_drift, repair
from archive.search.engine import current_engine
from archive.search.semantic import pending_count


class Command(BaseCommand):
    help = (
        "Compare the search index with the database (ids, updated stamps and content hashes): "
        "list missing, stale and orphaned entries, and repair them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report; exit with status 1 if there is drift.")

    def handle(self, *args, check=False, **options):
        drift = find_drift()
        for name in ("missing", "stale", "orphans"):
            ids = getattr(drift, name)
            self.stdout.write(
                f"{name}: {len(ids)}" + (f" (article ids {ids[:20]}{' …' if len(ids) > 20 else ''})" if ids else "")
            )
        if drift.unhashed:
            self.stdout.write(
                f"{len(drift.unhashed)} of the stale entries were indexed before the index kept content hashes "
                "(hash unknown): they count as stale, and a repair re-indexes them."
            )
        self.report_vectors()
        stale_concepts = self.report_concepts()
        if stale_concepts and not check:
            retagged = current_engine().retag_concepts()
            self.stdout.write(f"re-tagged {retagged} articles with the current terms of {stale_concepts} concepts")
        if not drift.total:
            self.stdout.write(self.style.SUCCESS("The index matches the database."))
            return
        if check:
            raise SystemExit(1)
        repair(drift)
        after = find_drift()
        if after.total:
            raise SystemExit(f"{after.total} entries still differ after repair; see the IndexTask queue for errors.")
        self.stdout.write(self.style.SUCCESS(f"Repaired {drift.total} entries; the index matches the database."))

    def report_concepts(self):
        """How many registry concepts the index's tags are not current for (an engine that tags
        concepts, Whoosh: search reads those concepts' terms until they are re-tagged)."""
        engine = current_engine()
        stale = len(engine.stale_concepts()) if hasattr(engine, "stale_concepts") else 0
        if stale:
            self.stdout.write(
                f"concepts whose tags are not current: {stale} (All languages searches their terms meanwhile; "
                "a repair or run_indexer re-tags the articles that hold them)"
            )
        return stale

    def report_vectors(self):
        """Articles search by meaning cannot rank yet: the embedding step (run_indexer in the
        background, rebuild_search_index --embeddings at once) gives them a vector."""
        pending = pending_count()
        if pending:
            self.stdout.write(
                f"without a current vector: {pending} (run_indexer embeds them in the background; "
                "rebuild_search_index --embeddings embeds them now)"
            )
