"""Text cleaning before tokenization: one Unicode form, no URLs or e-mail addresses.

:func:`clean_text` is what :class:`~skmmlc.feature_extraction.GloveFeatures`
applies to a description before its ``token_pattern`` finds the tokens:

1. NFKC normalisation (one form for composed and decomposed letters,
   compatibility forms such as ligatures and full-width letters mapped to
   the usual letters) and removal of the characters that are invisible
   inside a word (soft hyphen, zero-width characters);
2. lower-casing (optional);
3. a word boundary between a run of Han, kana, Hangul or Bopomofo and
   letters of another script ("#flood洪水" -> "#flood 洪水");
4. URLs and e-mail addresses replaced by a space (:func:`remove_urls`, in
   time linear in the text's length);
5. possessive "'s" dropped and inner apostrophes removed ("don't" -> "dont").

No library does step 4 here (docs/design.md, "Text cleaning"): gensim's
``gensim.parsing.preprocessing`` strips tags, punctuation, numbers and stop
words but not URLs or e-mail addresses, and scikit-learn's text module only
tokenizes.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "remove_urls"]

# URLs and e-mail addresses. What is removed is what
# re.sub(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+|\S+@\S+\.\w+", " ", text,
# flags=re.I) removes, but that pattern backtracks: its time grows with the
# square (the cube for "a@a@a@...") of a word's length, minutes for 10 KB
# without spaces. remove_urls finds the same matches in linear time: two
# passes take the usual cases (a word that is a URL or an e-mail address) in
# C; the words left that hold "@", "://" or "www." are read once each, with
# searches that never go back over what they have read.
_URL_WORD_RE = re.compile(r"(?<!\S)(?:[a-z][a-z0-9+.-]*+://|www\.)\S++", re.IGNORECASE)
_EMAIL_WORD_RE = re.compile(r"(?<!\S)[^\s@]+@[^\s@]+\.\w+(?!\S)")
_URL_HINT_RE = re.compile(r"\S@|://\S|www\.\S", re.IGNORECASE)
_NON_SPACE_RE = re.compile(r"\S*")
_SCHEME_RUN_RE = re.compile(r"[a-z0-9+.-]*", re.IGNORECASE)
_SCHEME_START_RE = re.compile(r"\b[a-z]", re.IGNORECASE)
_WWW_RE = re.compile(r"\bwww\.\S", re.IGNORECASE)
_WORD_RUN_RE = re.compile(r"\w+")
# Characters that are invisible inside a word and must not split it: the soft
# hyphen, zero-width space, non-joiner and joiner, word joiner, and the
# zero-width no-break space (a byte-order mark inside a text).
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# Scripts written without spaces between words (Han, kana, Hangul, Bopomofo):
# a run of them next to letters of another script ("#flood洪水") is a word
# boundary, so that the other word is kept.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"
    "\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31bf\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
    "\uff66-\uffdc\U00020000-\U0003134f"
)
_SCRIPT_BOUNDARY_RE = re.compile(
    f"(?<=[{_CJK}])(?=[^\\W\\d_{_CJK}])|(?<=[^\\W\\d_{_CJK}])(?=[{_CJK}])"
)
_POSSESSIVE_RE = re.compile(r"(?<=\w)['\u2019]s\b", re.IGNORECASE)
_INNER_APOSTROPHE_RE = re.compile(r"(?<=\w)['\u2019](?=\w)")


def _url_start(text, rev, r, b):
    """Leftmost start of a URL in the word ``text[r:b]``, or None.

    ``rev`` is ``text[::-1]``: the run of scheme characters before a "://"
    is read backwards in it, so every character is read once.
    """
    www = _WWW_RE.search(text, r, b)
    best = None if www is None else www.start()
    n = len(text)
    q = text.find("://", r, b - 1)  # followed by at least one character
    while q >= 0:
        start = n - _SCHEME_RUN_RE.match(rev, n - q, n - r).end()
        if best is not None and start >= best:
            break
        p = _SCHEME_START_RE.search(text, start, q)
        if p is not None:
            return p.start() if best is None else min(p.start(), best)
        q = text.find("://", q + 3, b - 1)
    return best


def _email_end(text, r, b):
    """End of the e-mail address (``\\S+@\\S+\\.\\w+``, as long as it can be)
    that starts at ``r`` in the word ``text[r:b]``, or None."""
    k = text.rfind(".", r, b - 1)  # the last "." followed by a word character
    while k >= 0 and not _WORD_RUN_RE.match(text, k + 1, b):
        k = text.rfind(".", r, k)
    if k < 0 or text.find("@", r + 1, max(k - 1, 0)) < 0:
        return None
    return _WORD_RUN_RE.match(text, k + 1, b).end()


def remove_urls(text):
    """Replace URLs and e-mail addresses by a space, in time linear in ``len(text)``."""
    if _URL_HINT_RE.search(text) is None:
        return text
    text = _EMAIL_WORD_RE.sub(" ", _URL_WORD_RE.sub(" ", text))
    hint = _URL_HINT_RE.search(text)
    if hint is None:
        return text
    rev = text[::-1]
    n = len(text)
    out = []
    last = 0
    while hint is not None:  # one word (a run of non-spaces) at a time
        a = n - _NON_SPACE_RE.match(rev, n - hint.start()).end()
        b = _NON_SPACE_RE.match(text, hint.start()).end()
        out.append(text[last:a])
        last = r = a
        e = _email_end(text, a, b)
        if e is not None:  # a URL at the same start goes first
            out.append(" ")
            r = b if _url_start(text, rev, a, b) == a else e
        u = _url_start(text, rev, r, b) if r < b else None
        out.append(text[r:b] if u is None else text[r:u] + " ")
        last = b
        hint = _URL_HINT_RE.search(text, b)
    out.append(text[last:])
    return "".join(out)


def clean_text(text, lowercase=True):
    """Clean one description for tokenization (steps 1-5 of the module's docstring).

    Parameters
    ----------
    text : str
    lowercase : bool, default=True
        Lower-case the text (after NFKC normalisation).

    Returns
    -------
    text : str
        The cleaned text; tokens are then found in it by a regular expression.
    """
    # one form for one text: NFKC composes what NFD decomposes
    # ("e" + U+0301 -> "\u00e9") and maps compatibility forms
    # (full-width letters, ligatures) to the usual letters
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
    if lowercase:
        text = text.lower()
    text = _SCRIPT_BOUNDARY_RE.sub(" ", text)
    text = remove_urls(text)
    text = _POSSESSIVE_RE.sub("", text)
    return _INNER_APOSTROPHE_RE.sub("", text)
