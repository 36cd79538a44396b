"""The examples on /search/help/. Each one is run against the seed articles by the tests,
so the help page never shows an example that finds nothing."""

SYNTAX_EXAMPLES = [
    ("Words", "Stoltenberg", "Articles containing the word, in any form (stemmed: “sanction” finds “sanctions”)."),
    ("All words", "nato latvia", "Every word must appear (AND is the default; you may write it)."),
    ("Either word", "Lukashenko OR Haavisto", "At least one of the words."),
    ("Without a word", "nato -russia", "Leave out articles with a word; NOT russia works too."),
    ("Exact phrase", '"arms control"', "The words next to each other, in this order."),
    ("Near each other", '"baltic allies"~3', "The words within three words of each other, in any order."),
    ("Prefix", "sanction*", "Words starting with the letters (at least three before the *)."),
    ("Grouping", "(Stoltenberg OR Haavisto) AND Riga", "Brackets group parts of a query."),
    ("In the title", "title:dialogue", "Only the title is searched."),
    ("By author", "author:Mindrutescu", "Accents are optional: this finds “Mîndruțescu”."),
    ("Mentioning an actor", "actor:Lavrov", "Articles tagged with the actor; any alias works, in any script."),
    ("Actor in another script", "actor:НАТО", "The same actor as actor:NATO."),
    ("From a source", "source:yle-news", "By the source's name or short name (as in its page address)."),
    ("Kind of source", "kind:ministry", "ministry, international, news, analysis or other."),
    ("Language", "lang:en", "By ISO code or name: lang:ru, lang:russian."),
    ("Year", "year:2021", "Articles dated in that year."),
    ("Date range", "date:[2021-11 TO 2022-02]", "Partial dates cover their whole month or year; * leaves a side open."),
]
