"""Dates as texts state them: a standalone date line, HTML meta, a record's date field.

Only a line that is a date (with perhaps a time, a bullet or a label) counts; a date
inside a sentence ("Today, on December 8") does not, because it is not the page's date.
Nothing here guesses: a text without a date line stays undated.
"""

import datetime
import re
from dataclasses import dataclass

from archive.models import DatePrecision

# Month names by the stems the archive's languages inflect them from (genitive, partitive, case endings).
MONTH_STEMS = {
    1: ["jan", "tammik", "январ", "янв", "січ", "janv", "ianuarie", "stycz", "janvār", "sausio", "jaanuar"],
    2: ["feb", "helmik", "феврал", "лют", "févr", "fevr", "februarie", "lut", "februār", "vasario", "veebruar"],
    3: ["mar", "mär", "maalisk", "март", "берез", "mars", "martie", "marz", "mart", "kovo", "märts"],
    4: ["apr", "huhtik", "апрел", "квіт", "avr", "aprilie", "kwie", "balandž", "aprill"],
    5: ["may", "mai", "toukok", "мая", "май", "трав", "maj", "gegužės", "gegužė"],
    6: ["jun", "kesäk", "июн", "черв", "juin", "iunie", "czerw", "jūn", "birželio", "juuni"],
    7: ["jul", "heinäk", "июл", "лип", "juil", "iulie", "lip", "jūl", "liepos", "juuli"],
    8: ["aug", "elok", "август", "серп", "août", "aout", "august", "sierp", "rugpjūčio", "augusti"],
    9: ["sep", "syysk", "сентябр", "верес", "sept", "septembrie", "wrze", "rugsėjo"],
    10: ["oct", "okt", "lokak", "октябр", "жовт", "octombrie", "paźdz", "pazdz", "spalio"],
    11: ["nov", "marrask", "ноябр", "листоп", "noiembrie", "listop", "lapkričio"],
    12: ["dec", "dez", "joulukuu", "декабр", "груд", "déc", "decembrie", "grud", "gruodžio", "detsemb"],
}
_STEM_TO_MONTH = sorted(
    ((stem, month) for month, stems in MONTH_STEMS.items() for stem in stems), key=lambda s: -len(s[0])
)

TIME = r"(?:\s*(?:-|–|,|kl\.?|at|klo)?\s*(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d))?"
WORD = r"(?P<month_name>[^\W\d_]{3,15})\.?"
DATE_FORMS = [
    ("iso", rf"(?P<year>(?:19|20)\d\d)-(?P<month>0?[1-9]|1[0-2])-(?P<day>0?[1-9]|[12]\d|3[01])(?:T|\s+)?{TIME}"),
    ("slash", rf"(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<year>(?:19|20)\d\d){TIME}"),
    ("dots", rf"(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.(?P<year>(?:19|20)\d\d){TIME}"),
    (
        "day_month",
        rf"(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+{WORD}\s+(?P<year>(?:19|20)\d\d)(?:\s*(?:г\.|р\.|m\.|a\.))?{TIME}",
    ),
    ("month_day", rf"{WORD}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d){TIME}"),
    ("latvian", rf"(?P<year>(?:19|20)\d\d)\.\s*gada\s+(?P<day>\d{{1,2}})\.\s*{WORD}{TIME}"),
    ("iso_month", r"(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])"),
    ("month_year", rf"{WORD}\s+(?P<year>(?:19|20)\d\d)"),
]
# A date line may carry a bullet, a label ("Published:", "Stand:", "Опубликовано") and a weekday, but nothing else.
DATE_LABEL = (
    r"(?:published|posted|updated|last updated|first published|date|released|issued|veröffentlicht|erschienen"
    r"|aktualisiert|zuletzt aktualisiert|stand|datum|julkaistu|päivitetty|publicerad|publicerat|uppdaterad"
    r"|uppdaterat|opublikowano|data publikacji|aktualizacja|publicēts|atjaunots|paskelbta|atnaujinta|avaldatud"
    r"|uuendatud|publié|mis à jour|publicado|pubblicato|опубликовано|обновлено|дата публикации|дата"
    r"|опубліковано|оновлено|data)"
)
LABEL_LINK = r"(?:\s+(?:on|am|le|el|il|den|at|в|o))?"
LINE_PREFIX = rf"^[\s•·*|\-–]*(?:{DATE_LABEL}{LABEL_LINK}\s*:?\s*)?"
LINE_PREFIX += r"(?:[^\W\d_]{2,12}\.?,?\s+)?"  # weekday
LINE_SUFFIX = r"(?:\s*(?:uhr|h|klo|ч\.?|год\.?))?"
DATE_LINES = [
    (name, re.compile(LINE_PREFIX + pattern + LINE_SUFFIX + r"[\s•·|]*$", re.IGNORECASE))
    for name, pattern in DATE_FORMS
]
# Inside a short line (a byline, "Von Anna Muster, 3. März 2022") only full dates count, never "March 2022".
DATES_IN_LINE = [
    (name, re.compile(r"(?<![\w.:/-])" + pattern + r"(?![\w:/-]|\.\d)", re.IGNORECASE))
    for name, pattern in DATE_FORMS
    if name not in ("iso_month", "month_year")
]
MAX_DATED_LINE = 160
MAX_WORDS_BESIDE_DATE = 10
MAX_DATE_LINE = 80


@dataclass
class StatedDate:
    date: datetime.date
    precision: str
    time: datetime.time | None
    text: str
    how: str = ""  # which rule found it, for the date note


def month_from_name(name):
    folded = name.casefold()
    for stem, month in _STEM_TO_MONTH:
        if folded.startswith(stem):
            return month
    return None


def parse_date_line(line):
    """The date a line states, if the line is a date and nothing more; otherwise None."""
    text = line.strip()
    if not text or len(text) > MAX_DATE_LINE or not re.search(r"\d", text):
        return None
    for form, pattern in DATE_LINES:
        match = pattern.match(text)
        if match:
            stated = _from_match(form, match.groupdict(), text.strip(" •·*|-–"))
            if stated is not None:
                return stated
    return None


def find_date_in_line(line):
    """The date a short line states: the whole line (parse_date_line), or one full date beside a few words.

    A byline or dateline ("By Anna Muster | 3. März 2022, 14:05 Uhr") has few words besides its
    date; a sentence that mentions a date has many, and its date is not the page's.
    """
    stated = parse_date_line(line)
    text = " ".join(line.split())
    if stated or len(text) > MAX_DATED_LINE or not re.search(r"\d", text):
        return stated
    for form, pattern in DATES_IN_LINE:
        for match in pattern.finditer(text):
            beside = text[: match.start()] + " " + text[match.end() :]
            if len(re.findall(r"[^\W\d_]{2,}", beside)) > MAX_WORDS_BESIDE_DATE:
                return None
            stated = _from_match(form, match.groupdict(), match.group().strip())
            if stated is not None:
                return stated
    return None


def _from_match(form, parts, text):
    year = int(parts["year"])
    precision = DatePrecision.DAY
    if form == "slash":
        # 11/28/2018: a first number over 12 can only be a day; otherwise the US order, as such sites write it.
        first, second = int(parts["a"]), int(parts["b"])
        month, day = (second, first) if first > 12 else (first, second)
    elif parts.get("month_name"):
        month = month_from_name(parts["month_name"])
        day = int(parts["day"]) if parts.get("day") else 1
        precision = DatePrecision.DAY if parts.get("day") else DatePrecision.MONTH
    else:
        month = int(parts["month"])
        day = int(parts["day"]) if parts.get("day") else 1
        precision = DatePrecision.DAY if parts.get("day") else DatePrecision.MONTH
    if month is None:
        return None
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return None
    time = None
    if parts.get("hour") and precision == DatePrecision.DAY:
        time = datetime.time(int(parts["hour"]), int(parts["minute"]))
    return StatedDate(date, precision, time, text)


def parse_record_date(value, precision=None):
    """A record's ISO date field (2021-12-01, 2021-12, 2021, or a full timestamp) at the precision it has."""
    text = str(value or "").strip()
    if not text:
        return None
    match = re.match(r"^((?:1[89]|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?(?:[T ](\d\d):(\d\d))?", text)
    if not match:
        return parse_date_line(text)
    year, month, day, hour, minute = match.groups()
    found = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    if precision in (DatePrecision.MONTH, DatePrecision.YEAR) and found == DatePrecision.DAY:
        found = precision  # the record says it is known only that well
    try:
        date = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    if found == DatePrecision.MONTH:
        date = date.replace(day=1)
    elif found == DatePrecision.YEAR:
        date = date.replace(month=1, day=1)
    time = datetime.time(int(hour), int(minute)) if hour and found == DatePrecision.DAY else None
    return StatedDate(date, found, time, text)
