"""Text cleaning before tokenization (``skmmlc.feature_extraction._text_clean``).

What GloveFeatures' analyzer does to a text before its token pattern runs;
the analyzer itself is tested in ``test_glove.py``.
"""

import random
import re
import time
import unicodedata

from skmmlc.feature_extraction._text_clean import clean_text, remove_urls

# the URL/e-mail pattern of skmmlc <= 0.1.0: the reference for what is removed
# (it backtracks: minutes on 10 KB of "a@a@..."; use it on short strings only)
OLD_URL_RE = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+|\S+@\S+\.\w+", re.IGNORECASE
)


def test_url_removal_is_that_of_the_old_pattern():
    texts = [
        "The FLOOD hit Houston; rain & storm... (see https://example.com/x?y=1)",
        "mail me@x.com or x.y+z@mail.example.org, see http://a.b/c?d=e#f!",
        "www.x.org/a https://t.co/abc svn+ssh://host/repo (ftp://x) <a@b.c>",
        "e-mail:a@b.c,http://x a.b.c://d me@x.com/http://y 1http://z éhttp://w",
        "WWW.X.ORG HTTP://X.ORG Me@X.COM a@b@c.d a@b. a@.b http:// www. @x.y",
    ]
    rng = random.Random(0)
    alphabet = list("aAwW1@./:-+_é ,\n\u212a\u017f") + ["://", "www.", "http://", "x@y.z"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
              for _ in range(5000)]
    for text in texts:
        assert remove_urls(text) == OLD_URL_RE.sub(" ", text), repr(text)


def test_url_removal_is_linear_in_the_length():
    # the old pattern takes minutes on 10 KB of these; linear: well under a second
    for text in ("a@" * 50_000, "a://" * 25_000, "www." * 25_000, "x" * 100_000 + "@"):
        start = time.process_time()
        remove_urls(text)
        assert time.process_time() - start < 5, text[:8]
    assert remove_urls("a@" * 5 + "b.c") == " "


def test_clean_text_steps():
    assert clean_text("Harvey's FLOOD: don't https://t.co/x me@x.com") == "harvey flood: dont    "
    assert clean_text("Harvey's", lowercase=False) == "Harvey"
    nfd = unicodedata.normalize("NFD", "Café")
    assert clean_text(nfd) == clean_text("Café") == "café"
    assert clean_text("ﬂo\u00adod ＦＬＯＯＤ") == "flood flood"
    assert clean_text("#flood洪水 大雨rain") == "#flood 洪水 大雨 rain"
