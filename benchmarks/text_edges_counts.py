"""Counts over the development corpus for the text rough edges of issue 20, at the code as it is.

    python benchmarks/text_edges_counts.py [--json]

Run it at two commits (e.g. `git stash` / `git checkout` the parent) to get a before/after:
  mid-sentence breaks   body paragraphs that end without a sentence end (。！？；：… or a closing
                        quote) and are followed by another paragraph: a hard line break inside a
                        phrase splits one sentence into two paragraphs (Wikisource's M / 2 / 预期…)
  no-Chinese sentences  sentences without one Chinese character (a lone `2`, `——`, footnote marks)
  lone-2 sentences      sentences that are exactly "2" (the M₂ subscript on a line of its own)
  assessments           directives or targets whose strength cue governs a verb of seeing or
                        knowing (必须清醒认识到，… / 要看到 …), the kind issue 20 calls an assessment
  mandatory 必须坚持/加快 sentences with 必须坚持 or 必须加快 tagged mandatory (must all stay)
  closing at top level  speeches whose last paragraph sits at the top level (no section) although
                        the speech has sections (the closing address after the last heading)

Only public names of `pipeline` are used. The corpus is read in place (corpus_docs.CORPUS).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus_docs import CORPUS  # noqa: E402  (exits in one line when the corpus is absent)

from pipeline import read_collection  # noqa: E402
from pipeline.text import CLOSERS, PARAGRAPH_END  # noqa: E402

FILES = ("national_work_reports.jsonl", "cpc_congress_reports.jsonl", "npc_resolutions_on_reports.jsonl",
         "speeches_2020.csv")
ASSESSMENT = re.compile(r"(必须|务必|要|应当|应该)(清醒|清醒地|深刻|充分|清楚|也|还|更|同时)*(看到|认识到|意识到|估计到|清醒认识到)")


def counts() -> dict:
    out = {"speeches": 0, "paragraphs": 0, "sentences": 0, "mid-sentence breaks": 0, "no-Chinese sentences": 0,
           "lone-2 sentences": 0, "assessments tagged directive": 0, "mandatory 必须坚持/加快": 0,
           "必须坚持/加快 sentences": 0, "closing at top level": 0, "speeches with sections": 0}
    for name in FILES:
        for speech in read_collection(CORPUS / name):
            out["speeches"] += 1
            out["paragraphs"] += len(speech.paragraphs)
            out["sentences"] += len(speech.sentences)
            ps = speech.paragraphs
            out["mid-sentence breaks"] += sum(1 for a, _ in zip(ps, ps[1:])
                                              if a.kind == "body" and a.text[-1] not in PARAGRAPH_END + CLOSERS)
            for s in speech.sentences:
                out["no-Chinese sentences"] += not re.search(r"[\u3400-\u9fff]", s.text)
                out["lone-2 sentences"] += s.text == "2"
                if s.kind in ("directive", "target") and ASSESSMENT.search(s.text):
                    out["assessments tagged directive"] += 1
                if re.search("必须(坚持|加快)", s.text):
                    out["必须坚持/加快 sentences"] += 1
                    out["mandatory 必须坚持/加快"] += s.strength == "mandatory"
            if speech.sections:
                out["speeches with sections"] += 1
                out["closing at top level"] += ps[-1].section_path == ()
    return out


def main() -> None:
    result = counts()
    if "--json" in sys.argv[1:]:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for k, v in result.items():
        print(f"{k:32} {v}")


if __name__ == "__main__":
    main()
