"""Resolve what a user typed after source:, actor:, lang: or kind: to the values the index holds.

Labels and aliases come from the database; a value nothing matches is reported, never
guessed at.
"""

from archive.models import Actor, ActorAlias, Source
from archive.search.analysis import fold

LANGUAGE_NAMES = {
    "en": "English", "ru": "Russian", "uk": "Ukrainian", "fi": "Finnish", "sv": "Swedish", "de": "German",
    "fr": "French", "ro": "Romanian", "pl": "Polish", "lv": "Latvian", "lt": "Lithuanian", "et": "Estonian",
}  # fmt: skip


def language_name(code):
    return LANGUAGE_NAMES.get(code, code)


def resolve_values(field, values, notices):
    """The index labels `values` (typed or clicked) of facet `field` stand for; what matches nothing is noticed."""
    return DatabaseResolver().resolve(field, values, notices)


class DatabaseResolver:
    """Index labels for the built-in facets' values; a registered facet resolves through the registry."""

    def resolve(self, field, values, notices):
        finder = getattr(self, f"_{field}", None)
        if finder is None:
            from archive.search.facets import FACETS

            return FACETS[field].resolve(values, notices) if field in FACETS else [str(value) for value in values]
        resolved = []
        for value in values:
            found = finder(str(value).strip())
            if not found:
                notices.append(f"Nothing in the archive is {field} “{value}”.")
            resolved.extend(found)
        return resolved

    def _actor(self, value):
        return actor_slugs_named(value)

    def _source(self, value):
        folded = fold(value)
        return [
            source.slug
            for source in Source.objects.only("slug", "name", "domain")
            if folded in {source.slug, fold(source.name), fold(source.domain)}
        ]

    def _lang(self, value):
        folded = fold(value)
        return [code for code, name in LANGUAGE_NAMES.items() if folded in {code, fold(name)}] or (
            [folded] if len(folded) == 2 else []
        )

    def _kind(self, value):
        folded = fold(value)
        return [kind for kind, label in Source.Kind.choices if folded in {kind, fold(label)}]


def actor_slugs_named(value):
    """Slugs of the actors whose slug, name or any alias is `value`, in any case, accent or script."""
    folded = fold(value)
    slugs = set(Actor.objects.filter(slug=value.lower()).values_list("slug", flat=True))
    slugs.update(slug for slug, name in Actor.objects.values_list("slug", "name") if fold(name) == folded)
    slugs.update(slug for slug, name in ActorAlias.objects.values_list("actor__slug", "name") if fold(name) == folded)
    return sorted(slugs)
