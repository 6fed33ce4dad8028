"""Key points and whole-speech lists scored by character ROUGE (rouge-chinese) and exact hits
against the analyst's references and the NPC resolutions, with a paired bootstrap interval,
and the profile of which signals the reference points carry."""

from __future__ import annotations

from dataclasses import dataclass, field
import re
import sys

import numpy as np

from pipeline import parse_text
from pipeline.model import Sentence, Speech

from summary_gold import DOC_ORDER, NPC_TOP, chars, key
from summary_systems import CachedEncoder, Ours


_ROUGE = None


def rouge(hyp: str, ref: str) -> tuple[float, float, float]:
    """Character ROUGE-1/2/L F1 (rouge-chinese, clipped counts)."""
    global _ROUGE
    if _ROUGE is None:
        from rouge_chinese import Rouge

        _ROUGE = Rouge(exclusive=False)
    h, r = chars(hyp), chars(ref)
    if not h or not r:
        return 0.0, 0.0, 0.0
    s = _ROUGE.get_scores(h, r)[0]
    return s["rouge-1"]["f"], s["rouge-2"]["f"], s["rouge-l"]["f"]


@dataclass
class Score:
    r1: list[float] = field(default_factory=list)
    r2: list[float] = field(default_factory=list)
    rl: list[float] = field(default_factory=list)
    hits: int = 0
    refs: int = 0
    lengths: list[int] = field(default_factory=list)     # characters of each picked sentence

    def add(self, picked: list[Sentence], reference: list[str], exact: bool = True) -> None:
        a, b, c = rouge("".join(s.text for s in picked), "".join(reference))
        self.r1.append(a)
        self.r2.append(b)
        self.rl.append(c)
        self.lengths += [len(s.text) for s in picked]
        if exact:
            chosen = {key(s.text) for s in picked}
            self.hits += sum(key(r) in chosen for r in reference)
            self.refs += len(reference)

    def row(self, exact: bool = True) -> list[str]:
        cells = [f"{np.mean(x):.3f}" if x else "–" for x in (self.r1, self.r2, self.rl)]
        if exact:
            cells.append(f"{self.hits / self.refs:.3f}" if self.refs else "–")
        return cells


def evaluate(systems, docs, units_by_doc, gold_by_doc, include_range: bool):
    """Per system: section scores (all, per doc), top-5 scores, and the picks."""
    out = {}
    for sysm in systems:
        sections, per_doc, top = Score(), {}, Score()
        picks = {}
        for doc in DOC_ORDER:
            speech = docs[doc]
            d = per_doc.setdefault(doc, Score())
            for i, unit in enumerate(units_by_doc[doc]):
                if unit.how == "missing" or (unit.how == "range" and not include_range):
                    continue
                chosen = sysm.section(speech, unit, len(unit.reference))
                picks[(doc, i)] = chosen
                sections.add(chosen, unit.reference)
                d.add(chosen, unit.reference)
            top.add(sysm.top(speech, 5), gold_by_doc[doc]["top"])
        out[sysm.name] = {"sections": sections, "per_doc": per_doc, "top": top, "picks": picks}
    return out


def npc_evaluate(systems, pairs, reports):
    out = {s.name: Score() for s in systems}
    per_year = {s.name: {} for s in systems}
    per_year["short"] = {}
    for year, _, reference in pairs:
        rec = reports[year]
        speech = parse_text(rec["content"], f"work_report_{year}", title=rec["title"], title_is_authoritative=True)
        for sysm in systems:
            picked = sysm.top(speech, NPC_TOP)
            out[sysm.name].add(picked, [reference], exact=False)
            per_year[sysm.name][year] = out[sysm.name].rl[-1]
            if len(picked) < NPC_TOP:
                per_year["short"].setdefault(sysm.name, []).append(f"{year} ({len(picked)})")
        for sysm in systems:
            if isinstance(sysm, Ours) and isinstance(sysm.encoder, CachedEncoder):
                sysm.encoder.save()
        print(f"  npc {year}: {len(speech.sentences)} sentences", file=sys.stderr)
    return out, per_year


def paired_delta(base: list[float], other: list[float], resamples: int = 2000, seed: int = 0) -> str:
    """Mean of other - base over paired items with a bootstrap 95% interval (fixed seed)."""
    d = np.asarray(other) - np.asarray(base)
    if not len(d) or not d.any():
        return "–"
    idx = np.random.default_rng(seed).integers(0, len(d), size=(resamples, len(d)))
    lo, hi = np.percentile(d[idx].mean(axis=1), [2.5, 97.5])
    return f"{d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]"


NUMBER = re.compile(r"\d")


def paragraph_leads(speech: Speech) -> set[str]:
    """Ids of the first body sentence of every paragraph."""
    seen, out = set(), set()
    for s in speech.sentences:
        if s.kind != "heading" and s.paragraph_id not in seen:
            seen.add(s.paragraph_id)
            out.add(s.id)
    return out


def signal_profile(docs, units_by_doc) -> list[list[str]]:
    """How often each signal holds for reference points vs for all candidates of matched sections."""
    feats = {
        "first body sentence of the section (ours: `lead`)": lambda s, i, n, pl: i == 0,
        "first body sentence of its paragraph (tried as `paragraph_lead`, not kept)": lambda s, i, n, pl: s.id in pl,
        "in the first third of the section (ours: `position`, continuous)": lambda s, i, n, pl: i < max(1, n / 3),
        "mandatory (ours: `mandatory`)": lambda s, i, n, pl: s.strength == "mandatory",
        "advisory (ours: `advisory`)": lambda s, i, n, pl: s.strength == "advisory",
        "kind target (ours: `target`)": lambda s, i, n, pl: s.kind == "target",
        "contains a digit (ours: `number`)": lambda s, i, n, pl: bool(NUMBER.search(s.text)),
        "longer than 60 characters (ours: `long`)": lambda s, i, n, pl: len(s.text) > 60,
        "shorter than 20 characters (ours: `short`)": lambda s, i, n, pl: len(s.text) < 20,
        "shorter than 8 characters": lambda s, i, n, pl: len(s.text) < 8,
    }
    ref_rows = {f: [0, 0] for f in feats}
    all_rows = {f: [0, 0] for f in feats}
    for doc in DOC_ORDER:
        pl = paragraph_leads(docs[doc])
        for unit in units_by_doc[doc]:
            if unit.how not in ("matched", "root"):
                continue
            refs = {key(r) for r in unit.reference}
            n = len(unit.sentences)
            for i, s in enumerate(unit.sentences):
                for f, fn in feats.items():
                    v = fn(s, i, n, pl)
                    all_rows[f][0] += v
                    all_rows[f][1] += 1
                    if key(s.text) in refs:
                        ref_rows[f][0] += v
                        ref_rows[f][1] += 1
    rows = []
    for f in feats:
        a, b = ref_rows[f], all_rows[f]
        pr, pa = a[0] / max(a[1], 1), b[0] / max(b[1], 1)
        rows.append([f, f"{pr:.2f}", f"{pa:.2f}", f"{pr / pa:.2f}" if pa else "–"])
    return rows


def print_misses(docs, units_by_doc, result, ours: Ours) -> None:
    picks = result[ours.name]["picks"]
    for doc in DOC_ORDER:
        speech = docs[doc]
        scores = ours.scores(speech)
        for i, unit in enumerate(units_by_doc[doc]):
            if (doc, i) not in picks:
                continue
            chosen = picks[(doc, i)]
            chosen_keys = {key(s.text) for s in chosen}
            missed = [r for r in unit.reference if key(r) not in chosen_keys]
            if not missed:
                continue
            pos = {key(s.text): (j, s) for j, s in enumerate(unit.sentences)}
            print(f"\n[{doc}] {unit.heading or '(opening)'}  ({unit.how}, {len(unit.sentences)} candidates, k={len(unit.reference)})")
            for r in missed:
                j, s = pos.get(key(r), (None, None))
                if s is None:
                    print(f"  MISS (not a parser sentence) {r[:70]}")
                    continue
                sc = scores.get(s.id)
                where = f"score {sc[0]:.3f} rank {sc[1]}" if sc else "not a candidate (kind/ceremony filter)"
                print(f"  MISS #{j} {s.kind}/{s.strength} {where}: {r[:70]}")
            for s in chosen:
                if key(s.text) not in {key(r) for r in unit.reference}:
                    j = next((j for j, t in enumerate(unit.sentences) if t.id == s.id), None)
                    sc = scores.get(s.id)
                    print(f"  took #{j} {s.kind}/{s.strength} score {sc[0]:.3f}: {s.text[:70]}" if sc else f"  took #{j}: {s.text[:70]}")
