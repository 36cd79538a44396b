"""The language of a text, among the languages the archive expects (lingua, built once per process).

lingua loads a language's models the first time a text needs them, and keeps them for the
process (for every detector). Texts of 120 characters or more are judged on trigrams alone in
either of its modes; shorter ones, in its high-accuracy mode, on every n-gram length, whose
models take seconds to load. gunicorn loads them all before it forks (preload_models).
"""

import functools

from django.conf import settings
from lingua import IsoCode639_1, LanguageDetectorBuilder

MIN_CONFIDENCE = 0.5
SAMPLE_CHARS = 3000


def builder(languages):
    return LanguageDetectorBuilder.from_iso_codes_639_1(*(getattr(IsoCode639_1, code.upper()) for code in languages))


@functools.cache
def detector(languages, low_accuracy=False):
    found = builder(languages)
    return (found.with_low_accuracy_mode() if low_accuracy else found).build()


def preload_models():
    """Load every model of the archive's languages now (before a server forks, so its workers share them)."""
    builder(tuple(settings.ARCHIVE_LANGUAGES)).with_preloaded_language_models().build()


def detect_language(text, low_accuracy=False):
    """ISO 639-1 code of the text's language, or '' when it is too short or too mixed to say."""
    sample = (text or "").strip()[:SAMPLE_CHARS]
    if len(sample) < 3:
        return ""
    confidences = detector(tuple(settings.ARCHIVE_LANGUAGES), low_accuracy).compute_language_confidence_values(sample)
    if not confidences or confidences[0].value < MIN_CONFIDENCE:
        return ""
    return confidences[0].language.iso_code_639_1.name.lower()


def differs_from(text, language):
    """True when a short line is confidently in another language than the body (a caption, a site banner).

    Asked of many short lines per text, so the low-accuracy mode answers first: nearly every line is
    in the body's language by it too. Only a line it finds foreign is asked again in full, so a line
    is dropped only where the full detector would drop it.
    """
    if not language:
        return False
    found = detect_language(text, low_accuracy=True)
    if not found or found == language:
        return False
    found = detect_language(text)
    return bool(found) and found != language
