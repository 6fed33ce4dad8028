"""govspeech: read Chinese government speeches at scale.

The stages (load → clean → structure → directives → index/search/summarize) are
modules of this package; `pipeline.api` is the public surface, re-exported here.
"""

# The summarize submodule shares its name with the function exported here; import it
# first, so a later `import pipeline.summarize` cannot rebind `pipeline.summarize`
# from the function to the module.
from . import summarize as _summarize_module  # noqa: F401
from .api import parse_text, read_collection, read_speech, read_speeches, summarize
from .index import Index
from .model import Filters, Hit
from .errors import GovSpeechError, IndexStoreError, InputError
from .lexicon import Lexicon
from .model import Citation, Meta, Paragraph, Section, Sentence, Span, Speech

__all__ = [
    "Citation", "GovSpeechError", "IndexStoreError", "InputError", "Lexicon", "Meta",
    "Paragraph", "Section", "Sentence", "Span", "Speech", "parse_text", "read_speech",
    "read_collection", "read_speeches", "summarize", "Index", "Filters", "Hit",
]
