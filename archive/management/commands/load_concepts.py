import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from archive.models import Concept, ConceptTerm

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "concepts.json"


def registry_from_fixture(path):
    """{slug: (fields, [(language, term)])} from a concepts.json fixture."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    slugs = {r["pk"]: r["fields"]["slug"] for r in records if r["model"] == "archive.concept"}
    registry = {r["fields"]["slug"]: (r["fields"], []) for r in records if r["model"] == "archive.concept"}
    for record in records:
        if record["model"] == "archive.conceptterm":
            fields = record["fields"]
            registry[slugs[fields["concept"]]][1].append((fields["language"], fields["term"]))
    return registry


@transaction.atomic
def reload_concepts(registry):
    """Make each concept of `registry` read as it does there; concepts added only in the admin are kept."""
    for slug, (fields, terms) in registry.items():
        concept, _ = Concept.objects.update_or_create(
            slug=slug, defaults={"name": fields["name"], "description": fields.get("description", "")}
        )
        concept.terms.all().delete()
        ConceptTerm.objects.bulk_create(ConceptTerm(concept=concept, language=lang, term=term) for lang, term in terms)
    return len(registry)


class Command(BaseCommand):
    help = (
        "Reload the concept registry from fixtures/concepts.json after its data was edited and rebuilt "
        "(python fixtures/concept_registry/build.py): each concept there replaces the archive's copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixture", default=str(FIXTURE), help="The concepts fixture to read.")

    def handle(self, *args, fixture, **options):
        count = reload_concepts(registry_from_fixture(fixture))
        self.stdout.write(f"concepts: {count} reloaded ({ConceptTerm.objects.count()} terms in the archive).")
