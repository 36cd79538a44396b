"""Markdown read by pulldown-cmark (pyromark) gives the paragraphs markdown-it-py gave."""

import pytest

from archive.ingest.markup import PulldownReader, markdown_it_paragraphs, markdown_paragraphs, plain_text

SAMPLES = [
    "Plain **bold** and *emphasis* with a [link](https://example.org/a_(b)) and `code`.",
    "- **CFPB**\n  [**used**](https://x.org/#:~:text=a%20b) **its** fund\n- second item\n  - nested item\n",
    "1. first\n1. second\n1. third\n\n3) three\n5) five\n",
    "- 07. an ordered list inside a bullet\n\n> quoted *text*\n> - quoted item\n",
    "# Heading\n\n## Second \\#\\# escaped\n\nText  \nafter a hard break and <br/> after a tag.",
    "Text <sup>1</sup> with <span class='x'>inline</span> tags <!-- and a comment -->.",
    "<figure><img src='a.jpg'><figcaption>A caption</figcaption></figure>\n\nAfter the figure.",
    "| Name | Role |\n|---|---|\n| Anna | Minister |\n| | empty cell |\n| a \\| pipe | x |\n",
    "![alt text *here*](image.png) kept words\n\n-\n\nAfter an empty item.",
    "```python\ncode = 1\n```\n\n    indented code\n\n---\n\n* * *\n\nLast.",
    "About ~50 people and ~100 more; ~~struck~~ out, and ~single~ tildes.",
    "Entities &amp; &copy; and a\nsoft break.\n\n- tight\n- list\n\n- loose\n\n- list\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_pulldown_reads_markdown_as_markdown_it_did(text):
    assert markdown_paragraphs(text) == markdown_it_paragraphs(text)


def test_list_items_keep_their_numbers_as_written():
    assert markdown_paragraphs("1. a\n1. b\n\n3) c\n5) d\n") == ["1. a", "1. b", "3. c", "5. d"]


def test_tables_headings_and_images_become_paragraphs_of_words():
    text = "# Title\n\n![a picture](p.png) Caption words\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert PulldownReader(text).paragraphs() == ["Title", "Caption words", "a | b", "1 | 2"]


def test_struck_out_text_is_left_to_markdown_it():
    text = "It was ~~not~~ so, about ~5 of them."
    assert markdown_paragraphs(text) == ["It was not so, about ~5 of them."]


def test_html_blocks_are_read_as_html():
    assert plain_text("<div>\n<p>One</p><p>Two</p>\n</div>\n\n**Three**") == "One\n\nTwo\n\nThree"
