"""Training questions for the learned ranker, made by rule from corpus documents that
no gold set uses (so the ranker never sees a test question or a test document).

Three national work reports are retitled as provincial ones (2016年河南省政府工作报告 …),
so that the same kind of sentence exists under several places and years, as in a
collection of provincial reports; a 2020 speech is added as it is. From each document:

- heading questions: a section heading's title, as a question, answered by the
  sentences of that section's body (a heading points to its answer);
- quantity questions: a clause stating a number with a unit, the number replaced
  by 多少 + unit, some of its words dropped, often with the place and 今年/去年;
- clause questions: a clause of a long sentence, a third of its words dropped, with a
  question frame (…有哪些举措).

Every question is written in the gold sets' format (id, query, doc, answers), so the
same answer test labels the candidates.

    python benchmarks/train_questions.py > /tmp/train.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_docs import corpus_text  # noqa: E402

from pipeline.api import parse_text  # noqa: E402
from pipeline.clauses import clause_spans  # noqa: E402
from pipeline.query import query_words, tense  # noqa: E402
from pipeline.tokenize import words  # noqa: E402

# document key → the province it is retitled as (None: kept as it is)
DOCS = {
    "work_report_2016": "河南省", "work_report_2018": "江苏省", "work_report_2021": "广东省",
    "speech_2020-10-15": None,
}
FRAMES = ("{}有哪些举措", "{}怎么做", "如何{}", "{}是什么", "关于{}有什么要求", "{}", "{}的情况")
SEED = 13


def document(key: str) -> tuple[str, str]:
    """(title, text) as written for the training index."""
    title, text = corpus_text(key)
    province = DOCS.get(key)
    if province:
        title = f"{key.rsplit('_', 1)[1]}年{province}政府工作报告"
    return title, text


def _drop(text: str, share: float, rng: random.Random) -> str:
    tokens = [w for w in words(text) if not re.fullmatch(r"[\W_]+", w)]
    kept = [w for w in tokens if rng.random() > share] or tokens[:2]
    return "".join(kept)


def questions(key: str, rng: random.Random) -> list[dict]:
    title, text = document(key)
    speech = parse_text((title + "\n\n" if title else "") + text, key)
    province = DOCS.get(key)
    short = province[:-1] if province else ""
    units = sorted((u for u, kind in query_words().units.items() if kind != "date"), key=len, reverse=True)
    number = re.compile(r"[0-9０-９]+(?:[.．][0-9]+)?\s*(" + "|".join(map(re.escape, units)) + ")")
    out: list[dict] = []

    def add(kind: str, query: str, answers: list[str]) -> None:
        if len(query) >= 4 and answers:
            out.append({"id": f"{key}-{kind}{len(out)}", "query": query, "doc": key, "answers": answers})

    for section in speech.walk_sections():
        body = [s for s in speech.sentences if s.paragraph_number in section.paragraph_numbers and s.kind != "heading"]
        if len(section.title) >= 6 and body and rng.random() < 0.5:
            add("h", rng.choice(FRAMES).format(_drop(section.title, 0.2, rng)), [s.text for s in body[:6]])
    sentences = [s for s in speech.sentences if s.kind != "heading" and len(s.text) >= 20]
    for s in rng.sample(sentences, min(len(sentences), 300)):
        spans = clause_spans(s.text)
        clauses = [s.text[a:b] for a, b in spans] or [s.text]
        with_number = [c for c in clauses if number.search(c)]
        if with_number and rng.random() < 0.7:
            clause = rng.choice(with_number)
            m = number.search(clause)
            asked = _drop(clause[:m.start()], 0.25, rng)
            if len(re.findall(r"[\u4e00-\u9fff]", asked)) < 4:
                continue
            query = asked + "多少" + m.group(1)
            when = {1: "今年", -1: "去年"}.get(tense(s.text), "") if key.startswith("work_report") else ""
            where = short if short and rng.random() < 0.6 else ""
            add("q", where + (when if rng.random() < 0.6 else "") + query, [s.text])
        elif len(clauses) >= 3:
            clause = rng.choice([c for c in clauses if len(c) >= 10] or clauses)
            where = short if short and rng.random() < 0.3 else ""
            add("c", where + rng.choice(FRAMES).format(_drop(clause, 0.35, rng)), [s.text])
    return out


def main() -> None:
    rng = random.Random(SEED)
    for key in DOCS:
        for q in questions(key, rng):
            print(json.dumps(q, ensure_ascii=False))


if __name__ == "__main__":
    main()
