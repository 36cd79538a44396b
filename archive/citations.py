"""Citations of articles: RIS, BibTeX, CSL-JSON and a formatted reference.

Each citation carries what someone needs to check it later: the publication date at the
precision it is known to, the source, the author, the original URL, the archive's
permalink, the date the archive captured the text, and the SHA-256 content hash of the
normalised body (archive.models.content_hash_of), which anyone can recompute.
"""

import json
from dataclasses import dataclass

from django.utils.html import format_html

from archive.models import DatePrecision, Source, iso_at_precision

ARCHIVE_NAME = "Security Press Archive"
FORMATS = {
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
    "csl": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
RIS_TYPES = {Source.Kind.NEWS: "NEWS", Source.Kind.ANALYSIS: "RPRT", Source.Kind.MINISTRY: "GOVDOC"}
CSL_TYPES = {Source.Kind.NEWS: "article-newspaper", Source.Kind.ANALYSIS: "report"}
PRECISION_PARTS = {DatePrecision.DAY: 3, DatePrecision.MONTH: 2, DatePrecision.YEAR: 1}


@dataclass
class Citable:
    """An article with the two facts a citation needs from outside it: its permalink and capture date."""

    article: object
    permalink: str

    @property
    def captured_on(self):
        # Imports record when they fetched the text; an article typed in by an editor
        # was captured when it was saved.
        moment = self.article.captured_at or self.article.created_at
        return moment.date() if moment else None

    @property
    def date_parts(self):
        article = self.article
        count = PRECISION_PARTS.get(article.date_precision)
        if article.published_on is None or count is None:
            return []
        return [article.published_on.year, article.published_on.month, article.published_on.day][:count]

    @property
    def iso_date(self):
        return iso_at_precision(self.article.published_on, self.article.date_precision)

    @property
    def verification_note(self):
        captured = self.captured_on.isoformat() if self.captured_on else "date unknown"
        return (
            f"Archived by the {ARCHIVE_NAME} at {self.permalink} (captured {captured}); "
            f"SHA-256 of the normalised text: {self.article.content_hash}"
        )


# RIS -------------------------------------------------------------------------------


def to_ris(citable):
    article = citable.article
    lines = [
        ("TY", RIS_TYPES.get(article.source.kind, "ELEC")),
        ("TI", article.title),
        *[("AU", author) for author in [article.author] if author],
        ("T2", article.source.name),
        ("PB", article.source.name),
        ("PY", str(citable.date_parts[0])) if citable.date_parts else None,
        ("DA", ris_date(citable.date_parts)) if citable.date_parts else None,
        ("LA", article.language),
        ("UR", article.url or citable.permalink),
        ("L2", citable.permalink),
        ("Y2", citable.captured_on.isoformat()) if citable.captured_on else None,
        ("DB", ARCHIVE_NAME),
        ("AN", str(article.pk)),
        ("N1", citable.verification_note),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {one_line(value)}\r\n" for tag, value in filter(None, lines))


def ris_date(parts):
    """RIS dates are YYYY/MM/DD/other, with the unknown parts left empty: 2021/12//."""
    padded = [str(parts[0])] + [f"{part:02d}" for part in parts[1:]]
    return "/".join(padded + [""] * (3 - len(padded))) + "/"


def one_line(value):
    """RIS is line-based: a newline inside a value would start a bogus tag."""
    return " ".join(str(value).split())


# BibTeX ----------------------------------------------------------------------------

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text):
    return "".join(LATEX_SPECIALS.get(char, char) for char in one_line(text))


def bibtex_url(url):
    """A URL inside braces: unbalanced braces would end the field early."""
    return one_line(url).replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def bibtex_key(article):
    year = article.published_on.year if article.published_on and article.date_precision != "unknown" else "nd"
    return f"spa{article.pk}_{year}"


def to_bibtex(citable):
    article = citable.article
    fields = [
        ("title", "{" + latex_escape(article.title) + "}"),  # double braces keep the title's capitals
        ("author", latex_escape(article.author) if article.author else None),
        ("organization", latex_escape(article.source.name)),
        ("howpublished", latex_escape(article.source.name)),
        ("year", str(citable.date_parts[0]) if citable.date_parts else None),
        ("month", str(citable.date_parts[1]) if len(citable.date_parts) > 1 else None),
        ("date", citable.iso_date or None),
        ("language", latex_escape(article.language)),
        ("url", bibtex_url(article.url or citable.permalink)),
        ("urldate", citable.captured_on.isoformat() if citable.captured_on else None),
        ("note", latex_escape(citable.verification_note)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(article)},\n{body}\n}}\n"


# CSL-JSON --------------------------------------------------------------------------


def to_csl(citable):
    """One CSL-JSON item (a dict); a file of them is a JSON array."""
    article = citable.article
    item = {
        "id": f"spa-{article.pk}",
        "type": CSL_TYPES.get(article.source.kind, "document"),
        "title": article.title,
        "container-title": article.source.name,
        "publisher": article.source.name,
        "language": article.language,
        "URL": article.url or citable.permalink,
        "archive": ARCHIVE_NAME,
        "archive_location": citable.permalink,
        "note": citable.verification_note,
    }
    if article.source.kind in (Source.Kind.MINISTRY, Source.Kind.INTERNATIONAL):
        item["genre"] = "Press release"
    if article.author:
        item["author"] = [{"literal": article.author}]
    if citable.date_parts:
        item["issued"] = {"date-parts": [citable.date_parts]}
    if citable.captured_on:
        captured = citable.captured_on
        item["accessed"] = {"date-parts": [[captured.year, captured.month, captured.day]]}
    return item


def csl_json(citables):
    return json.dumps([to_csl(citable) for citable in citables], ensure_ascii=False, indent=2)


def csl_json_chunks(citables):
    """A CSL-JSON array, one item at a time, for a streaming response."""
    yield "["
    for n, citable in enumerate(citables):
        yield ("," if n else "") + "\n" + json.dumps(to_csl(citable), ensure_ascii=False)
    yield "\n]\n"


WRITERS = {"ris": to_ris, "bib": to_bibtex}


def citation_chunks(format, citables):
    """The text of a citation file in `format` (ris, bib, csl), piece by piece."""
    if format == "csl":
        yield from csl_json_chunks(citables)
        return
    write = WRITERS[format]
    for citable in citables:
        yield write(citable) + ("\n" if format == "bib" else "")


# A reference to read ---------------------------------------------------------------


def date_in_words(citable):
    article = citable.article
    if not citable.date_parts:
        return "n.d."
    if article.date_precision == DatePrecision.DAY:
        return f"{article.published_on.day} {article.published_on.strftime('%B %Y')}"
    return article.date_display


def formatted_reference(citable):
    """A Chicago-style (notes and bibliography) reference, as safe HTML."""
    article = citable.article
    author = f"{article.author}. " if article.author else ""
    captured = citable.captured_on.strftime("%-d %B %Y") if citable.captured_on else "date unknown"
    original = format_html(" {}.", article.url) if article.url else ""
    return format_html(
        "{}“{}.” <i>{}</i>, {}.{} Archived by the {}, {} (captured {}). SHA-256: {}.",
        author,
        article.title.rstrip("."),
        article.source.name,
        date_in_words(citable),
        original,
        ARCHIVE_NAME,
        citable.permalink,
        captured,
        article.content_hash,
    )
