"""Split a raw press text into title, metadata lines, body, captions and contact.

Page furniture is recognised by general rules, not by a list of any site's strings:
a line that repeats itself (banners), interface vocabulary (skip links, cookie and share
prompts, "click here"), position (short lines before the first or after the last
paragraph of prose), and language (a short line in another language than the body).
"""

import functools
import re
from dataclasses import dataclass, field

from archive.ingest.dates import find_date_in_line
from archive.ingest.language import detect_language, differs_from

PROSE_MIN_WORDS = 10
PROSE_LONG_WORDS = 25
LEDE_MAX_WORDS = 60
SENTENCE_END = re.compile(r"[.!?…:;\"”»)’']$")
# A long first line that does not end a sentence is a headline ("… sairaalasta: ”Oloni on fantastinen”").
HEADLINE_MAX_WORDS = 30
STATEMENT_END = re.compile(r"[.…:;][\"”»’')]*$")
REPEATED_PHRASE = re.compile(r"(.{8,}?)\s*(?:\1\s*){2,}")
INTERFACE = re.compile(
    r"\b(?:skip to (?:main )?content|click here|read more|subscribe|sign up|sign in|log in|newsletter|"
    r"follow us|share (?:this|on)|cookies?|accept all|all rights reserved|back to top|print this|"
    r"related articles?|advertisement|jump to)\b|^(?:latest|trending|most read|read also|see also)\s*:|^©|"
    r"^(?:menu|search|home|share|print|close)$",
    re.IGNORECASE,
)
INTERFACE_MAX_WORDS = 20
CREDIT = re.compile(
    r"(?:^|[.)]\s+|\s)(?:photo(?:\s+source)?|image|picture|foto|kuva|bild|фото|credit|illustration)s?\s*:\s*\S",
    re.IGNORECASE,
)
CREDIT_MAX_WORDS = 40
CONTACT_START = re.compile(
    r"^(information prepared by|prepared by|press contacts?|media contacts?|contacts?|for (?:more|further) "
    r"information|further information|lisätietoja|yhteystiedot|kontakt(?:person)?|kontaktai|контакты|"
    r"для справок|informāciju sagatavoja)\s*:?\s*$",
    re.IGNORECASE,
)
PREPARED_BY = re.compile(r"\b(prepared|written|compiled) by\s*:?\s*$|^(author|autor|kirjoittaja)\s*:?\s*$", re.I)
BYLINE = re.compile(r"^(?:by|von|par|av|автор:?)\s+(?P<name>[^\W\d][\w.'’\- ]{2,80})$", re.IGNORECASE)
HASHTAG_META = re.compile(r"^#(?P<section>[^#/]{2,60}?)(?:\s*/\s*(?P<author>[^#/]{3,80}))?$")
BULLET = re.compile(r"^[•·*▪►]\s*(?P<text>.+)$")
LIST_ITEM = re.compile(r"^[-–•*]\s+\S")
NAME = re.compile(r"^[^\W\d_][\w'’.\-]*(?:\s+[^\W\d_][\w'’.\-/]*){0,4}$")


@dataclass
class CleanText:
    title: str = ""
    lede: str = ""
    body: str = ""
    captions: list = field(default_factory=list)
    contact: str = ""
    author: str = ""
    section: str = ""
    date: object = None  # a dates.StatedDate
    source_line: str = ""
    language: str = ""
    removed: list = field(default_factory=list)  # furniture, kept for the dry-run report
    trusted: bool = False


@functools.lru_cache(maxsize=16384)  # the rules ask it of each line several times (a text's lines ~130 times)
def words(line):
    return len(re.findall(r"\w+", line))


def is_prose(line):
    count = words(line)
    return count >= PROSE_LONG_WORDS or (count >= PROSE_MIN_WORDS and bool(SENTENCE_END.search(line.strip())))


def is_interface(line):
    return words(line) <= INTERFACE_MAX_WORDS and bool(INTERFACE.search(line.strip()))


def is_banner(line):
    line = line.strip()
    # A phrase of 8 or more characters three times over: its first 8 are three times in the line. Only then
    # is the pattern, whose backtracking costs as much as the line is long squared, worth trying.
    return line.count(line[:8]) >= 3 and bool(REPEATED_PHRASE.fullmatch(line))


def is_credit(line):
    return ":" in line and words(line) <= CREDIT_MAX_WORDS and bool(CREDIT.search(line))


def paragraphs_of(text):
    """Paragraphs as lists of lines. A text without blank lines has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [line.strip() for line in text.strip().split("\n")]
    if "" not in lines:
        return [[line] for line in lines]
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def repair_flattened_lists(paragraphs):
    """A list whose last item lost its bullet and ran into the next heading ("cooperative security. The EU …")."""
    repaired = []
    for paragraph in paragraphs:
        previous = repaired[-1] if repaired else []
        line = paragraph[0]
        if len(paragraph) == 1 and previous and LIST_ITEM.match(previous[-1]) and line[:1].islower():
            item, _, rest = line.partition(". ")
            bullet = previous[-1][:2]
            repaired.append([bullet + item + ("." if rest else "")])
            if rest:
                repaired.append([rest])
            continue
        repaired.append(paragraph)
    return group_list_items(repaired)


def group_list_items(paragraphs):
    grouped, last_is_list = [], False
    for paragraph in paragraphs:
        is_list = all(LIST_ITEM.match(line) for line in paragraph)
        if grouped and is_list and last_is_list:
            grouped[-1] = grouped[-1] + paragraph
        else:
            grouped.append(list(paragraph))
            last_is_list = is_list
    return grouped


def drop_interface_lines(paragraphs, result):
    kept = []
    for paragraph in paragraphs:
        lines = []
        for line in paragraph:
            if is_banner(line) or is_interface(line):
                result.removed.append(line)
            else:
                lines.append(line)
        if lines:
            kept.append(lines)
    return kept


def clean_text(text, title=None, known_sources=(), language=""):
    """A raw text split into its parts.

    `title`, when the input gives one, is trusted, and the text is taken as a body already
    cut from its page: lines around the prose that no rule recognises are kept, not dropped.
    """
    result = CleanText(title=title or "", language=language)
    result.trusted = bool(title)
    paragraphs = drop_interface_lines(repair_flattened_lists(paragraphs_of(text)), result)
    if title and paragraphs and " ".join(paragraphs[0]).casefold() == title.casefold():
        result.removed.append(paragraphs.pop(0)[0])  # the page's heading, already the title
    if not title and is_long_headline(paragraphs):
        result.title = paragraphs.pop(0)[0]
    prose_at = [i for i, paragraph in enumerate(paragraphs) if any(is_prose(line) for line in paragraph)]
    if not prose_at:
        return _without_prose(paragraphs, result)
    first, last = prose_at[0], prose_at[-1]
    result.language = language or detect_language(" ".join(" ".join(paragraphs[i]) for i in prose_at))
    known = {name.casefold() for name in known_sources}
    leftover = _read_header([line for paragraph in paragraphs[:first] for line in paragraph], result, known)
    middle, trailer = paragraphs[first : last + 1], paragraphs[last + 1 :]
    if result.trusted:
        middle = [[line] for line in leftover] + middle
    body, contact = _split_contact(middle, trailer, result)
    body = _drop_foreign_lines(body, result)
    _take_lede(body, result)
    body = _take_captions(body, result, known)
    result.body = "\n\n".join(_join(paragraph) for paragraph in body if paragraph)
    result.contact = "\n".join(contact)
    return result


def is_long_headline(paragraphs):
    """A first paragraph of one line, long enough to read as prose, that ends no sentence and has text
    after it: a news headline (the header's rules only take short lines, and it would otherwise be lost)."""
    if len(paragraphs) < 2 or len(paragraphs[0]) != 1:
        return False
    line = paragraphs[0][0]
    return is_prose(line) and words(line) <= HEADLINE_MAX_WORDS and not STATEMENT_END.search(line)


def _without_prose(paragraphs, result):
    """A text with no paragraph of prose: keep every line as the body, having found the title and date."""
    lines = [line for paragraph in paragraphs for line in paragraph]
    if not result.title and lines:
        result.title = lines.pop(0)
    for line in list(lines):
        stated = find_date_in_line(line)
        if stated and result.date is None:
            result.date = stated
            lines.remove(line)
    result.body = "\n\n".join(lines)
    return result


def _read_header(lines, result, known_sources):
    """Title, date, author, section and source from the short lines before the first paragraph of prose."""
    pending_label, leftover = False, []
    for line in lines:
        bullet = BULLET.match(line)
        text = bullet.group("text").strip() if bullet else line
        stated = find_date_in_line(text)
        hashtag = HASHTAG_META.match(text)
        byline = BYLINE.match(text)
        if pending_label:
            pending_label = False
            result.removed.append(line)
        elif stated and result.date is None:
            result.date = stated
            dated_byline = BYLINE.match(text.replace(stated.text, "").strip(" |,·•-–—"))  # "By Jane Doe | 12 March"
            result.author = result.author or (dated_byline.group("name").strip() if dated_byline else "")
        elif text.casefold() in known_sources and not result.source_line:
            result.source_line = text
        elif hashtag:
            result.section = result.section or hashtag.group("section").strip()
            if hashtag.group("author") and NAME.match(hashtag.group("author").strip()):
                result.author = result.author or hashtag.group("author").strip()
        elif byline:
            result.author = result.author or byline.group("name").strip()
        elif PREPARED_BY.search(text):
            pending_label = True  # "Information prepared by / Media Relations": a label and its value
            result.removed.append(line)
        elif not result.title:
            result.title = text
        elif bullet and not result.author and words(text) <= 6:
            result.author = text
        elif not result.section and result.date and words(text) <= 4 and not re.search(r"\d", text):
            result.section = text
        elif result.trusted:
            leftover.append(line)
        else:
            result.removed.append(line)
    return leftover


def _split_contact(middle, trailer, result):
    """The body, and the press contact block that follows it; other trailing lines are furniture."""
    body = [list(paragraph) for paragraph in middle]
    contact = []
    for paragraph in trailer:
        if contact or CONTACT_START.match(paragraph[0]):
            contact.extend(paragraph)
        elif any(is_credit(line) for line in paragraph):
            body.append(list(paragraph))  # captions after the last paragraph still belong to the article
        elif result.trusted:
            body.append(list(paragraph))
        else:
            result.removed.extend(paragraph)
    if contact and PREPARED_BY.search(contact[0]) and len(contact) > 1 and NAME.match(contact[1]):
        result.author = result.author or contact[1]
    return body, contact


def _drop_foreign_lines(paragraphs, result):
    """A short line in another language inside the article is a banner or a teaser, not the text.

    Captions are exempt: a caption in the page's language describes the article's picture.
    """
    kept = []
    for index, paragraph in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else []
        is_caption = any(is_credit(line) for line in paragraph + following)
        line = paragraph[0]
        short = len(paragraph) == 1 and words(line) >= 3 and not is_prose(line)
        if short and not is_caption and differs_from(line, result.language):
            result.removed.append(line)
            continue
        kept.append(paragraph)
    return kept


def _take_captions(paragraphs, result, known_sources):
    """Move image captions and credits out of the body; a caption's short title line goes with it."""
    kept = []
    for paragraph in paragraphs:
        credit_at = next((i for i, line in enumerate(paragraph) if is_credit(line)), None)
        if credit_at is None:
            kept.append(_drop_source_lines(paragraph, result, known_sources))
            continue
        caption = paragraph[: credit_at + 1]
        if credit_at == 0 and kept and _is_caption_title(kept[-1]):
            caption = [f"{kept.pop()[0].rstrip('.')}. {caption[0]}"]
        result.captions.extend(caption)
        rest = _drop_source_lines(paragraph[credit_at + 1 :], result, known_sources)
        labels = [line for line in rest if words(line) <= 4 and not SENTENCE_END.search(line)]
        result.removed.extend(labels)  # a site label under a picture ("Yle News") is not the text
        kept.append([line for line in rest if line not in labels])
    return [paragraph for paragraph in kept if paragraph]


def _is_caption_title(paragraph):
    return len(paragraph) == 1 and words(paragraph[0]) <= 6 and not SENTENCE_END.search(paragraph[0])


def _drop_source_lines(lines, result, known_sources):
    kept = []
    for line in lines:
        if line.casefold() in known_sources:
            result.source_line = result.source_line or line
        else:
            kept.append(line)
    return kept


def _take_lede(paragraphs, result):
    """A standfirst: a short first paragraph set apart from the body by a picture."""
    if len(paragraphs) < 3 or result.lede:
        return
    first, second = paragraphs[0], paragraphs[1]
    if len(first) == 1 and words(first[0]) <= LEDE_MAX_WORDS and any(is_credit(line) for line in second):
        result.lede = paragraphs.pop(0)[0]


def _join(paragraph):
    if all(LIST_ITEM.match(line) for line in paragraph[1:]):
        return "\n".join(paragraph)
    return " ".join(paragraph)
