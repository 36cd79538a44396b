"""The cleaning rules' shortcuts answer as the patterns they spare."""

from hypothesis import given
from hypothesis import strategies as st

from archive.ingest.clean import CREDIT, LIST_ITEM, REPEATED_PHRASE, group_list_items, is_banner, is_credit, words

PHRASES = st.text(alphabet="ab :-*•", min_size=0, max_size=12)


@given(PHRASES, st.integers(min_value=0, max_value=4), st.text(alphabet="ab :", max_size=3), st.sampled_from(["", " "]))
def test_a_banner_is_found_exactly_where_the_repeated_phrase_pattern_matches(phrase, times, tail, gap):
    line = gap.join([phrase] * times) + tail
    assert is_banner(line) == bool(REPEATED_PHRASE.fullmatch(line.strip()))


@given(st.text(alphabet="Photo Credit: ab.)", max_size=60))
def test_a_credit_line_is_found_exactly_where_the_credit_pattern_matches(line):
    assert is_credit(line) == (words(line) <= 40 and bool(CREDIT.search(line)))


@given(st.lists(st.lists(st.sampled_from(["- item", "• point", "text", "* star"]), min_size=1, max_size=3)))
def test_list_items_are_grouped_as_each_paragraph_checked_against_the_group_before_it(paragraphs):
    expected = []
    for paragraph in paragraphs:
        both_lists = expected and all(LIST_ITEM.match(line) for line in paragraph + expected[-1])
        expected[-1:] = [expected[-1] + paragraph] if both_lists else [*expected[-1:], list(paragraph)]
    assert group_list_items(paragraphs) == expected


def test_a_phrase_three_times_over_is_a_banner_and_twice_is_not():
    assert is_banner("Breaking news  Breaking news Breaking news ")
    assert not is_banner("Breaking news Breaking news")
    assert not is_banner("Short Short Short")  # a phrase of fewer than 8 characters
