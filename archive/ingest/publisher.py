"""Who published a page, from what the page says: its site name, its title's suffix, its footer's © line.

The candidates come strongest first: og:site_name, the JSON-LD (or meta) publisher,
application-name, the <title> suffix after |, –, — or · (only when it repeats the site's
name: a known source, the site name, the domain, or text the page shows again), then the
footer's © line, then a suffix that names an institution by the source-kind rules
("The White House"). The importer prefers a candidate that names a known source, then the
source whose domain the page's URL is on, then the first candidate (pipeline.py).
"""

import re

from archive.ingest.source_kinds import IN_COMPOUNDS, infer_kind
from archive.models import Source

SITE_META = ("og:site_name", "publisher", "application-name", "dc.publisher")
TITLE_SEPARATORS = re.compile(r"\s+[|–—·:]\s+|\s+-\s+")
MAX_NAME_WORDS = 8
TITLE_SUFFIX = "the page title's suffix"
GENERIC_LABELS = {"www", "gov", "gouv", "gv", "com", "co", "org", "net", "ac", "mil", "edu", "int", "news"}
COPYRIGHT = re.compile(r"(?:©|\(c\)|&copy;|copyright\b)", re.IGNORECASE)
YEARS = r"(?:(?:19|20)\d\d(?:\s*[-–—/]\s*(?:(?:19|20)\d\d|\d\d))?)"
RIGHTS_RESERVED = re.compile(
    r"(?:all rights reserved|alle rechte vorbehalten|все права защищены|усі права захищені|kaikki oikeudet pidätetään"
    r"|alla rättigheter förbehållna|visas tiesības aizsargātas|visos teisės saugomos|kõik õigused kaitstud"
    r"|tous droits réservés|wszelkie prawa zastrzeżone).*$",
    re.IGNORECASE,
)
FOOTER_TEXTS = "//footer//text() | //*[contains(@class, 'footer') or contains(@id, 'footer')]//text()"
LAST_TEXTS = 80  # without a <footer>, the © line is among the page's last pieces of text
BODY_TEXTS = "//body//text()[not(ancestor::script or ancestor::style or ancestor::figure or ancestor::figcaption)]"
MAX_COPYRIGHT_LINE = 200
PHOTO_CREDIT = re.compile(r"\b(?:photo|foto|bild|image|getty|reuters|afp|dpa|imago|shutterstock|picture)", re.I)
HOSTNAME = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$", re.IGNORECASE)
# Where a page shows its own name: a logo, a header, a footer; not the headline, nor the menu's section names.
SHOWN_TEXTS = "//body//text()[not(ancestor::title or ancestor::h1 or ancestor::nav)] | //img/@alt | //svg/title/text()"
MAX_SHORT_TEXT = 80
NOTICE = re.compile(
    r"licen[cs]|lizen[sz]|rights|rechte|reserved|vorbehalten|powered|made by|theme", re.IGNORECASE
)  # a logo, a header or a footer line, not a sentence of the article


def page_publishers(tree, meta, title, domain, known_names=()):
    """(name, how) candidates for the page's publisher, strongest first, without repeats."""
    found = [(meta[key], f"the page's {key}") for key in SITE_META if meta.get(key)]
    suffix = title_suffix(title)
    confirmed = suffix and repeats_site_name(suffix, tree, [*known_names, *(name for name, _ in found)], domain)
    if confirmed:
        found.append((suffix, TITLE_SUFFIX))
    footer = copyright_holder(tree)
    if footer:
        found.append((footer, "the footer's © line"))
    if suffix and not confirmed and names_an_institution(suffix):
        found.append((suffix, TITLE_SUFFIX))
    seen, unique = set(), []
    for name, how in found:
        name = " ".join(name.split())[:200]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append((name, how))
    return unique


def title_suffix(title):
    """ "Headline | The White House" → "The White House"; a title without a short last part → ""."""
    parts = TITLE_SEPARATORS.split((title or "").strip(" |–—·:-"))
    if len(parts) < 2:
        return ""
    last = parts[-1].strip()
    return last if looks_like_a_name(last) or HOSTNAME.match(last) else ""


def title_without_suffix(title, suffix):
    return re.sub(r"\s*(?:[|–—·:]|\s-)\s*" + re.escape(suffix) + r"\s*$", "", title).strip() if suffix else title


def repeats_site_name(suffix, tree, site_names, domain):
    """The suffix names the site: a known source or the site name, the domain spelled, or the page's own words."""
    folded = letters(suffix)
    if any(letters(name) == folded for name in site_names):
        return True
    labels = [letters(label) for label in domain.split(".")[:-1] if label not in GENERIC_LABELS]
    if any(len(label) >= 3 and (label in folded or folded in label) for label in labels):
        return True
    if HOSTNAME.match(suffix):
        return True  # "… - taz.de": the site's name is its address
    shown = tree.xpath(SHOWN_TEXTS)
    return any(
        letters(text) == folded or (len(folded) >= 4 and len(text) < MAX_SHORT_TEXT and folded in letters(text))
        for text in shown
    )


def names_an_institution(suffix):
    """ "The White House", "Moldavskie Vedomosti", "OSCE": a proper name of several capitalised words, an acronym,
    or a name the source-kind rules recognise; not a section ("Analysis") or one generic word."""
    words = suffix.split()
    if suffix.isupper() and len(suffix) >= 3:
        return True
    capitalised = [word for word in words if word[:1].isupper()]
    if len(words) >= 2 and len(capitalised) > len(words) / 2:
        return True
    if len(words) == 1:  # a compound that names a kind ("Iltalehti", "Aftonbladet"), not the bare word ("News")
        return any(pattern.search(suffix) and not pattern.fullmatch(suffix) for _, pattern in IN_COMPOUNDS)
    return infer_kind(suffix) != Source.Kind.OTHER


def letters(text):
    return re.sub(r"[\W_]+", "", (text or "").casefold())


def copyright_holder(tree):
    """The holder a page's © line names: "© 2024 President of Russia" → "President of Russia".

    The footer first, then the page's last texts; a photo credit ("© Reuters/Getty Images") is not the publisher.
    """
    for texts in (tree.xpath(FOOTER_TEXTS), tree.xpath(BODY_TEXTS)[-LAST_TEXTS:]):
        for text in reversed(texts):
            line = " ".join(str(text).split())
            if COPYRIGHT.search(line) and len(line) < MAX_COPYRIGHT_LINE and not PHOTO_CREDIT.search(line):
                holder = holder_of(line)
                if holder:
                    return holder
    return ""


def holder_of(line):
    after = COPYRIGHT.split(line, maxsplit=1)[-1]
    after = RIGHTS_RESERVED.sub("", after)
    after = re.sub(rf"^(?:[\s:,.\-–]+|{COPYRIGHT.pattern}|{YEARS}-?|by\b)*", "", after, flags=re.IGNORECASE)
    holder = re.split(r"\s*[|·•]\s*|\.\s+", after)[0]
    holder = re.sub(rf"[\s,.]*{YEARS}\s*$", "", holder).strip(" .,;:-–—©")
    return holder if len(holder) >= 3 and looks_like_a_name(holder) else ""


def looks_like_a_name(text):
    """A name, not a sentence or a notice ("ist lizensiert unter"): a few words, most of them capitalised."""
    words = text.split()
    lowercase_words = [word for word in words if len(word) > 3 and word[:1].islower()]
    return (
        bool(re.search(r"[^\W\d_]{2,}", text))
        and len(words) <= MAX_NAME_WORDS
        and not (text[:1].islower() and len(words) > 1)
        and len(lowercase_words) < 3
        and not NOTICE.search(text)
    )
