"""What an export wrote: counts by label, state and fact type, and the items it skipped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from store.export.model import ExportDoc, Skipped

SKIPPED_LISTED = 10_000  # the manifest lists this many skipped items, and counts them all


@dataclass
class ExportReport:
    """What an export wrote: counts, skipped items, where the output and manifest are."""

    format: str
    out: Path
    manifest: Path
    articles: int = 0
    spans: int = 0
    facts: int = 0
    labels: dict[str, Counter[str]] = field(default_factory=dict)
    fact_types: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_total: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    not_carried: dict[str, int] = field(default_factory=dict)  # what the format cannot hold

    def add_skipped(self, item: Skipped) -> None:
        """Count a skipped item; list the first `SKIPPED_LISTED`."""
        self.skipped_total += 1
        self.skipped_reasons[item.reason] += 1
        if len(self.skipped) < SKIPPED_LISTED:
            self.skipped.append(item)

    def merge(self, other: ExportReport) -> None:
        """Add the counts and skipped items of a part exported by another process."""
        self.articles += other.articles
        self.spans += other.spans
        self.facts += other.facts
        for mine, theirs in ((self.labels, other.labels), (self.fact_types, other.fact_types)):
            for key, counts in theirs.items():
                mine.setdefault(key, Counter()).update(counts)
        self.skipped += other.skipped[: max(0, SKIPPED_LISTED - len(self.skipped))]
        self.skipped_total += other.skipped_total
        self.skipped_reasons.update(other.skipped_reasons)

    @property
    def summary(self) -> str:
        """One line for the command line."""
        skipped = (
            f", {self.skipped_total} skipped (see {self.manifest.name})"
            if self.skipped_total
            else ""
        )
        lost = ", ".join(f"{n} {kind}" for kind, n in self.not_carried.items())
        lost = f"; not carried by {self.format}: {lost}" if lost else ""
        return (
            f"exported {self.articles} articles, {self.spans} spans, {self.facts} facts "
            f"as {self.format} to {self.out}{skipped}{lost}"
        )


def counted(
    docs: Iterable[ExportDoc], report: ExportReport, on_progress: Callable[[int], None] | None
) -> Iterator[ExportDoc]:
    """Pass the documents through, counting them (and their spans, facts) into `report`."""
    for doc in docs:
        report.articles += 1
        report.spans += len(doc.spans)
        report.facts += len(doc.facts)
        for span in doc.spans:
            report.labels.setdefault(span.label, Counter())[span.state] += 1
        for fact in doc.facts:
            report.fact_types.setdefault(fact.type, Counter())[fact.state] += 1
        yield doc
        if on_progress is not None:
            on_progress(1)
