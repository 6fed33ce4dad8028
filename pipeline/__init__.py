"""govspeech: read Chinese government speeches at scale.

The stages (load → clean → structure → directives → index/search/summarize) are
modules of this package; `pipeline.api` is the public surface, re-exported here.
"""

# The stage module first: importing pipeline.summarize later would otherwise rebind the
# package's `summarize` from the function below to the module.
from . import summarize as _summarize_stage  # noqa: F401
from .api import parse_text, read_collection, read_speech, read_speeches, summarize
from .index import Index
from .search import Filters, Hit
from .errors import GovSpeechError, IndexStoreError, InputError
from .lexicon import Lexicon
from .model import Citation, Meta, Paragraph, Section, Sentence, Span, Speech

__all__ = [
    "Citation", "GovSpeechError", "IndexStoreError", "InputError", "Lexicon", "Meta",
    "Paragraph", "Section", "Sentence", "Span", "Speech", "parse_text", "read_speech",
    "read_collection", "read_speeches", "summarize", "Index", "Filters", "Hit",
]
