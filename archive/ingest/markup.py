"""Record text that is Markdown or HTML, as the plain text the archive stores: paragraphs, no markup.

Record sets carry their source's markup: the White House's Markdown (`**`, escaped `\\#\\#\\#`,
links, inline `<sup>`), Swedish government pages' headings and lists, the HTML of a scraped
page. A parser reads it (pulldown-cmark through pyromark, or markdown-it-py, for Markdown with its
inline and block HTML; lxml for an HTML fragment), so emphasis, links, escapes and tags go and
their words stay; headings, list items, table rows and quotes become paragraphs (list items keep
a "- " bullet).

Both Markdown parsers follow CommonMark, with GitHub's tables; a White House record is read into
paragraphs from pulldown-cmark's events (Rust) in about 0.3 ms, from markdown-it-py's tokens (pure
Python) in 3, and the same (benchmarks/markdown_equality.py compares them over real records). markdown-it-py still
reads a text with struck-out words: pulldown-cmark strikes "~x~" out too, markdown-it only "~~x~~".

What a parser leaves as literal text because it does not pair (an unclosed `**`, a stray `*` at
a line's edge, a `***` separator glued to a sentence) is removed by one rule: asterisks at a
word's edge are markup, inside a word they are the text's own ("hevonp**kaa").

Plain text is left as it is: a text with no sign of markup is not parsed, since Markdown would
join the lines of a text that puts one paragraph per line.
"""

import itertools
import re
from functools import lru_cache

import lxml.html
import pyromark
from lxml import etree

HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
HTML_BLOCK_TAG = re.compile(r"<(p|div|br|li|ul|ol|h[1-6]|table|tr|td|blockquote|section|article)\b[^<>]*>", re.I)
MARKDOWN_SIGNS = re.compile(
    r"(?<![\w*])\*\*(?=\S)|(?<=\S)\*\*(?![\w*])|(?m:^[ \t]{0,3}#{1,6}[ \t])|\\[#*_\[\]()`>-]|\]\([^)\s]+\)|"
    r"(?m:^[ \t]{0,3}(?:\*\s*){3,}$)|(?<![\w*])__\S|(?<![\w*])\*(?=\S)[^*\n]+(?<=\S)\*(?![\w*])|"
    r"(?m:^[ \t]{0,3}[*+][ \t]+\S.*\n(?:[ \t]*\n)?[ \t]{0,3}[*+][ \t]+\S)"  # two "* item" lines: a list
)
STRAY_ASTERISKS = re.compile(
    r"(?<![\w*])\*+(?=[\w“\"«(])|(?<=[\w.!?:;,”\"»)])\*+(?![\w*])|(?<![\w*])\*{2,}|\*{2,}(?![\w*])"
)
LEADING_HASHES = re.compile(r"^#{1,6}(?:\s+|$)")
ONLY_RULE = re.compile(r"^[\s#*_=~\-–—]*$")
BLOCK_ELEMENTS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article",
                  "header", "footer", "ul", "ol", "table", "pre", "figure", "figcaption", "dd", "dt"}  # fmt: skip
DROPPED_ELEMENTS = ("script", "style", "img", "noscript", "iframe", "svg", "template")
# What must not be left in stored text (benchmarks/markup_scan.py counts these in an archive). An asterisk
# pair inside a word ("hevonp**kaa") and a hashtag ("#ArmUkraineNow") are the text's own.
LEFTOVER = {
    "**": re.compile(r"(?<![\w*])\*\*|\*\*(?![\w*])"),
    "# heading": re.compile(r"(?m)^[ \t]*#{1,6}(?:[ \t]|$)|(?<![\w#&])#{2,}(?![\w#])"),
    "\\# escape": re.compile(r"\\[#*_\[\]`]"),
    "<tag>": re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>"),
    "[link](url)": re.compile(r"\]\((?:https?:|/)[^)\s]*\)"),
}


def has_markup(text):
    return bool(MARKDOWN_SIGNS.search(text) or any(pattern.search(text) for pattern in LEFTOVER.values()))


def plain_text(text):
    """The text as paragraphs separated by a blank line, with its Markdown or HTML read and removed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not has_markup(text):
        return text
    # A tag broken over lines (<img⏎src=…>) is one tag, not lines of text.
    text = HTML_TAG.sub(lambda tag: " ".join(tag.group().split()) if "\n" in tag.group() else tag.group(), text)
    if HTML_BLOCK_TAG.search(text) and not MARKDOWN_SIGNS.search(text):
        paragraphs = html_paragraphs(text)
    else:
        if "\n\n" not in text.strip():
            text = text.replace("\n", "\n\n")  # one paragraph per line, as clean.paragraphs_of reads it
        paragraphs = markdown_paragraphs(text)
    return "\n\n".join(paragraph for paragraph in map(tidy, paragraphs) if paragraph)


def plain_line(text):
    """A title, byline or other single line: inline markup read and removed, one space between words."""
    text = (text or "").strip()
    if has_markup(text):
        text = LEADING_HASHES.sub("", text)
        text = " ".join(markdown_paragraphs(text.replace("\n", " ")))
    return " ".join(tidy(text).split())


def tidy(paragraph):
    """Markup the parser left as text: stray asterisks at words' edges, heading hashes, orphan link targets and
    tags, bare rules."""
    lines = []
    for line in paragraph.split("\n"):
        line = LEADING_HASHES.sub("", line.strip())
        line = STRAY_ASTERISKS.sub("", line) if "*" in line else line  # the lookbehinds cost at every position
        for leftover in ("<tag>", "[link](url)", "# heading", "\\# escape"):
            line = LEFTOVER[leftover].sub("", line) if LEFTOVER[leftover].search(line) else line
        if not ONLY_RULE.match(line):
            lines.append(re.sub(r"[ \t]{2,}|\t", " ", line).strip())
    return "\n".join(lines)


PULLDOWN_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
# A line that may start an ordered list item (after indentation, quote or bullet markers): its number is
# read from the source, as markdown-it gives it ("1. 1. 1." stays so), which only pyromark's ranges tell.
ORDERED_ITEM = re.compile(r"(?m)^[ \t>*+\-]*\d{1,9}[.)](?:[ \t]|$)")
ITEM_NUMBER = re.compile(rb"[\s>*+\-]*(\d{1,9})[.)]")
INLINE_CONTAINERS = {"Emphasis", "Strong", "Link", "Superscript", "Subscript"}


def markdown_paragraphs(text):
    """Paragraphs from Markdown: one per paragraph, heading, quote paragraph, table row or list item."""
    try:
        return PulldownReader(text).paragraphs()
    except StruckOut:
        return markdown_it_paragraphs(text)


class StruckOut(Exception):
    """pulldown-cmark found struck-out text, which it reads unlike markdown-it where the tildes are single."""


class PulldownReader:
    """markdown_it_paragraphs' reading, from pulldown-cmark's events instead of markdown-it's tokens.

    A "run" is the inline text of one markdown-it inline token: a paragraph, a heading, a table cell,
    or a tight list item's text, which pulldown-cmark gives with no paragraph around it."""

    def __init__(self, text):
        self.source = text.encode() if ORDERED_ITEM.search(text) else None
        self.found, self.lists, self.prefix = [], [], ""
        self.cells = self.run = self.block = None
        self.images = 0
        if self.source is None:
            self.events = zip(pyromark.events(text, options=PULLDOWN_OPTIONS), itertools.repeat(None))
        else:
            self.events = pyromark.events_with_range(text, options=PULLDOWN_OPTIONS)

    def paragraphs(self):
        for event, span in self.events:
            if isinstance(event, str):  # SoftBreak, HardBreak, Rule
                self.inline({"SoftBreak": " ", "HardBreak": "\n"}.get(event)) if event != "Rule" else self.end_run()
                continue
            ((kind, value),) = event.items()
            if kind == "Start":
                self.start(value if isinstance(value, str) else next(iter(value)), value, span)
            elif kind == "End":
                self.end(value if isinstance(value, str) else next(iter(value)))
            elif kind == "Html" or (kind == "Text" and self.block is not None):
                self.block.append(value)
            elif kind == "InlineHtml":
                self.inline("\n" if re.match(r"<br\b", value, re.I) else "")
            else:  # Text, Code
                self.inline(value)
        self.end_run()
        return [paragraph.strip() for paragraph in self.found if paragraph.strip()]

    def inline(self, text):
        if self.images:
            return  # markdown-it drops an image with its alt text
        if self.run is None:
            self.run = []
        self.run.append(text)

    def end_run(self):
        if self.run is None:
            return
        text, self.run = "".join(self.run), None
        if self.cells is not None:
            self.cells.append(text.strip())
        else:
            self.found.append(self.prefix + text)
            self.prefix = ""

    def start(self, name, value, span):
        if name == "Strikethrough":
            raise StruckOut
        if name in INLINE_CONTAINERS or name == "Image":
            self.inline("")
            self.images += name == "Image"
            return
        self.end_run()
        if name in ("Paragraph", "Heading", "TableCell"):
            self.run = []
        elif name == "List":
            self.lists.append(value["List"])
        elif name == "Item":
            self.prefix = "- " if self.lists[-1] is None else f"{self.item_number(span)}. "
        elif name in ("TableHead", "TableRow"):
            self.cells = []
        elif name in ("CodeBlock", "HtmlBlock"):
            self.block = []

    def end(self, name):
        if name in INLINE_CONTAINERS or name == "Image":
            self.images -= name == "Image"
            return
        self.end_run()
        if name == "List":
            self.lists.pop()
        elif name in ("TableHead", "TableRow"):
            self.found.append(" | ".join(cell for cell in self.cells if cell))
            self.cells = None
        elif name == "CodeBlock":
            self.found.append("".join(self.block))
            self.block = None
        elif name == "HtmlBlock":
            self.found.extend(html_paragraphs("".join(self.block)))
            self.block = None

    def item_number(self, span):
        """The item's number as its source writes it (markdown-it's token.info)."""
        if self.source is not None:
            found = ITEM_NUMBER.match(self.source, span["start"])
            if found:
                return found.group(1).decode()
        self.lists[-1] += 1
        return str(self.lists[-1] - 1)


@lru_cache(maxsize=1)
def markdown_parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_it_paragraphs(text):
    """markdown_paragraphs by markdown-it-py's tokens."""
    paragraphs, lists, prefix, cells = [], [], "", None
    for token in markdown_parser().parse(text):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(kind)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            prefix = f"{token.info}. " if lists[-1] == "ordered_list_open" else "- "
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close":
            paragraphs.append(" | ".join(cell for cell in cells if cell))
            cells = None
        elif kind == "inline" and cells is not None:
            cells.append(inline_text(token.children or []).strip())
        elif kind == "inline":
            paragraphs.append(prefix + inline_text(token.children or []))
            prefix = ""
        elif kind in ("fence", "code_block"):
            paragraphs.append(token.content)
        elif kind == "html_block":
            paragraphs.extend(html_paragraphs(token.content))
    return [paragraph.strip() for paragraph in paragraphs if paragraph.strip()]


def inline_text(children):
    """An inline token's words: emphasis, links and inline tags dropped, a <br> as a line break."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak" or (child.type == "html_inline" and re.match(r"<br\b", child.content, re.I)):
            parts.append("\n")
    return "".join(parts)


def html_paragraphs(fragment):
    """Paragraphs from an HTML fragment: a block element or a <br> ends a line, tags are dropped."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [HTML_TAG.sub("", fragment)]
    for element in root.iter(*DROPPED_ELEMENTS):
        element.drop_tree() if element.getparent() is not None else None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in BLOCK_ELEMENTS:
            element.tail = "\n\n" + (element.tail or "")
            element.text = {"li": "\n\n- ", "tr": "\n\n"}.get(element.tag, "") + (element.text or "")
    text = root.text_content()
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]
