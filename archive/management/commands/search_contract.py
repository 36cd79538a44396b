import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.search.cluster.client import Cluster, ClusterUnreachable
from archive.search.cluster.contract import run_contract


class Command(BaseCommand):
    help = (
        "Run the search-backend contract suite against the cluster SEARCH_URL names (Elasticsearch 7, "
        "OpenSearch or Solr): index a small corpus into a scratch index, check search, phrases, prefixes, "
        "filters, facets, histogram, sort and deletes, then remove it. Skips, saying why, if no cluster answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--require", action="store_true", help="Fail instead of skipping when no cluster answers.")
        parser.add_argument("--keep", action="store_true", help="Keep the scratch index for inspection.")

    def handle(self, *args, require=False, keep=False, **options):
        cluster = Cluster.from_search_url(settings.SEARCH_URL)
        if cluster is None:
            return self.skip(f"SEARCH_URL is {settings.SEARCH_URL!r} (Whoosh, tested by the test suite); "
                             "set SEARCH_URL=elasticsearch7://…, opensearch://… or solr://… to check a cluster.",
                             require)  # fmt: skip
        try:
            cluster.ping()
        except ClusterUnreachable as error:
            return self.skip(str(error), require)
        if cluster.kind == "elastic":
            cluster.index = f"{cluster.index}-contract-{uuid.uuid4().hex[:8]}"
        failures = run_contract(cluster, self.stdout.write, keep=keep)
        if failures:
            raise CommandError(f"{failures} contract case(s) failed against {cluster.address}.")
        self.stdout.write(self.style.SUCCESS(f"All contract cases passed against {cluster.address}."))

    def skip(self, reason, require):
        if require:
            raise CommandError(f"Contract suite cannot run: {reason}")
        self.stdout.write(self.style.WARNING(f"Contract suite skipped: {reason}"))
