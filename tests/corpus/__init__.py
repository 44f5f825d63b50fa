"""A deterministic, labelled, synthetic corpus for measuring detection quality.

    corpus = default_corpus()          # roster + every shape in every format
    outcomes = run_corpus(corpus)      # scan_message + engine.evaluate per message
    overall(outcomes).recall, by_format(outcomes), ...

Every message goes from a teacher to three outside parent addresses; its
label says whether student data should be found and the action expected
(`build.expected_action`). Names, IDs and addresses are invented; domains
are reserved example domains. Modules: people (roster, staff), documents
(content shapes and labels), formats (renderers), xls (a BIFF8 writer),
build (cases), measure (pipeline and figures), gaps (known weak spots).
"""

from .build import Case, Corpus, build_corpus, corpus_policy, default_corpus, expected_action
from .gaps import GAPS, Gap, gap_for
from .measure import (
    Figures,
    Outcome,
    Pipeline,
    by_family,
    by_format,
    by_shape,
    figures,
    overall,
    roster_index,
    run_corpus,
)

__all__ = [
    "GAPS", "Case", "Corpus", "Figures", "Gap", "Outcome", "Pipeline", "build_corpus",
    "by_family", "by_format", "by_shape", "corpus_policy", "default_corpus", "expected_action",
    "figures", "gap_for", "overall", "roster_index", "run_corpus",
]
