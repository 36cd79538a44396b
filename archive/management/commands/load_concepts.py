import importlib.util
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from archive.models import Concept, ConceptTerm

BUILDER = Path(settings.BASE_DIR) / "fixtures" / "concept_registry" / "build.py"


def registry_from_modules():
    """{slug: (fields, [(language, term)])} from the registry's data modules, checked by its builder."""
    spec = importlib.util.spec_from_file_location("concept_registry_build", BUILDER)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    concepts = builder.load_all()
    problems = builder.validate(concepts)
    if problems:
        raise CommandError("The concept registry does not pass its checks:\n" + "\n".join(problems))
    return builder.registry(concepts)


def registry_from_fixture(path):
    """{slug: (fields, [(language, term)])} from a concepts fixture (build.py --fixture PATH)."""
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
        "Reload the concept registry from its data modules (fixtures/concept_registry/) after they were "
        "edited: each concept there replaces the archive's copy; concepts added only in the admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixture", help="Read a concepts fixture (build.py --fixture PATH) instead.")

    def handle(self, *args, fixture=None, **options):
        registry = registry_from_fixture(fixture) if fixture else registry_from_modules()
        count = reload_concepts(registry)
        self.stdout.write(f"concepts: {count} reloaded ({ConceptTerm.objects.count()} terms in the archive).")
