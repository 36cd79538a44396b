"""The query mix: what researchers type, each as a bare search and with a filter and a date range.

Words are chosen from the loaded articles' own frequency list, so the same mix works on
the generator and on any corpus file: a common word (~rank 8), a rarer one (~rank 3000).
"""

import collections
import re
from urllib.parse import urlencode

from archive.models import Article, Source

WORD = re.compile(r"[^\W\d_]{4,}")


def word_ranks(sample_size=2000):
    counts = collections.Counter()
    for body in Article.objects.order_by("pk").values_list("body", flat=True)[:sample_size]:
        counts.update(word.lower() for word in WORD.findall(body))
    return [word for word, _ in counts.most_common()]


def query_mix():
    """[(name, our GET parameters, stock Whoosh query string, stock narrowing queries)]."""
    ranks = word_ranks()
    pick = lambda rank: ranks[min(rank, len(ranks) - 1)]  # noqa: E731
    common, second, third, rare, rarer = pick(8), pick(15), pick(40), pick(3000), pick(1500)
    source = Source.objects.order_by("pk").values_list("slug", flat=True).first()
    base = [
        ("common term", common, common),
        ("rare term", rare, rare),
        ("AND", f"{common} {third}", f"{common} AND {third}"),
        ("OR", f"{rare} OR {rarer}", f"{rare} OR {rarer}"),
        ("phrase", f'"{common} {second}"', f'"{common} {second}"'),
        ("prefix", f"{third[:4]}*", f"{third[:4]}*"),
        ("field", f"title:{second}", f"title:{second}"),
    ]
    mix = []
    for name, ours, stock in base:
        mix.append((name, {"q": ours}, stock, []))
        mix.append((f"{name} + source", {"q": ours, "source": source}, stock, [f'source:"{source}"']))
        dates = {"date_from": "2010-01-01", "date_to": "2015-12-31"}
        mix.append((f"{name} + dates", {"q": ours, **dates}, stock, ["date_start:[20100101 TO 20151231]"]))
    return mix


def url_of(params):
    return "/search/?" + urlencode(params)
