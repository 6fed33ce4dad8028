"""The `govspeech` command: a thin click shell over pipeline.api.

Every command that prints results has --json. Errors print one line on stderr
(`govspeech: error: FILE: problem`) and exit with status 2.
"""

from __future__ import annotations

import json
import os
import sys

import click

from . import api
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
