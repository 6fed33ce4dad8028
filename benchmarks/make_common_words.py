"""Write pipeline/resources/common_words.tsv: the words of jieba's own IDF table
(jieba/analyse/idf.txt, MIT, shipped with the jieba package) that are common in general
Chinese (IDF below 9.5), with their IDF to one decimal. `compare` reads it to tell a
notable new formulation (供给侧, 颗粒物: absent, so rare) from a common word that just
happens not to be in the other speech (出台, 理顺). Loading jieba's whole 270k-word
table costs ~2 s per process; this 30k-word extract costs milliseconds.

    python benchmarks/make_common_words.py
"""

from pathlib import Path

import jieba

LIMIT = 9.5


def main() -> None:
    source = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if word and value and float(value) < LIMIT:
            rows.append((word, float(value)))
    rows.sort(key=lambda r: (r[1], r[0]))
    out = Path(__file__).resolve().parents[1] / "pipeline" / "resources" / "common_words.tsv"
    header = (f"# Common words of general Chinese and their IDF (jieba/analyse/idf.txt, IDF < {LIMIT}),\n"
              "# written by benchmarks/make_common_words.py. A word not listed is rarer than that.\n")
    out.write_text(header + "".join(f"{w}\t{v:.1f}\n" for w, v in rows), encoding="utf-8")
    print(f"{len(rows)} words -> {out}")


if __name__ == "__main__":
    main()
