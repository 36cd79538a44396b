"""Did-you-mean, the engine-neutral half: an index term (a stem) back to a word as an article
spells it, and the corrected query. Each engine finds the corrections (Whoosh from its
lexicon, Elasticsearch/OpenSearch with the term suggester, Solr with spellcheck)."""

import re

from archive.search.analysis import fold, normalise_word, stem_word, tokenize

MIN_WORD_LENGTH = 3
MAX_WORD_LENGTH = 24


def spelled_in_article(pk, term):
    """The word article `pk` uses for index term `term`, or the term itself."""
    from archive.models import Article

    article = Article.objects.filter(pk=pk).only("title", "lede", "body", "language").first()
    if article is None:
        return term
    for text in (article.title, article.lede, article.body):
        for word, _, _ in tokenize(text):
            if stem_word(word, article.language) == term or fold(normalise_word(word)) == term:
                return word.lower()
    return term


def corrected_query(raw_query, corrections):
    """`raw_query` with each {typed word: replacement} applied (keeping a capital), or None if unchanged."""
    suggestion = raw_query
    for word, replacement in corrections.items():
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        suggestion = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, suggestion)
    return suggestion if suggestion != raw_query else None


def correctable(word):
    return not word.endswith("*") and MIN_WORD_LENGTH <= len(word) <= MAX_WORD_LENGTH
