"""A new source's kind from its domain and name, by rules an editor can predict (and correct in the admin).

Domain rules come first, as a domain is registered under rules of its own:
- government: a `gov`/`gouv`/`gv`/`mil`/`govt` label (whitehouse.gov, mod.gov.lv, gov.uk, defense.gouv.fr);
- international: `.int` (nato.int, coe.int), the EU's `europa.eu`, the UN system's `un.org`;
then name and domain words, in the archive's languages:
- government: ministry, government, president, chancellery, parliament, armed forces, embassy
  ("Министерство", "Regeringen", "Valtioneuvosto", "Kremlin", "Bundesregierung");
- international: organisation/organization, united nations, union, alliance, council of …, commission;
- analysis: institute, centre/center for, think tank, foundation, studies, research, policy;
- news: news, press, times, post, gazette, radio, TV, broadcasting, media, daily, agency.
Nothing matched: Other.
"""

import re

from archive.models import Source

Kind = Source.Kind

GOVERNMENT_DOMAIN = re.compile(r"(?:^|\.)(?:gov|gouv|gob|gv|govt|mil|valitsus|regeringen|government)(?:\.|$)")
INTERNATIONAL_DOMAIN = re.compile(r"(?:\.int|(?:^|\.)europa\.eu|(?:^|\.)un\.org)$")
# Word stems, matched at the start of a word of the name or of a domain label.
WORDS = (
    (
        Kind.INTERNATIONAL,
        r"organi[sz]ation|united\s?nations|nato\b|osce\b|оон\b|нато\b|european\s?(?:union|commission"
        r"|council|parliament|external|defence\s?agency)|council\s+of\s+europe|international\s+atomic"
        r"|eeas\b|intergovernmental|secretariat|объединённых\s+наций|організаці",
    ),
    (
        Kind.MINISTRY,
        r"minist|министерств|міністерств|govern|regier|regering|valtioneuvost|правительств|уряд"
        r"|kremlin|кремл|white\s?house|president|presidentti|prezident|prezydent|президент|chancell"
        r"|kanzler|kanslia|канцеляр|parliament|bundestag|riksdag|eduskunt|saeim|seimas|riigikogu|sejm"
        r"|дума|верховн|armed\s?forces|bundeswehr|defen[cs]e\s?forces|embass|botschaft|посольств"
        r"|department\s+of|state\s?department|cabinet|prime\s?minist|ministère|valsts\s?kancel"
        r"|aizsardz|puolustusvoim|försvarsmakt|defmin|mod\b|mfa\b|officials\b|amt\b|bundesamt|suurlähetyst|vēstniecīb"
        r"|ambasad|ambassad",
    ),
    (
        Kind.ANALYSIS,
        r"institut|centre\s+for|center\s+for|think\s?tank|foundation|stiftung|studies|research"
        r"|polic(?:y|ies)\b|council\s+on|academy|rand\b|chatham|brookings|carnegie",
    ),
    (
        Kind.NEWS,
        r"news|nachrichten|новост|новин|uutiset|nyheter|ziņas|naujienos|uudised|press|presse|пресс|times"
        r"|post\b|gazet|газет|herald|tribune|journal|zeitung|dagblad|tidning|lehti|tidende|daily|radio|радио|tv\b|телеви"
        r"|broadcast|rundfunk|media|медиа|vedomost|ведомост|izvesti|извести|pravda|правд|vesti\b|вести\b|news\s?agency|агентств|telegraf|courier|kurier|observer|guardian"
        r"|reuters|tass\b|тасс|interfax|интерфакс|укрінформ|ukrinform|yle\b|err\b|lsm\b|lrt\b|bbc|dw\b",
    ),
)
# Germanic and Finnish names join these into one word: "Bundesministerium", "Försvarsdepartementet", "ulkoministeriö".
IN_COMPOUNDS = (
    (Kind.MINISTRY, re.compile(r"minist|departement|regierung|kanzleramt|puolustusvoim|försvarsmakt", re.IGNORECASE)),
    (Kind.NEWS, re.compile(r"lehti|sanomat|zeitung|blatt|blad|tidning|nachrichten|uutiset|nyheter", re.IGNORECASE)),
)
# In a name a word must start where the stem does; a domain label runs words together ("bundesregierung").
NAME_PATTERNS = [(kind, re.compile(rf"(?<![^\W_])(?:{words})", re.IGNORECASE)) for kind, words in WORDS]
LABEL_PATTERNS = [(kind, re.compile(words, re.IGNORECASE)) for kind, words in WORDS]


def infer_kind(name, domain=""):
    """The kind a new source most likely is; Kind.OTHER when no rule says."""
    domain = (domain or "").casefold().removeprefix("www.")
    if GOVERNMENT_DOMAIN.search(domain):
        return Kind.MINISTRY
    if INTERNATIONAL_DOMAIN.search(domain):
        return Kind.INTERNATIONAL
    labels = " ".join(domain.split(".")[:-1])  # "kremlin.ru" → "kremlin": words, without the top-level domain
    for kind, pattern in IN_COMPOUNDS:
        if pattern.search(name or ""):
            return kind
    for text, patterns in ((name or "", NAME_PATTERNS), (labels, LABEL_PATTERNS)):
        for kind, pattern in patterns:
            if pattern.search(text):
                return kind
    return Kind.OTHER
