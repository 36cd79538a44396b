from django.core.management import call_command
from django.core.management.base import BaseCommand

from archive.ingest.dedupe import fill_missing_keys
from archive.management.commands.load_concepts import registry_from_modules, reload_concepts
from archive.models import Actor, Article, Concept, NearDuplicateKeys

SEED_FIXTURES = {"actors": Actor, "seed_articles": Article}


class Command(BaseCommand):
    help = (
        "Load the actor and concept registries and the five seed articles into an empty archive "
        "(never over an editor's work; load_concepts reloads the concepts after their data changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even where the tables already hold rows.")

    def handle(self, *args, force=False, **options):
        for fixture, model in SEED_FIXTURES.items():
            if model.objects.exists() and not force:
                self.stdout.write(f"{fixture}: already loaded ({model.objects.count()} rows), left as it is.")
                continue
            call_command("loaddata", fixture, verbosity=0)
            fill_missing_keys(Article, NearDuplicateKeys)  # fixtures load raw, past Article.save
            self.stdout.write(f"{fixture}: loaded ({model.objects.count()} rows).")
        if Concept.objects.exists() and not force:
            self.stdout.write(f"concepts: already loaded ({Concept.objects.count()} rows), left as it is.")
        else:
            self.stdout.write(f"concepts: loaded ({reload_concepts(registry_from_modules())} rows).")
