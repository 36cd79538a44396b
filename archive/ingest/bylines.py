"""Is a line a byline? A name ("Anna Kovalenko", "Марина ЛАВРОВА") or a credit line ("Office of the
Press Secretary", "Прес-служба Президента"), never a sentence or a salutation.

A line taken for the author is checked before it leaves the body, so an address that opens
"*Громадяни України.*" (Citizens of Ukraine.) or "Dear friends!" keeps that line as its text.
The rules are about form, in any language:
- short: at most MAX_WORDS words and MAX_LENGTH characters;
- no sentence or salutation punctuation: no "!" or "?", and no final ".", ",", ":" or ";"
  after a full word (an initial or an abbreviation may end in a dot: "John A.", "Jr.");
- names are capitalised: every word but the small joining words ("of", "von", "та") starts
  with a capital, unless a credit word says it is an office ("Press service of the President");
- it does not open with a form of address ("Dear", "Шановні", "Ladies and gentlemen").
"""

import re

MAX_WORDS = 10
MAX_LENGTH = 120
JOINING_WORDS = {
    "of", "the", "and", "for", "at", "in", "de", "da", "del", "la", "le", "van", "von", "der", "den", "zu", "af", "och",
    "för", "av", "ja", "und", "et", "și", "si", "din", "и", "та", "і", "й", "при", "по", "&", "/", "-", "–",
}  # fmt: skip
CREDIT_WORDS = re.compile(
    r"(?i)\b(press|office|service|staff|desk|editor\w*|correspondent|reporter|agency|bureau|department|ministry|"
    r"secretary|spokes\w*|communications?|newsroom|redaktion|toimitus|pressavdelning\w*|kansli\w*)\b|"
    r"(?i:пресс|прес|служб|редакц|корреспондент|кореспондент|міністерств|министерств|управлін|управлени)"
)
ADDRESS = re.compile(
    r"(?i)^(?:dear|ladies|gentlemen|friends|colleagues|fellow|hello|good (?:morning|evening|afternoon)|"
    r"шановн|дорог|уважаем|громадян|граждан|друзі|друзья|пані|kära|hyvät|arvoisa|stimat|dragi|dragă)"
)
FINAL_PUNCTUATION = re.compile(r"(\w+)\s*[.,:;]$")


def is_byline(line):
    """True when the line can be an author or credit line."""
    line = " ".join((line or "").split())
    words = line.split()
    if not words or len(words) > MAX_WORDS or len(line) > MAX_LENGTH:
        return False
    if "!" in line or "?" in line or ADDRESS.match(line) or not re.search(r"[^\W\d_]", line):
        return False
    final = FINAL_PUNCTUATION.search(line)
    if final and (not line.endswith(".") or len(final.group(1)) > 3):
        return False
    lowercase = [word for word in words if word[:1].isalpha() and word[:1].islower() and word not in JOINING_WORDS]
    return not lowercase or bool(CREDIT_WORDS.search(line))
