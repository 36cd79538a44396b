"""The archive's query language, parsed into a small engine-neutral tree.

    nato russia              both words (AND is the default)
    nato OR otan             either word;  NOT / -word exclude
    "exact phrase"           a phrase;  "baltic security"~5 within five words
    sanction*                a prefix (at least three letters)
    title:riga  author:…  source:…  actor:…  lang:…  year:2021  kind:ministry
    date:[2021-11 TO 2022-02]   (partial dates widen to their whole period)
    (nato OR eu) AND russia  brackets group

A malformed query raises QuerySyntaxError with a message a person can act on; callers
fall back to searching its plain words. Limits keep every query cheap.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 40
MAX_PHRASE_WORDS = 12
MIN_PREFIX_LENGTH = 3
MAX_SLOP = 50

TEXT_FIELDS = {"title", "author"}
FILTER_FIELDS = {"source", "actor", "lang", "year", "kind", "date"}
FIELD_ALIASES = {"language": "lang", "by": "author", "sourcekind": "kind"}
KNOWN_FIELDS = TEXT_FIELDS | FILTER_FIELDS


class QuerySyntaxError(ValueError):
    """A query the parser cannot read; the message says what is wrong and where."""


class QueryTooBroad(QuerySyntaxError):
    """A query over the archive's limits."""


# --- the tree ---------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    word: str
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    prefix: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    words: tuple
    slop: int = 0
    field: str | None = None


@dataclass(frozen=True)
class Filter:
    """A structured restriction: source, actor, lang, year or kind equals `value`."""

    field: str
    value: str


@dataclass(frozen=True)
class DateRange:
    start: datetime.date | None
    end: datetime.date | None


@dataclass(frozen=True)
class Localised:
    """A Term or Phrase of one language, added by an "all languages" expansion
    (archive/search/concepts.py): engines analyse its words with that language alone."""

    child: object
    language: str


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Concept(Or):
    """A registry concept's terms (`children`: Localised nodes), added by an "all languages"
    expansion (archive/search/concepts.py). It is an Or of its terms to everything that reads
    the tree; an engine whose index tags documents with concepts may find it by the tag
    instead (one posting list), while its tags are current for the concept's `digest`."""

    slug: str = ""
    digest: str = ""
    field: str | None = None


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass
class ParsedQuery:
    tree: object
    notices: list = field(default_factory=list)

    @property
    def is_empty(self):
        return isinstance(self.tree, MatchAll)


def combined(kind, children):
    """And/Or of the children that look for something: `!` or `-` alone hold no word (None)."""
    children = [child for child in children if child is not None]
    if not children:
        return None
    return children[0] if len(children) == 1 else kind(tuple(children))


def text_words(tree):
    """Every word and phrase word the query looks for in text (for highlighting and suggestions)."""
    if isinstance(tree, Term):
        return [tree.word]
    if isinstance(tree, Phrase):
        return list(tree.words)
    if isinstance(tree, Prefix):
        return [tree.prefix + "*"]
    if isinstance(tree, Localised):
        return text_words(tree.child)
    if isinstance(tree, (And, Or)):
        return [word for child in tree.children for word in text_words(child)]
    return []


# --- input ------------------------------------------------------------------

# Control characters, lone surrogates and the two non-characters: nothing a person means to
# search for, and XML (feeds), some databases and Whoosh's analysers refuse them.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text):
    """`text` with every control character (tabs and newlines too) turned into a space."""
    return UNPRINTABLE.sub(" ", text or "")


# --- dates ------------------------------------------------------------------

PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(text, *, end=False):
    """2021 → 1 Jan 2021 (or 31 Dec with end=True); 2021-12 → its first or last day; 2021-12-01 → that day."""
    match = PARTIAL_DATE.match(text.strip())
    if not match:
        raise QuerySyntaxError(f"“{text}” is not a date: write 2021, 2021-12 or 2021-12-01.")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return datetime.date(year, 12, 31) if end else datetime.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return datetime.date(year, month, last if end else 1)
        return datetime.date(year, month, day)
    except ValueError:
        raise QuerySyntaxError(f"“{text}” is not a real date.") from None


# --- tokens -----------------------------------------------------------------

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<phrase>"(?P<phrase_text>[^"]*)"(?:~(?P<slop>\d+))?)
  | (?P<open_quote>")
  | (?P<range>\[(?P<range_text>[^\]]*)\])
  | (?P<open_range>\[)
  | (?P<close_range>\])
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<field>(?P<field_name>[A-Za-z_]+):)
  | (?P<minus>-(?=\S))
  | (?P<plus>\+(?=\S))
  | (?P<word>[^\s()"\[\]]+)
    """,
    re.VERBOSE,
)


TOKEN_KINDS = (
    "space", "phrase", "open_quote", "range", "open_range", "close_range",
    "lparen", "rparen", "field", "minus", "plus", "word",
)  # fmt: skip
RANGE_SYNTAX = "a date range reads date:[2021-11 TO 2022-02]"


@dataclass
class Token:
    kind: str
    text: str
    position: int
    groups: dict


def tokenize_query(text):
    tokens = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        kind = next(name for name in TOKEN_KINDS if match.group(name) is not None)
        if kind == "open_quote":
            raise QuerySyntaxError(f"The quotation mark at position {position + 1} is never closed.")
        if kind == "open_range":
            raise QuerySyntaxError(f"The square bracket at position {position + 1} is never closed: {RANGE_SYNTAX}.")
        if kind == "close_range":
            raise QuerySyntaxError(f"The square bracket at position {position + 1} has no opening bracket.")
        if kind != "space":
            tokens.append(Token(kind, match.group(kind), position, match.groupdict()))
        position = match.end()
    return tokens


# --- parser -----------------------------------------------------------------

WORD_CHARS = re.compile(r"\w+", re.UNICODE)


class Parser:
    def __init__(self, text):
        self.tokens = tokenize_query(text)
        self.index = 0
        self.term_count = 0
        self.notices = []

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.index += 1
        return token

    def is_operator(self, token, name):
        return token is not None and token.kind == "word" and token.text == name

    def parse(self):
        if not self.tokens:
            return MatchAll()
        tree = self.parse_or()
        token = self.peek()
        if token is not None:
            if token.kind == "rparen":
                raise QuerySyntaxError(f"The closing bracket at position {token.position + 1} has no opening bracket.")
            raise QuerySyntaxError(f"Unexpected “{token.text}” at position {token.position + 1}.")
        if tree is None:
            self.notices.append("The query holds no words to look for; showing every article.")
            return MatchAll()
        return tree

    def parse_or(self):
        children = [self.parse_and()]
        while self.is_operator(self.peek(), "OR"):
            self.take()
            children.append(self.parse_and())
        return combined(Or, children)

    def parse_and(self):
        children = [self.parse_unary()]
        while True:
            token = self.peek()
            if token is None or token.kind == "rparen" or self.is_operator(token, "OR"):
                break
            if self.is_operator(token, "AND"):
                self.take()
            children.append(self.parse_unary())
        return combined(And, children)

    def parse_unary(self):
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("The query ends where a word was expected.")
        if self.is_operator(token, "NOT") or token.kind == "minus":
            self.take()
            child = self.parse_unary()
            return None if child is None else Not(child)
        if token.kind == "plus":
            self.take()
        return self.parse_primary(field_name=None)

    def parse_primary(self, field_name):
        token = self.take()
        if token is None:
            raise QuerySyntaxError("The query ends where a word was expected.")
        if token.kind == "lparen":
            inner = self.parse_or()
            closing = self.take()
            if closing is None or closing.kind != "rparen":
                raise QuerySyntaxError(f"The bracket opened at position {token.position + 1} is never closed.")
            return inner if field_name is None else self.apply_field(inner, field_name)
        if token.kind == "rparen":
            raise QuerySyntaxError(f"The closing bracket at position {token.position + 1} has no opening bracket.")
        if token.kind == "field":
            return self.parse_field(token)
        if token.kind == "range":
            raise QuerySyntaxError("A date range goes after date:, as in date:[2021-11 TO 2022-02].")
        if token.kind == "phrase":
            return self.make_phrase(token, field_name)
        if token.kind in {"minus", "plus"}:
            return self.parse_primary(field_name)
        return self.make_word(token.text, field_name)

    def parse_field(self, token):
        name = token.groups["field_name"].lower()
        name = FIELD_ALIASES.get(name, name)
        if name not in KNOWN_FIELDS:
            self.notices.append(
                f"There is no field “{token.groups['field_name']}”; searched for the words instead. "
                f"Fields: {', '.join(sorted(KNOWN_FIELDS))}."
            )
            name_as_word = self.make_word(token.groups["field_name"], None)
            return name_as_word if self.peek() is None else combined(And, [name_as_word, self.parse_primary(None)])
        value = self.peek()
        if value is None or value.kind in {"rparen"}:
            raise QuerySyntaxError(f"“{name}:” needs a value after it.")
        if name == "date":
            return self.parse_date_value(self.take())
        if name in FILTER_FIELDS:
            return self.parse_filter_value(name)
        return self.parse_primary(field_name=name)

    def parse_filter_value(self, name):
        token = self.take()
        if token.kind == "lparen":
            values = []
            while (inner := self.take()) is not None and inner.kind != "rparen":
                if not self.is_operator(inner, "OR"):
                    values.append(self.filter_text(inner))
            if inner is None:
                raise QuerySyntaxError(f"The bracket after “{name}:” is never closed.")
            return Or(tuple(Filter(name, value) for value in values)) if len(values) > 1 else Filter(name, values[0])
        return Filter(name, self.filter_text(token))

    def filter_text(self, token):
        text = token.groups.get("phrase_text") if token.kind == "phrase" else token.text
        if token.kind not in {"word", "phrase"} or not text.strip():
            raise QuerySyntaxError(f"“{token.text}” is not a value a field can take.")
        self.count_term()
        return text.strip()

    def parse_date_value(self, token):
        if token.kind == "range":
            parts = re.split(r"\s+TO\s+", token.groups["range_text"].strip())
            if len(parts) != 2:
                raise QuerySyntaxError("A date range reads date:[2021-11 TO 2022-02].")
            start = None if parts[0] in {"*", ""} else parse_partial_date(parts[0])
            end = None if parts[1] in {"*", ""} else parse_partial_date(parts[1], end=True)
            if start and end and start > end:
                raise QuerySyntaxError("The date range ends before it starts.")
            return DateRange(start, end)
        if token.kind == "word":
            return DateRange(parse_partial_date(token.text), parse_partial_date(token.text, end=True))
        raise QuerySyntaxError("date: takes a date (2021-12) or a range (date:[2021-11 TO 2022-02]).")

    def apply_field(self, tree, field_name):
        if isinstance(tree, Term):
            return Term(tree.word, field_name)
        if isinstance(tree, Prefix):
            return Prefix(tree.prefix, field_name)
        if isinstance(tree, Phrase):
            return Phrase(tree.words, tree.slop, field_name)
        if isinstance(tree, (And, Or)):
            return type(tree)(tuple(self.apply_field(child, field_name) for child in tree.children))
        if isinstance(tree, Not):
            return Not(self.apply_field(tree.child, field_name))
        return tree

    def count_term(self, weight=1):
        self.term_count += weight
        if self.term_count > MAX_TERMS:
            raise QueryTooBroad(f"Too broad: a query may hold at most {MAX_TERMS} words. Narrow it down.")

    def make_phrase(self, token, field_name):
        words = tuple(WORD_CHARS.findall(token.groups["phrase_text"]))
        if not words:
            raise QuerySyntaxError(f"The phrase at position {token.position + 1} holds no words.")
        if len(words) > MAX_PHRASE_WORDS:
            raise QueryTooBroad(f"Too broad: a phrase may hold at most {MAX_PHRASE_WORDS} words.")
        self.count_term(len(words))
        slop = int(token.groups["slop"] or 0)
        if slop > MAX_SLOP:
            raise QueryTooBroad(f"Too broad: words can be at most {MAX_SLOP} apart (~{MAX_SLOP}).")
        if len(words) == 1:
            return Term(words[0], field_name)
        return Phrase(words, slop, field_name)

    def make_word(self, text, field_name):
        if text.endswith("*"):
            stem = text.rstrip("*")
            if "*" in stem or "?" in stem:
                raise QuerySyntaxError("A wildcard may only end a word, as in sanction*.")
            letters = "".join(WORD_CHARS.findall(stem))
            if len(letters) < MIN_PREFIX_LENGTH:
                raise QueryTooBroad(f"Too broad: “{text}” — give at least {MIN_PREFIX_LENGTH} letters before the *.")
            self.count_term()
            return Prefix(letters, field_name)
        words = WORD_CHARS.findall(text)
        if not words:
            return None
        self.count_term(len(words))
        if len(words) == 1:
            return Term(words[0], field_name)
        # "NATO-Russia" or "U.S." is one token to the user but several words to the index.
        return Phrase(tuple(words), 0, field_name)


def parse_query(text):
    """Parse `text`; raises QuerySyntaxError (or QueryTooBroad) with a readable message."""
    text = printable(text).strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooBroad(f"Too broad: the query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}.")
    parser = Parser(text)
    tree = parser.parse()
    if not isinstance(tree, MatchAll) and only_negative(tree):
        raise QuerySyntaxError("A query needs at least one thing to look for, not only words to exclude.")
    return ParsedQuery(tree, parser.notices)


def only_negative(tree):
    if isinstance(tree, Not):
        return True
    if isinstance(tree, And):
        return all(only_negative(child) for child in tree.children)
    return False


def parse_leniently(text):
    """Parse `text`; if it is malformed, search its plain words and say why.

    A query over the limits is not softened: it raises QueryTooBroad.
    """
    try:
        return parse_query(text)
    except QueryTooBroad:
        raise
    except QuerySyntaxError as error:
        words = plain_words(text)[:MAX_TERMS]
        fallback = parse_query(" ".join(words)) if words else ParsedQuery(MatchAll())
        fallback.notices.insert(0, f"{error} Searched for the words instead.")
        return fallback


DATE_CLAUSE = re.compile(r"\bdate:\[?[^\s\]]*(?:\s+TO(?:\s+[^\s\]]*)?)?\]?", re.IGNORECASE)
FIELD_PREFIX = re.compile(r"\b([A-Za-z_]+):")
OPERATOR_WORDS = {"AND", "OR", "NOT", "TO"}


def plain_words(text):
    """The words of a malformed query a person wants found: not its operators, not the names
    of its fields, not its dates (`nato date:[2022 TO` looks for nato, not for "date" or "2022")."""
    text = DATE_CLAUSE.sub(" ", printable(text))
    text = FIELD_PREFIX.sub(lambda match: " " if is_field_name(match[1]) else match[0], text)
    return [word for word in WORD_CHARS.findall(text) if word not in OPERATOR_WORDS]


def is_field_name(name):
    name = name.lower()
    return FIELD_ALIASES.get(name, name) in KNOWN_FIELDS
