"""What the review screen copies: a mention as a tab-separated line, a sentence with a citation."""

from __future__ import annotations

import re

from store.corpus.articles import ArticleView
from store.corpus.sentences import sentence_at
from store.facts.repository import FactView
from store.review.mentions import MentionView

# Tabs and line breaks (str.splitlines' set): each becomes one space, so a copied line keeps
# its columns and a quoted text keeps the length of its span.
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with every tab and line break replaced by one space (the length is kept)."""
    return _BREAKS.sub(" ", text)


def mention_line(mention: MentionView, article_id: int) -> str:
    """`surface<TAB>label<TAB>entity key<TAB>article id:start-end` for one mention.

    The key is empty when the mention is not linked. Tabs and line breaks inside the surface
    become spaces, so the line always has four columns and the surface keeps its length
    (`end - start`); the offsets locate the exact stored text.
    """
    return "\t".join(
        (
            one_line(mention.text),
            one_line(mention.label),
            one_line(mention.entity_key or ""),
            f"{article_id}:{mention.start}-{mention.end}",
        )
    )


def sentence_span(article: ArticleView, mention: MentionView) -> tuple[int, int]:
    """The sentence holding the mention (several sentences when the mention crosses one's end)."""
    first = sentence_at(article.text, mention.start)
    last = sentence_at(article.text, max(mention.start, mention.end - 1))
    return min(first[0], mention.start), max(last[1], mention.end)


def sentence_citation(article: ArticleView, mention: MentionView) -> str:
    """The mention's sentence in quotes, then where it comes from, on one line.

    `“sentence” — Title, Source, 2021-02-25, URL (article 12:340-512)`: the source, date and
    URL are left out when the article has none; the offsets are the sentence's, so
    `text[340:512]` is the quoted sentence (line breaks inside it are shown as spaces).
    """
    start, end = sentence_span(article, mention)
    return (
        f"“{one_line(article.text[start:end])}” — {_source(article)}"
        f" (article {article.id}:{start}-{end})"
    )


def _source(article: ArticleView) -> str:
    """`Title, Source, 2021-02-25, URL`, leaving out what the article has not."""
    parts = [one_line(article.title or article.external_id)]
    parts += [one_line(value) for value in (article.source,) if value]
    if article.published is not None:
        parts.append(article.published.isoformat())
    if article.url:
        parts.append(one_line(article.url))
    return ", ".join(parts)


def fact_citation(fact: FactView, article: ArticleView) -> str:
    """A fact on one line: type, roles with entity names and keys, the evidence and its source.

    `ARMS_TRANSFER: supplier=Rusia (Russia, RU); recipient=Kirgistan (Kyrgyzstan, KG) — “the
    sentence” — Title, Source, 2021-02-25, URL (article 12:340-512)`. Several fillers of a role
    are joined with ` + `; an unlinked filler is its surface alone. The offsets are the
    evidence's (`text[340:512]` is the quote); a fact without evidence cites the span from its
    first filler to its last, and quotes nothing.
    """
    roles: dict[str, list[str]] = {}
    for filler in fact.fillers:
        name = one_line(filler.text)
        if filler.entity_key is not None:
            name += (
                f" ({one_line(filler.entity_name or filler.entity_key)}, "
                f"{one_line(filler.entity_key)})"
            )
        roles.setdefault(filler.role, []).append(name)
    for nested in fact.fact_fillers:  # a fact filling a role: its id and type
        roles.setdefault(nested.role, []).append(f"E{nested.fact_id} {nested.type}")
    line = f"{fact.type}: " + "; ".join(
        f"{role}={' + '.join(names)}" for role, names in roles.items()
    )
    if fact.evidence_start is not None and fact.evidence_end is not None:
        start, end = fact.evidence_start, fact.evidence_end
        line += f" — “{one_line(article.text[start:end])}”"
    elif fact.fillers:
        start = min(f.start for f in fact.fillers)
        end = max(f.end for f in fact.fillers)
    else:
        return f"{line} — {_source(article)} (article {article.id})"
    return f"{line} — {_source(article)} (article {article.id}:{start}-{end})"
