"""Who published a page, from what the page says: its site name, its title's suffix, its footer's © line.

The candidates come strongest first: og:site_name, the JSON-LD (or meta) publisher,
application-name, the <title> suffix after |, –, — or · (only when it repeats the site's
name: a known source, the site name, the domain, or text the page shows again), then the
footer's © line. The importer prefers a candidate that names a known source, then the
source whose domain the page's URL is on, then the first candidate (pipeline.py).
"""

import re

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


def page_publishers(tree, meta, title, domain, known_names=()):
    """(name, how) candidates for the page's publisher, strongest first, without repeats."""
    found = [(meta[key], f"the page's {key}") for key in SITE_META if meta.get(key)]
    suffix = title_suffix(title)
    if suffix and repeats_site_name(suffix, tree, [*known_names, *(name for name, _ in found)], domain):
        found.append((suffix, TITLE_SUFFIX))
    footer = copyright_holder(tree)
    if footer:
        found.append((footer, "the footer's © line"))
    seen, unique = set(), []
    for name, how in found:
        name = " ".join(name.split())[:200]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append((name, how))
    return unique


def title_suffix(title):
    """ "Headline | The White House" → "The White House"; a title without a short last part → ""."""
    parts = TITLE_SEPARATORS.split(title or "")
    if len(parts) < 2:
        return ""
    last = parts[-1].strip()
    return last if 0 < len(last.split()) <= MAX_NAME_WORDS and re.search(r"[^\W\d_]", last) else ""


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
    shown = tree.xpath("//body//text()[not(ancestor::title)] | //img/@alt | //a/@title")
    return any(letters(text) == folded for text in shown)


def letters(text):
    return re.sub(r"[\W_]+", "", (text or "").casefold())


def copyright_holder(tree):
    """The holder a page's © line names: "© 2024 President of Russia" → "President of Russia"."""
    texts = tree.xpath(FOOTER_TEXTS) or tree.xpath("//body//text()")[-LAST_TEXTS:]
    for text in reversed(texts):
        line = " ".join(str(text).split())
        if COPYRIGHT.search(line) and len(line) < 200:
            holder = holder_of(line)
            if holder:
                return holder
    return ""


def holder_of(line):
    after = COPYRIGHT.split(line, maxsplit=1)[-1]
    after = RIGHTS_RESERVED.sub("", after)
    after = re.sub(rf"^[\s©:,.]*(?:{YEARS}[\s,.:]*)*", "", after)
    after = re.sub(rf"[\s,.]*{YEARS}\s*$", "", after)
    holder = re.split(r"\s*[|·•]\s*|\.\s+", after)[0].strip(" .,;:-–—©")
    if not re.search(r"[^\W\d_]{2,}", holder) or len(holder.split()) > MAX_NAME_WORDS:
        return ""
    return holder
