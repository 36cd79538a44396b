"""Bytes to text as a browser reads them, so a page in a legacy encoding is read, not refused.

The order is the browser's (WHATWG "encoding sniffing"): a byte-order mark, then the charset
the transport declares (a WARC record's HTTP Content-Type), then the page's own
<meta charset> / http-equiv / XML declaration, then UTF-8, then charset-normalizer's guess
as the last resort. Each candidate must decode every byte; the first that does wins.
Two departures from a browser, both because a browser would show mojibake:
- bytes that are valid UTF-8 (with some non-ASCII) are UTF-8 even under a single-byte label;
- a Western label (windows-1252, Latin-1) whose text reads as mojibake ("Ðîññèÿ") yields to the
  detector's guess.
A text is refused only when nothing decodes it (or it is binary), and the refusal names
every encoding tried.
"""

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# WHATWG decodes these labels as windows-1252, a superset of Latin-1 that pages labelled Latin-1 really use.
WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp819", "ibm819"}
SNIFF_BYTES = 8192  # the declaration is in the head; browsers look at 1024 bytes, pages put it later
META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# The default labels of editors and servers; a page in another script mislabelled with one of them reads as mojibake.
WESTERN = {"cp1252", "iso8859-1", "latin-1", "iso8859-15"}
MOJIBAKE_RATIO = 0.2
# The WHATWG Encoding Standard's encodings by Python's names (what a page can be in; the Mac ones left out, as
# the detector takes Finnish for Mac Roman), in the order of their use on the web, which breaks ties.
WEB_ENCODINGS = ["utf_8", "cp1252", "cp1251", "cp1250", "iso8859_15", "iso8859_2", "cp1257", "koi8_r", "koi8_u",
                 "cp1253", "cp1254", "cp1255", "cp1256", "cp1258", "cp874", "cp866", "iso8859_3", "iso8859_4",
                 "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10", "iso8859_13", "iso8859_14",
                 "iso8859_16", "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "euc_kr", "utf_16_be",
                 "utf_16_le"]  # fmt: skip
TIE = 0.01
MAX_STRAY_SHARE = 0.001
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)  # charset-normalizer's "mess" of a text read in the wrong single-byte encoding
MARKUP = re.compile(rb"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>|&#?\w+;", re.IGNORECASE | re.DOTALL)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
MAX_CONTROL_SHARE = 0.01  # text has almost none; binary data read as text is full of them


class UndecodableText(ValueError):
    """No encoding reads the bytes as text; the message names those tried."""


@dataclass
class Decoded:
    text: str
    encoding: str  # Python's name for it
    how: str  # where the encoding came from: "byte-order mark", "HTTP header", "<meta charset>", …

    @property
    def guessed(self):
        return self.how == "charset detection"


def codec_name(label):
    """Python's codec for an encoding label, or None for a label no codec knows."""
    label = (label or "").strip().strip("\"'").lower()
    if label in WINDOWS_1252_LABELS:
        label = "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_in_page(data):
    """The encoding label the page itself declares (<meta charset>, http-equiv, XML declaration), or ""."""
    head = data[:SNIFF_BYTES]
    found = XML_ENCODING.search(head) or META_CHARSET.search(head)
    return found.group(1).decode("ascii", "replace") if found else ""


def decode_text(data, transport_charset="", html=False):
    """The text of `data` as a `Decoded`; raises UndecodableText naming the encodings tried."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decoded_or_raise(data, encoding, "byte-order mark")
    candidates = [(transport_charset, "HTTP header")]
    if html:
        candidates.append((declared_in_page(data), "<meta charset>"))
    candidates.append(("utf-8", "UTF-8"))
    tried = []
    for label, how in candidates:
        encoding = codec_name(label)
        if not label or encoding is None or encoding in (name for name, _ in tried):
            if label and encoding is None:
                tried.append((label, f"{how}, an unknown encoding"))
            continue
        decoded = _decode(data, encoding, how)
        if isinstance(decoded, str):
            tried.append((encoding, f"{how}, {decoded}"))
            continue
        return _second_opinion(data, decoded)
    return _detected(data, tried)


def _decode(data, encoding, how):
    """A Decoded, or the reason the bytes are not in this encoding."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        return f"byte {data[error.start]:#04x} at offset {error.start} does not fit"
    if looks_binary(text):
        return "control characters: binary data, not text"
    return Decoded(text, encoding, how)


def _second_opinion(data, decoded):
    """A single-byte label is overruled by valid UTF-8, or by the detector when its reading is mojibake.

    A regional code page (windows-1251) whose reading is clean text was chosen on purpose: short
    Cyrillic in windows-1251 can happen to be valid UTF-8 too ("Вё" is the bytes of "¸").
    """
    if decoded.encoding == "utf-8" or not _single_byte(decoded.encoding) or data.isascii():
        return decoded
    clean = mess_ratio(decoded.text, maximum_threshold=1.0) < MOJIBAKE_RATIO
    if decoded.encoding not in WESTERN and clean:
        return decoded
    as_utf8 = _decode(data, "utf-8", "UTF-8, though labelled " + decoded.encoding)
    if isinstance(as_utf8, Decoded):
        return as_utf8
    if decoded.encoding not in WESTERN or clean:
        return decoded  # a page that names a regional code page (windows-1251) chose it
    best = detect(data)
    if best is None or best.encoding == decoded.encoding:
        return decoded
    best.how = f"charset detection, overruling {decoded.how}"
    return best


def _detected(data, tried):
    best = _mostly_utf8(data) or detect(data)
    if best is not None:
        return best
    tried.append(("charset detection", "no encoding fits"))
    raise UndecodableText("cannot decode the text: tried " + "; ".join(f"{name} ({why})" for name, why in tried))


def detect(data):
    """charset-normalizer's best reading among the encodings browsers support (no hp-roman8, no DOS code pages).

    It judges the text without its markup: English tag names and attributes otherwise make a
    Finnish page in Latin-9 read best as Mac Roman.
    """
    text_only = MARKUP.sub(b" ", data)
    matches = from_bytes(text_only if text_only.strip() else data, cp_isolation=WEB_ENCODINGS)
    best = matches.best()
    if best is None:
        return None
    # Readings the detector cannot tell apart go to the encoding the web uses most (Swedish "å" is cp1252, not cp1250).
    tied = [m for m in matches if m.chaos <= best.chaos + TIE and m.coherence >= best.coherence - TIE]
    names = {name for match in tied for name in (match.encoding, *match.could_be_from_charset)}
    encoding = min(names, key=lambda name: WEB_ENCODINGS.index(name) if name in WEB_ENCODINGS else len(WEB_ENCODINGS))
    decoded = _decode(data, codec_name(encoding) or encoding, "charset detection")
    if isinstance(decoded, Decoded):
        return decoded
    whole = from_bytes(data, cp_isolation=WEB_ENCODINGS).best()  # the text alone misled it: judge the whole page
    if whole is None or looks_binary(str(whole)):
        return None
    return Decoded(str(whole), codec_name(whole.encoding) or whole.encoding, "charset detection")


def _mostly_utf8(data):
    """A UTF-8 page with a few stray bytes (a pasted Latin-1 "ü"), as a browser shows it: each stray a U+FFFD.

    Only when its valid multi-byte sequences outnumber the strays: a page in a legacy encoding has none.
    """
    text = data.decode("utf-8", errors="replace")
    strays = text.count("\ufffd")
    if strays > MAX_STRAY_SHARE * len(data) or len(UTF8_SEQUENCE.findall(data)) <= strays or looks_binary(text):
        return None
    return Decoded(text, "utf-8", f"UTF-8, {strays} stray bytes replaced")


def _decoded_or_raise(data, encoding, how):
    decoded = _decode(data, encoding, how)
    if isinstance(decoded, str):
        raise UndecodableText(f"cannot decode the text: tried {encoding} ({how}, {decoded})")
    return decoded


def _single_byte(encoding):
    return codecs.lookup(encoding).name.startswith(("cp", "iso8859", "koi8", "mac", "windows", "latin"))


def looks_binary(text):
    sample = text[:SNIFF_BYTES]
    return bool(sample) and len(CONTROL_CHARS.findall(sample)) > MAX_CONTROL_SHARE * len(sample)
