import uuid
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from haystack import connections

from archive.search.cluster.client import ClusterSettings
from archive.search.cluster.contract import CHECKS, REBUILD_CHECK, run_contract
from archive.search.config import haystack_connections
from archive.search.errors import IndexUnavailable


def scratch_url(search_url, name):
    """SEARCH_URL with its index (or collection) replaced by `name`."""
    parts = urlsplit(search_url)
    path = parts.path.rstrip("/").rsplit("/", 1)[0] + f"/{name}"
    return urlunsplit(parts._replace(path=path))


class Command(BaseCommand):
    help = (
        "Run the search contract (archive/search/cluster/contract.py: searches, facets, exports streamed to the end, "
        "hit dates, related articles, did-you-mean, index_doctor's scan, health, search by meaning (vectors written "
        "and re-embedded, all languages across languages, exports, the registry-only fallback), deletes, a rebuild "
        "with an alias swap that keeps the vectors) against the cluster SEARCH_URL names, in a scratch index it "
        "deletes afterwards and inside a database transaction it rolls back. Skips, saying why, if no cluster answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--require", action="store_true", help="Fail instead of skipping when no cluster answers.")
        parser.add_argument("--keep", action="store_true", help="Keep the scratch index for inspection.")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Also check a rebuild and its alias swap (indexes every published article into the scratch index).",
        )

    def handle(self, *args, require=False, keep=False, rebuild=False, **options):
        cluster_settings = ClusterSettings.from_search_url(settings.SEARCH_URL)
        if cluster_settings is None:
            return self.skip(
                f"SEARCH_URL is {settings.SEARCH_URL!r} (Whoosh, checked by the test suite); set "
                "SEARCH_URL=elasticsearch://…, opensearch://… or solr://… to check a cluster.",
                require,
            )
        url = scratch_url(settings.SEARCH_URL, f"{cluster_settings.name}-contract-{uuid.uuid4().hex[:8]}")
        try:
            names = [name for name in CHECKS if rebuild or name != REBUILD_CHECK]
            failures = self.run_against(url, keep, names)
        except IndexUnavailable as error:
            return self.skip(str(error), require)
        if failures:
            raise CommandError(f"{failures} contract check(s) failed against {cluster_settings.engine}.")
        self.stdout.write(self.style.SUCCESS(f"Every contract check passed against {cluster_settings.engine}."))

    def run_against(self, url, keep, names):
        original = connections.connections_info, settings.HAYSTACK_CONNECTIONS
        # haystack's handler reads connections_info; each backend reads the settings.
        connections.connections_info = settings.HAYSTACK_CONNECTIONS = haystack_connections(url)
        connections.reload("default")
        cluster = connections["default"].get_backend().cluster
        try:
            cluster.ensure_index()
            return run_contract(self.stdout.write, names)
        finally:
            if not keep:
                cluster.drop_index()
            connections.connections_info, settings.HAYSTACK_CONNECTIONS = original
            connections.reload("default")

    def skip(self, reason, require):
        if require:
            raise CommandError(f"Contract suite cannot run: {reason}")
        self.stdout.write(self.style.WARNING(f"Contract suite skipped: {reason}"))
