"""terminal: how results look in a terminal (rich trees, tables, progress bars) for the CLI.

Rendering only: every value comes from pipeline.api; output piped to a file or another
program is never wrapped.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

UNWRAPPED = 1_000_000   # columns: wider than any line a speech has (rich's soft_wrap would crop tree lines instead)


def console():
    """Rich output for a terminal; piped or redirected, lines are never wrapped (rich would
    break them at 80 columns, inside quotes) and carry no colour codes."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else UNWRAPPED)


def console_err():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@contextmanager
def progress_bar(enabled: bool):
    """A rich progress bar fed by the API's progress(stage, done, total, **info) callback."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    labels = {"read": "reading files", "terms": "tokenizing", "embed": "embedding", "dense": "vector index",
              "store": "writing rows", "clauses": "writing clauses"}
    # Started at the first update: a bar started for work that fails before any stage
    # would print an empty line on stderr above the error.
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                   TimeRemainingColumn(), console=console_err(), transient=False)
    tasks: dict[str, int] = {}
    try:
        def update(stage: str, done: int, total: int, **info) -> None:
            if not tasks:
                bar.start()
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total or 1, info="")
            text = ""
            if "rate" in info:
                text = f"{info['rate']:.0f} sentences/s"
            elif "file" in info:
                text = str(info["file"])[:40]
            elif "index_type" in info:
                text = info["index_type"]
            bar.update(tasks[stage], completed=done if total else 1, total=total or 1, info=text)

        yield update
    finally:
        if tasks:
            bar.stop()


def print_outline(console, speech) -> None:
    from rich.tree import Tree

    tree = Tree(f"[bold]《{speech.title or speech.id}》[/]  {len(speech.paragraphs)} ¶, {len(speech.sentences)} sentences")
    loose = [p.number for p in speech.paragraphs if not p.section_path]
    if loose:
        tree.add(f"[dim](opening) {ranges(loose)}[/]")

    def add(node, section) -> None:
        label = section.label if section.level > 1 else f"{section.label}、"
        numbers = [n for s in section.walk() for n in s.paragraph_numbers]
        branch = node.add(f"[bold]{label}[/]{section.title}  [dim]{ranges(numbers)}[/]")
        for child in section.children:
            add(branch, child)

    for section in speech.sections:
        add(tree, section)
    console.print(tree)
    if speech.meta.truncated:
        console.print(f"[yellow]note: the text stops mid-sentence (¶{speech.paragraphs[-1].number} is truncated)[/]")


def ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] → '¶3–5, ¶9'."""
    if not numbers:
        return ""
    numbers = sorted(set(numbers))
    out, start, prev = [], numbers[0], numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"¶{start}" if start == prev else f"¶{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def print_summary(summary) -> None:
    from rich.tree import Tree

    tree = Tree(f"[bold]《{summary.title or summary.speech_id}》[/]")
    top = tree.add("[bold]要点[/]")
    for k in summary.top:
        top.add(f"{k.sentence.text} [dim]〔{k.citation.label()}〕[/]")
    parents = {(): tree}           # the outline nests: （一） under 一, 一是 under （一）
    for s in summary.sections:
        parent = next((parents[s.path[:i]] for i in range(len(s.path) - 1, -1, -1) if s.path[:i] in parents), tree)
        label = "".join(s.path)
        node = parent.add(f"[bold]{'开篇' if not s.path else (s.title if label.endswith(s.title) else label)}[/] "
                          f"{'' if not s.path or label.endswith(s.title) else s.title}".rstrip())
        if s.path:
            parents[s.path] = node
        for k in s.key_points:
            node.add(f"{k.sentence.text} [dim]〔{k.citation.label()}〕[/]")
    console().print(tree)


def print_comparison(console, result) -> None:
    """The terminal view: changed targets, then formulations, strength changes and sections."""
    from rich.markup import escape

    console.print(f"[bold]《{escape(result.old.title)}》 → 《{escape(result.new.title)}》[/]")
    changed = result.changed_targets()
    console.print(f"\n[bold]Targets[/] ({len(changed)} changed, {len(result.targets) - len(changed)} unchanged)")
    for t in changed:
        old = escape(t.old.value) if t.old else "—"
        new = escape(t.new.value) if t.new else "—"
        where = " / ".join(f"{side} {c.label()}" for side, c in (("old", t.old and t.old.citation),
                                                                  ("new", t.new and t.new.citation)) if c)
        console.print(f"  {escape(t.indicator)}: {old} → {new}  [bold]{t.change}[/]  [dim]{where}[/]")
    for title, items in (("New formulations", result.new_terms), ("Dropped formulations", result.dropped_terms)):
        console.print(f"\n[bold]{title}[/] ({len(items)})")
        for t in items:
            back = ""
            if t.returning and t.first_seen:
                back = f"  [yellow]back: first seen in 《{escape(t.first_seen.title)}》[/]"
            console.print(f"  {escape(t.term)}{back}  [dim]{t.citation.label()} {escape(t.citation.text[:60])}[/]")
    if result.strength_changes:
        console.print(f"\n[bold]Strength changes[/] ({len(result.strength_changes)})")
        for s in result.strength_changes:
            console.print(f"  {s.direction}: {escape(s.old.text)} [dim]〔{s.old.label()}〕[/] → "
                          f"{escape(s.new.text)} [dim]〔{s.new.label()}〕[/]")
    moved = [s for s in result.sections if s.status != "kept"]
    console.print(f"\n[bold]Sections[/] ({len(result.sections) - len(moved)} kept, {len(moved)} reworded, new or dropped)")
    for s in moved:
        console.print(f"  {s.status}: {escape(s.old or '—')} → {escape(s.new or '—')}")
