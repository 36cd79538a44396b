"""The language of a text, among the languages the archive expects (lingua, built once per process)."""

import functools

from django.conf import settings
from lingua import IsoCode639_1, LanguageDetectorBuilder

MIN_CONFIDENCE = 0.5
SAMPLE_CHARS = 3000


@functools.cache
def detector(languages=None):
    codes = [getattr(IsoCode639_1, code.upper()) for code in (languages or tuple(settings.ARCHIVE_LANGUAGES))]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_language(text):
    """ISO 639-1 code of the text's language, or '' when it is too short or too mixed to say."""
    sample = (text or "").strip()[:SAMPLE_CHARS]
    if len(sample) < 3:
        return ""
    confidences = detector(tuple(settings.ARCHIVE_LANGUAGES)).compute_language_confidence_values(sample)
    if not confidences or confidences[0].value < MIN_CONFIDENCE:
        return ""
    return confidences[0].language.iso_code_639_1.name.lower()


def differs_from(text, language):
    """True when a short line is confidently in another language than the body (a caption, a site banner)."""
    if not language:
        return False
    found = detect_language(text)
    return bool(found) and found != language
