"""govspeech: read Chinese government speeches at scale.

The stages (load → clean → structure → directives → index → search / summarize) are
modules of this package; `pipeline.api` is the public surface, re-exported here.
"""

# The summarize submodule shares its name with the function exported here; import it
# first, so a later `import pipeline.summarize` cannot rebind `pipeline.summarize`
# from the function to the module.
from . import summarize as _summarize_module  # noqa: F401
from .api import (Index, LiveIndex, abstract, directives, outline, parse_text, read_collection, read_speech,
                  read_speeches, summarize, write_summaries)
from .errors import GovSpeechError, IndexStoreError, InputError
from .lexicon import Lexicon
from .model import Citation, Filters, Hit, Meta, Paragraph, SearchOptions, Section, Sentence, Span, Speech

__all__ = [
    "Citation", "GovSpeechError", "IndexStoreError", "InputError", "Lexicon", "Meta", "Paragraph", "Section",
    "Sentence", "Span", "Speech", "Filters", "Hit", "SearchOptions", "Index", "LiveIndex", "parse_text",
    "read_speech", "read_collection", "read_speeches", "summarize", "abstract", "outline", "directives",
    "write_summaries",
]
