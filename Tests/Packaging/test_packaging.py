"""The packaging checks: man pages, the Debian package and the shell completions.

scripts/test-packaging runs them: it installs the tools (mandoc, lintian, dpkg-dev, man-db), builds
the release binaries and the .deb (scripts/build-deb), and passes them in:

    DROVER_DEB          the .deb to check (else scripts/build-deb --no-build makes one)
    DROVER_BIN          the directory of the release droverd and droverctl (else the default
                        scratch path's, .build-release)
    DROVER_TEST_PYTHON  a python with Uvicorn and Starlette, standing for an app's virtual
                        environment (else .venv/bin/python)

The man pages are checked against the real programs, both ways: every option of `droverd --help`
is in droverd(8) and every option there is in --help, with the environment variables and simple
defaults --help gives; the same for droverctl(1) (its options, its subcommands, each subcommand's
--help) and drover-worker(1); every key droverd accepts in drover.toml (at the top level and in a
[pools.NAME] table) is in drover.toml(5) and every key listed there is one droverd accepts; the
exit statuses the pages list are the ones the programs give. The comparisons are also run on
altered copies of the pages and of --help, to show that they catch a difference.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAN = REPO / "man"
PAGES = sorted(p for p in MAN.iterdir() if re.fullmatch(r".+\.[1-8]", p.name))
OUR_PAGES = {p.name.rsplit(".", 1)[0] for p in PAGES}
# argument-parser's own `droverctl help SUBCOMMAND`, which --help does not list as a subcommand.
SUBCOMMANDS_HIDDEN_IN_HELP = {"help"}
# Documented on purpose although --help does not list it; the test checks that it works.
DROVERCTL_HIDDEN_OPTIONS = {"--generate-completion-script"}
COMPLETIONS = {
    "bash": "usr/share/bash-completion/completions/droverctl",
    "zsh": "usr/share/zsh/vendor-completions/_droverctl",
    "fish": "usr/share/fish/vendor_completions.d/droverctl.fish",
}
UNITS = ["drover.service", "drover.socket", "drover@.service", "drover-notify-reload.service"]


# --- helpers and fixtures ---------------------------------------------------------------------


def run(*args: str | Path, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 300)
    result = subprocess.run([str(a) for a in args], **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    if "DROVER_BIN" in os.environ:
        path = Path(os.environ["DROVER_BIN"])
    else:
        path = Path(run("swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path",
                        REPO / ".build-release", "--show-bin-path", cwd=REPO).stdout.strip())
    for program in ("droverd", "droverctl"):
        if not (path / program).is_file():
            pytest.fail(f"{path / program} is missing: run scripts/test-packaging")
    return path


@pytest.fixture(scope="session")
def droverd(bin_dir: Path) -> Path:
    return bin_dir / "droverd"


@pytest.fixture(scope="session")
def droverctl(bin_dir: Path) -> Path:
    return bin_dir / "droverctl"


@pytest.fixture(scope="session")
def app_python() -> Path:
    """A python with Uvicorn and Starlette (an app's virtual environment, for drover-worker)."""
    candidate = os.environ.get("DROVER_TEST_PYTHON") or str(REPO / ".venv/bin/python")
    path = Path(candidate)
    if not path.exists() or run(path, "-c", "import uvicorn, starlette", check=False).returncode != 0:
        pytest.skip(f"no python with uvicorn and starlette at {path} (scripts/test-packaging makes one)")
    return path


@pytest.fixture(scope="session")
def deb(bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "DROVER_DEB" in os.environ:
        return Path(os.environ["DROVER_DEB"])
    output = tmp_path_factory.mktemp("deb")
    lines = run(REPO / "scripts/build-deb", "--no-build", "-o", output, cwd=REPO, timeout=600).stdout.splitlines()
    return Path(lines[-1])


@pytest.fixture(scope="session")
def version(droverd: Path) -> str:
    return run(droverd, "--version").stdout.strip()


def dpkg_command(root: Path) -> list[str]:
    """dpkg on a scratch root. Maintainer scripts run without chroot, with DPKG_ROOT set, and do
    nothing outside the root then. dpkg wants to own the files as root; fakeroot lets it pretend."""
    prefix = [] if os.geteuid() == 0 else ["fakeroot"]
    return [*prefix, "dpkg", f"--root={root}", "--force-depends", "--force-not-root",
            "--force-script-chrootless", "--log=/dev/null"]


def empty_root(root: Path) -> Path:
    admin = root / "var/lib/dpkg"
    for directory in (admin / "info", admin / "updates"):
        directory.mkdir(parents=True)
    (admin / "status").touch()
    return root


@pytest.fixture(scope="session")
def scratch_root(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed into an empty directory with dpkg --root: no change to the system."""
    root = empty_root(tmp_path_factory.mktemp("root"))
    run(*dpkg_command(root), "-i", deb)
    return root


# --- mdoc parsing -------------------------------------------------------------------------------

MACRO = re.compile(r"^[A-Z][a-z][a-z]?$")  # Fl, Ar, Cm, Ns, Pq, ...


def unescape(text: str) -> str:
    return (text.replace("\\-", "-").replace("\\&", "").replace("\\(dq", '"').replace("\\(em", "--")
            .replace("\\(mu", "x").replace("\\~", " ").replace("\\e", "\\"))


def macro_arguments(tokens: list[str], macro: str) -> list[str]:
    """The words each `macro` in `tokens` applies to, up to the next macro: `Fl c , Fl \\-config
    Ar FILE` -> ['c', '\\-config'] for Fl; punctuation is skipped."""
    found: list[str] = []
    active = False
    for token in tokens:
        if MACRO.match(token):
            active = token == macro
            continue
        if active and token not in {",", "|", ";", ".", ":", "(", ")"}:
            found.append(token)
    return found


class Page:
    """An mdoc page: its lines, its sections, its `.It` items."""

    def __init__(self, text: str, name: str = "page"):
        self.name = name
        self.lines = text.splitlines()

    @classmethod
    def read(cls, name: str) -> Page:
        return cls((MAN / name).read_text(), name)

    def section(self, name: str) -> list[str]:
        inside = False
        found: list[str] = []
        for line in self.lines:
            if line.startswith(".Sh "):
                inside = line[4:].strip() == name
                continue
            if inside:
                found.append(line)
        assert found, f"{self.name} has no section {name}"
        return found

    @staticmethod
    def items(lines: list[str], first_macro: str) -> list[tuple[list[str], str]]:
        """The `.It` items of `lines` whose head starts with `first_macro`: (head tokens, body text).
        A body runs to the next `.It`, `.El`, `.Sh` or `.Ss`, so a nested list ends its parent's
        body (the nested items are items of their own)."""
        found: list[tuple[list[str], str]] = []
        current: tuple[list[str], list[str]] | None = None
        for line in lines:
            if line.startswith((".It", ".El", ".Sh", ".Ss")):
                if current:
                    found.append((current[0], unescape("\n".join(current[1]))))
                current = None
                tokens = line.split()[1:]
                if line.startswith(".It") and tokens and tokens[0] == first_macro:
                    current = (tokens, [])
            elif current is not None:
                current[1].append(line)
        if current:
            found.append((current[0], unescape("\n".join(current[1]))))
        return found

    def options(self, lines: list[str] | None = None) -> dict[str, str]:
        """Every option named in an `.It Fl ...` head: option -> the item's body."""
        result: dict[str, str] = {}
        for head, body in self.items(self.lines if lines is None else lines, "Fl"):
            for name in macro_arguments(head, "Fl"):
                result["-" + unescape(name)] = body
        return result

    def exit_statuses(self) -> set[str]:
        """The heads of the EXIT STATUS list: '0', '1', ..., 'other'."""
        heads = set()
        for line in self.section("EXIT STATUS"):
            if line.startswith(".It "):
                heads.add(unescape(line.split()[-1]))
        return heads


# --- argument-parser's --help -------------------------------------------------------------------


def help_sections(text: str) -> dict[str, list[str]]:
    """argument-parser's --help: the 'OPTIONS:', 'ARGUMENTS:', 'SUBCOMMANDS:' blocks."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        heading = re.fullmatch(r"([A-Z][A-Z ]+):", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        elif current is not None:
            current.append(line)
    return sections


def help_entries(lines: list[str]) -> list[tuple[str, str]]:
    """(name column, description) for each entry of an argument-parser help block."""
    entries: list[list[str]] = []
    for line in lines:
        match = re.match(r"^  (\S.*?)(?:\s{2,}(.*))?$", line)
        if match and not line.startswith("   "):
            entries.append([match.group(1), match.group(2) or ""])
        elif entries and line.strip():
            entries[-1][1] += " " + line.strip()
    return [(name, re.sub(r"\s+", " ", description).strip()) for name, description in entries]


def option_names(name_column: str) -> list[str]:
    """'-c, --config <FILE>' -> ['-c', '--config']; '--wait-ready/--no-wait-ready' -> both."""
    without_values = re.sub(r"<[^>]*>|\{[^}]*\}", "", name_column)
    return re.findall(r"(?<![\w-])--?[A-Za-z0-9][\w-]*", without_values)


def help_options(text: str) -> dict[str, str]:
    return {o: d for n, d in help_entries(help_sections(text).get("OPTIONS", [])) for o in option_names(n)}


def help_arguments(text: str) -> list[str]:
    return [re.sub(r"[<>.\s]", "", n) for n, _ in help_entries(help_sections(text).get("ARGUMENTS", []))]


def env_and_default(description: str) -> tuple[list[str], str | None]:
    """The variables of '(env: X, or Y and Z; default: D)' and D."""
    variables: list[str] = []
    default = None
    match = re.search(r"\(env: ([^;)]*)", description)
    if match:
        variables = re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", match.group(1))
    match = re.search(r"default: (.*)\)\s*$", description)
    if match:
        default = match.group(1).strip()
    return variables, default


def option_doc_problems(page: str, help_opts: dict[str, str], man_opts: dict[str, str]) -> list[str]:
    """Every environment variable and one-word default that --help gives an option is in its entry."""
    problems = []
    for option, description in help_opts.items():
        body = man_opts.get(option)
        if body is None:
            continue
        variables, default = env_and_default(description)
        for variable in variables:
            if not re.search(rf"(?<![A-Z_]){variable}(?![A-Z_])", body):
                problems.append(f"{page}: {option}: the environment variable {variable} is not mentioned")
        if default and " " not in default and default not in body:
            problems.append(f"{page}: {option}: the default {default!r} is not mentioned")
    return problems


# --- the comparisons, as functions of the texts (so that they can be shown to fail) -------------


def droverd_differences(help_text: str, page_text: str) -> list[str]:
    """What differs between `droverd --help` and droverd(8): options, arguments, the environment
    variables and defaults of each option. Empty when they agree."""
    page = Page(page_text, "droverd(8)")
    options_section = page.section("OPTIONS")
    helped, documented = help_options(help_text), page.options(options_section)
    problems = [f"{o}: in droverd --help, not in droverd(8)" for o in sorted(set(helped) - set(documented))]
    problems += [f"{o}: in droverd(8), not in droverd --help" for o in sorted(set(documented) - set(helped))]
    arguments = {tokens[1] for tokens, _ in Page.items(options_section, "Ar")}
    if set(help_arguments(help_text)) != arguments:
        problems.append(f"arguments: --help {sorted(help_arguments(help_text))}, droverd(8) {sorted(arguments)}")
    problems += option_doc_problems("droverd(8)", helped, documented)
    environment = "\n".join(page.section("ENVIRONMENT"))
    for description in helped.values():
        for variable in env_and_default(description)[0]:
            if not re.search(rf"^\.It Ev .*\b{variable}\b", environment, re.M):
                problems.append(f"{variable}: in droverd --help, not in droverd(8)'s ENVIRONMENT")
    return problems


def droverctl_differences(helps: dict[str, str], page_text: str) -> list[str]:
    """What differs between droverctl's --help texts ('' for droverctl itself, else a
    subcommand's) and droverctl(1). Empty when they agree."""
    page = Page(page_text, "droverctl(1)")
    subcommands = [name for name, _ in help_entries(help_sections(helps[""])["SUBCOMMANDS"])
                   if not name.startswith("See ")]
    options = {command: help_options(text) for command, text in helps.items()}
    all_options = {option for per_command in options.values() for option in per_command}
    documented = page.options()
    commands_section = page.section("COMMANDS")
    command_items = Page.items(commands_section, "Cm")
    entries = {unescape(tokens[1]): tokens for tokens, _ in command_items}

    problems = [f"{c}: a subcommand missing from droverctl(1)" for c in subcommands if c not in entries]
    problems += [f"{c}: a command of droverctl(1) that droverctl --help does not list"
                 for c in sorted(set(entries) - set(subcommands) - SUBCOMMANDS_HIDDEN_IN_HELP)]
    problems += [f"{o}: in droverctl --help, not in droverctl(1)" for o in sorted(all_options - set(documented))]
    problems += [f"{o}: in droverctl(1), not in droverctl --help"
                 for o in sorted(set(documented) - all_options - DROVERCTL_HIDDEN_OPTIONS)]

    # Each subcommand's arguments in its head, its own options (those not every subcommand has)
    # inside its entry.
    common = set.intersection(*(set(options[c]) for c in subcommands if c in options))
    heads = [tokens for tokens, _ in command_items]
    for command in subcommands:
        if command not in entries or command not in helps:
            continue
        tokens = entries[command]
        man_arguments = [a.lower() for a in macro_arguments(tokens, "Ar")]
        if man_arguments != [a.lower() for a in help_arguments(helps[command])]:
            problems.append(f"droverctl {command}: arguments {man_arguments}, --help {help_arguments(helps[command])}")
        start = page.lines.index(".It " + " ".join(tokens))
        index = heads.index(tokens)
        end = (page.lines.index(".It " + " ".join(heads[index + 1]), start)
               if index + 1 < len(heads) else len(page.lines))
        own = set(options[command]) - common
        in_entry = set(page.options(page.lines[start:end]))
        problems += [f"droverctl {command} {o}: not in its entry of droverctl(1)" for o in sorted(own - in_entry)]

    merged = {option: d for per_command in options.values() for option, d in per_command.items()}
    problems += option_doc_problems("droverctl(1)", merged, documented)
    return problems


def drop_item(text: str, head: str) -> str:
    """`text` without the `.It` item whose head line is `head` (up to the next .It/.El)."""
    lines = text.splitlines()
    start = lines.index(head)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith((".It", ".El")))
    return "\n".join(lines[:start] + lines[end:]) + "\n"


def drop_help_entry(text: str, option: str) -> str:
    """`text` (a --help) without the entry of `option` and its continuation lines."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^  {re.escape(option)}\b", line))
    end = start + 1
    while end < len(lines) and lines[end].startswith("   "):
        end += 1
    return "\n".join(lines[:start] + lines[end:]) + "\n"


# --- mandoc -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def manpath(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manual tree with our pages and its mandoc.db, so that mandoc resolves our .Xr references."""
    root = tmp_path_factory.mktemp("man")
    for page in PAGES:
        section = root / f"man{page.name.rsplit('.', 1)[1]}"
        section.mkdir(exist_ok=True)
        shutil.copy(page, section)
    run("makewhatis", root)
    return root


def installed_manual(name: str, section: str) -> bool:
    return run("man", "-w", section, name, check=False, env=dict(os.environ, MANPATH="")).returncode == 0


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_mandoc_lint_is_clean(page: Path, manpath: Path) -> None:
    """mandoc -T lint: no error and no warning at all; no style message either, but for a reference
    to a manual of another package that is not installed here (checked with man -w). mandoc also
    notes that the system's mandoc.db is older than its pages: that is about this machine."""
    result = run("mandoc", "-T", "lint", "-W", "warning", page, check=False)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr

    result = run("mandoc", "-T", "lint", "-W", "style", "-m", manpath, page, check=False)
    problems = []
    for line in (result.stdout + result.stderr).splitlines():
        outdated = re.search(r"outdated mandoc\.db lacks (\S+)\((\w+)\) entry, run makewhatis (\S+)$", line)
        if outdated and outdated.group(1) not in OUR_PAGES and outdated.group(3) != str(manpath):
            continue
        missing = re.search(r"STYLE: referenced manual not found: Xr (\S+) (\w+)", line)
        if missing and missing.group(1) not in OUR_PAGES and not installed_manual(missing.group(1), missing.group(2)):
            continue
        if line.strip():
            problems.append(line)
    assert problems == [], "\n".join(problems)
    assert result.returncode <= 1, result.stdout + result.stderr  # 1: style messages only


def test_mandoc_lint_catches_mistakes(tmp_path: Path) -> None:
    text = (MAN / "droverd.8").read_text()
    for mistake, level in [
        (text.replace("\n.Pp\n", "\n\n", 1), "WARNING: blank line in fill mode"),  # a blank line
        (text.replace(".El\n.Sh SIGNALS", ".Sh SIGNALS", 1), "ERROR: inserting missing end of block"),
    ]:
        broken = tmp_path / "droverd.8"
        broken.write_text(mistake)
        result = run("mandoc", "-T", "lint", "-W", "warning", broken, check=False)
        assert result.returncode >= 2 and level in result.stdout + result.stderr, result.stdout + result.stderr


def test_every_page_is_mdoc_with_its_own_name() -> None:
    assert {p.name for p in PAGES} == {
        "droverd.8", "droverctl.1", "drover.toml.5", "drover-protocol.7", "drover-worker.1"
    }
    for page in PAGES:
        text = page.read_text()
        name, section = page.name.rsplit(".", 1)
        assert re.search(rf"^\.Dt {re.escape(name.upper())} {section}$", text, re.M), page.name
        assert re.search(rf"^\.Nm {re.escape(name)}$", text, re.M), page.name


def test_cross_references_to_drover_pages_exist() -> None:
    for page in PAGES:
        for name, section in re.findall(r"^\.Xr (drover\S*) (\d)", page.read_text(), re.M):
            assert (MAN / f"{name}.{section}").is_file(), f"{page.name} refers to {name}({section})"


# --- man <-> --help ---------------------------------------------------------------------------


def help_exit_statuses(help_text: str) -> set[str]:
    """The statuses of the 'Exit status: 0 stopped, 1 ..., 2 ...' paragraph of a --help."""
    match = re.search(r"Exit status: (.*?)(?:\n\n|$)", help_text, re.S)
    assert match, help_text
    return set(re.findall(r"(?:^|, |; )(\d+) ", match.group(1).replace("\n", " ")))


def test_droverd_man_page_matches_help(droverd: Path) -> None:
    help_text = run(droverd, "--help").stdout
    assert len(help_options(help_text)) > 30, help_text  # the parser found the options
    assert droverd_differences(help_text, (MAN / "droverd.8").read_text()) == []
    # The signals and exit statuses the help's summary names have their entries.
    page = Page.read("droverd.8")
    summary = re.search(r"Signals: (.*?)\nConfiguration", help_text, re.S)
    assert summary, help_text
    signals = set(re.findall(r"\b(TERM|INT|QUIT|HUP|TTIN|TTOU|USR1|USR2|WINCH|CHLD)\b", summary.group(1)))
    heads = " ".join(line for line in page.section("SIGNALS") if line.startswith(".It Dv"))
    assert len(signals) >= 7 and [s for s in sorted(signals) if not re.search(rf"\b{s}\b", heads)] == []
    assert {"0", "1", "2", "3"} <= help_exit_statuses(help_text) <= page.exit_statuses()


def test_droverd_comparison_catches_differences(droverd: Path) -> None:
    help_text = run(droverd, "--help").stdout
    page = (MAN / "droverd.8").read_text()
    without = drop_item(page, ".It Fl \\-max\\-requests\\-jitter Ar N")
    assert droverd_differences(help_text, without) == ["--max-requests-jitter: in droverd --help, not in droverd(8)"]
    extra = page.replace(".It Fl \\-version\n", ".It Fl \\-frobnicate\nFrobnicates.\n.It Fl \\-version\n", 1)
    assert droverd_differences(help_text, extra) == ["--frobnicate: in droverd(8), not in droverd --help"]
    assert droverd_differences(drop_help_entry(help_text, "--pid"), page) == ["--pid: in droverd(8), not in droverd --help"]
    no_env = page.replace(".Ev GRACEFUL_TIMEOUT .\nDefault: 120.", "Default: 120.", 1)
    assert droverd_differences(help_text, no_env) == [
        "droverd(8): --graceful-timeout: the environment variable GRACEFUL_TIMEOUT is not mentioned"
    ]


def droverctl_helps(droverctl: Path) -> dict[str, str]:
    helps = {"": run(droverctl, "--help").stdout}
    for name, _ in help_entries(help_sections(helps[""])["SUBCOMMANDS"]):
        if not name.startswith("See "):
            helps[name] = run(droverctl, name, "--help").stdout
    return helps


def test_droverctl_man_page_matches_help(droverctl: Path) -> None:
    helps = droverctl_helps(droverctl)
    assert len(helps) >= 10, list(helps)  # droverctl and its 9 subcommands
    assert droverctl_differences(helps, (MAN / "droverctl.1").read_text()) == []
    assert {"0", "1", "2", "3"} <= help_exit_statuses(helps[""]) <= Page.read("droverctl.1").exit_statuses()
    # The documented extras work.
    assert "USAGE: droverctl status" in run(droverctl, "help", "status").stdout
    for shell in ("bash", "zsh", "fish"):
        assert run(droverctl, "--generate-completion-script", shell).stdout.strip()


def test_droverctl_comparison_catches_differences(droverctl: Path) -> None:
    helps = droverctl_helps(droverctl)
    page = (MAN / "droverctl.1").read_text()
    assert droverctl_differences(helps, drop_item(page, ".It Cm reopen\\-logs")) == [
        "reopen-logs: a subcommand missing from droverctl(1)"
    ]
    assert droverctl_differences(helps, drop_item(page, ".It Fl \\-ready")) == [
        "--ready: in droverctl --help, not in droverctl(1)",
        "droverctl status --ready: not in its entry of droverctl(1)",
    ]
    assert droverctl_differences(dict(helps, status=drop_help_entry(helps["status"], "--ready")), page) == [
        "--ready: in droverctl(1), not in droverctl --help"
    ]
    renamed = page.replace(".It Cm scale Ar pool count", ".It Cm scale Ar pool", 1)
    assert droverctl_differences(helps, renamed) == ["droverctl scale: arguments ['pool'], --help ['pool', 'count']"]


def test_drover_worker_man_page_matches_help(app_python: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO / "python"))
    text = run(app_python, "-m", "drover_worker", "--help", env=env).stdout
    block = text.split("\noptions:\n", 1)[1]
    helped = {
        option for line in block.splitlines() if re.match(r"^  -", line)
        for option in option_names(re.split(r"\s{2,}", line.strip())[0])
    }
    page = Page.read("drover-worker.1")
    documented = set(page.options(page.section("OPTIONS")))
    assert len(helped) > 15, helped
    assert sorted(helped - documented) == [], "in drover-worker --help, not in drover-worker(1)"
    assert sorted(documented - helped) == [], "in drover-worker(1), not in drover-worker --help"


# --- exit statuses ------------------------------------------------------------------------------


def test_droverd_exit_statuses_are_the_documented_ones(droverd: Path, droverctl: Path, tmp_path: Path) -> None:
    documented = Page.read("droverd.8").exit_statuses()
    assert {"0", "1", "2", "3"} <= documented, documented
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    control = ["--control-socket", tmp_path / "control.sock"]

    def status(*arguments: str | Path, timeout: int = 60) -> int:
        return run(droverd, *arguments, check=False, cwd=tmp_path, env=env, timeout=timeout).returncode

    assert status("--frobnicate") == 2  # usage
    assert status("-w", "0", "--launcher", "/bin/true", "main:app") == 2  # bad configuration
    assert status("--check-config", "-w", "0", "--launcher", "/bin/true", "main:app") == 1
    assert status("--check-config", "--launcher", "/bin/true", "main:app") == 0
    with socket.socket() as taken:  # could not run: the port is in use
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert status("-b", f"127.0.0.1:{port}", *control, "-k", "command", "--", "/bin/sleep", "60") == 1
    # A pool that cannot start: its only worker fails three times.
    assert status("-b", "127.0.0.1:0", *control, "-w", "1", "-k", "command", "--wait-ready", "--", "/bin/false") == 3
    # Stopped: 0 (SIGTERM once the worker runs).
    process = subprocess.Popen([droverd, "-b", "127.0.0.1:0", *control, "-w", "1", "-k", "command", "--no-wait-ready", "--",
                                "/bin/sleep", "60"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None and run(
            droverctl, "--socket", control[1], "status", "--ready", check=False
        ).returncode != 0:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # A failing prestart script's own status.
    (tmp_path / "prestart.sh").write_text("exit 42\n")
    assert status("--launcher", "/bin/true", "main:app") == 42


def test_droverctl_exit_statuses_are_the_documented_ones(droverctl: Path, tmp_path: Path) -> None:
    assert {"0", "1", "2", "3"} <= Page.read("droverctl.1").exit_statuses()
    assert run(droverctl, "frobnicate", check=False).returncode == 2
    assert run(droverctl, "stop", "slowly", "--socket", tmp_path / "x.sock", check=False).returncode == 2
    result = run(droverctl, "--socket", tmp_path / "nothing.sock", "status", check=False)
    assert result.returncode == 3 and "no droverd is running" in result.stderr, result.stderr


# --- drover.toml(5) <-> droverd -----------------------------------------------------------------


def documented_keys(section: str) -> set[str]:
    page = Page.read("drover.toml.5")
    return {unescape(k) for tokens, _ in Page.items(page.section(section), "Ic") for k in macro_arguments(tokens, "Ic")}


def check_config(droverd: Path, directory: Path, text: str, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
    (directory / "drover.toml").write_text(text)
    stub = directory / "bin"
    stub.mkdir(exist_ok=True)
    (stub / "drover-worker").write_text("#!/bin/sh\nexit 0\n")
    (stub / "drover-worker").chmod(0o755)
    env = {"PATH": f"{stub}:/usr/bin:/bin", "HOME": str(directory), "LANG": "C.UTF-8"}
    return run(droverd, "--check-config", "-c", directory / "drover.toml", *arguments,
               cwd=directory, env=env, check=False)


def accepted(droverd: Path, directory: Path, key: str, pool: bool) -> bool:
    """Whether droverd knows `key` (at the top level, or in a pool table): a value of the wrong
    type gives a type error for a known key and 'unknown key' for any other."""
    text = f"[pools.p]\n{key} = [1]\n" if pool else f"{key} = [1]\n"
    result = check_config(droverd, directory, text)
    assert result.returncode != 0 or key == "env", (key, result.stdout)
    return "unknown key" not in result.stderr


def test_drover_toml_man_page_lists_every_key(droverd: Path, tmp_path: Path) -> None:
    # The candidates: every setting --check-config reports a source for, and the pool-only keys.
    report = check_config(droverd, tmp_path, "", "--launcher", "/bin/true", "main:app")
    assert report.returncode == 0, report.stderr
    settings = set(json.loads(report.stdout)["sources"])
    candidates = settings | {"env", "kind", "command", "app"}
    top_level = {key for key in candidates if accepted(droverd, tmp_path, key, pool=False)}
    pool_keys = {key for key in candidates if accepted(droverd, tmp_path, key, pool=True)}
    documented_top, documented_pool = documented_keys("TOP-LEVEL KEYS"), documented_keys("POOLS")

    assert len(top_level) > 25 and len(pool_keys) > 15, (top_level, pool_keys)
    assert sorted(top_level - documented_top) == [], "keys droverd accepts, missing from drover.toml(5)"
    assert sorted(pool_keys - documented_pool) == [], "pool keys droverd accepts, missing from drover.toml(5)"
    for key in documented_top:
        assert accepted(droverd, tmp_path, key, pool=False), f"drover.toml(5) lists {key}: droverd rejects it"
    for key in documented_pool:
        assert accepted(droverd, tmp_path, key, pool=True), f"drover.toml(5) lists pools.NAME.{key}: rejected"
    # The settings the file cannot hold are named as such, by their options.
    text = unescape("\n".join(Page.read("drover.toml.5").section("TOP-LEVEL KEYS")))
    for key in sorted(settings - top_level):
        flag = key.replace("_", "-")
        assert re.search(rf"(Fl -|--){re.escape(flag)}\b", text), \
            f"{key}: not settable in the file, and drover.toml(5) does not say so"


def test_drover_toml_man_page_examples_are_valid(droverd: Path, tmp_path: Path) -> None:
    lines = Page.read("drover.toml.5").section("EXAMPLES")
    blocks, current = [], None
    for line in lines:
        if line.startswith(".Bd -literal"):
            current = []
        elif line.startswith(".Ed"):
            blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(unescape(line))
    assert len(blocks) >= 2
    for block in blocks:
        result = check_config(droverd, tmp_path, block)
        assert result.returncode == 0, f"{result.stderr}\n{block}"


# --- the package ------------------------------------------------------------------------------


def control_fields(deb: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in run("dpkg-deb", "-f", deb).stdout.splitlines():
        if line and not line[0].isspace() and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def test_control_file(deb: Path, version: str) -> None:
    arch = run("dpkg", "--print-architecture").stdout.strip()
    assert deb.name == f"drover_{version}_{arch}.deb"
    fields = control_fields(deb)
    assert (fields["Package"], fields["Version"], fields["Architecture"]) == ("drover", version, arch)
    depends = [d.strip().split()[0] for d in fields["Depends"].split(",")]
    for package in ("libc6", "libsystemd0", "libstdc++6", "libgcc-s1", "python3"):
        assert package in depends, fields["Depends"]
    installed_size = int(fields["Installed-Size"])
    contents = run("dpkg-deb", "-c", deb).stdout
    total = sum(int(line.split()[2]) for line in contents.splitlines())
    assert abs(installed_size - total / 1024) < total / 1024 * 0.1 + 64, (installed_size, total)


LINTIAN = ["lintian", "-EIL", "+pedantic", "--display-experimental", "--show-overrides", "--tag-display-limit", "0"]


def test_lintian(deb: Path) -> None:
    """No error, no warning; every other tag (info, pedantic, experimental) either fixed or
    overridden in packaging/debian/lintian-overrides with its reason; no override left unused.
    The tags, overridden ones included (O:), are printed for the record (pytest -rA or -s)."""
    result = run(*LINTIAN, deb, check=False, timeout=600)
    tags = [line for line in result.stdout.splitlines() if re.match(r"^[EWIPXO]: ", line)]
    print("\n".join(tags) or "lintian: no tags")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [t for t in tags if t.startswith(("E:", "W:"))] == []
    assert [t for t in tags if t.startswith(("I:", "P:", "X:"))] == [], "fix these or override them, with a reason"
    # Overridden spelling errors are the statically linked libraries' words, never Drover's.
    sources = "\n".join(p.read_text(errors="replace") for p in (REPO / "Sources").rglob("*") if p.is_file())
    for tag in tags:
        match = re.match(r"^O: \S+ spelling-error-in-binary (\S+) ", tag)
        if match:
            assert not re.search(rf"\b{re.escape(match.group(1))}\b", sources), f"a typo of Drover's own: {tag}"


def test_lintian_overrides_are_explained_and_used(deb: Path, tmp_path: Path) -> None:
    """Each override has a comment above it, and lintian reports an override that matches nothing."""
    lines = (REPO / "packaging/debian/lintian-overrides").read_text().splitlines()
    for index, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            above = index - 1
            while above >= 0 and lines[above].startswith(lines[index].split()[0]):
                above -= 1
            assert above >= 0 and lines[above].startswith("#"), f"no comment explains: {line}"
    # The check above (no I: tag left) also fails on an unused override: show it with a bogus one.
    tree = tmp_path / "tree"
    run("dpkg-deb", "-R", deb, tree)
    overrides = tree / "usr/share/lintian/overrides/drover"
    overrides.write_text(overrides.read_text() + "\n# bogus\nbinary-without-manpage [usr/bin/nothing]\n")
    run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", tree, tmp_path / "drover.deb")
    output = run(*LINTIAN, tmp_path / "drover.deb", check=False, timeout=600).stdout
    assert re.search(r"^I: drover: unused-override binary-without-manpage", output, re.M), output


EXPECTED_FILES = [
    "usr/bin/droverd",
    "usr/bin/droverctl",
    "usr/bin/drover-worker",
    "usr/lib/python3/dist-packages/drover_worker/__main__.py",
    "usr/lib/python3/dist-packages/drover_worker/worker.py",
    "usr/share/man/man1/droverctl.1.gz",
    "usr/share/man/man1/drover-worker.1.gz",
    "usr/share/man/man5/drover.toml.5.gz",
    "usr/share/man/man7/drover-protocol.7.gz",
    "usr/share/man/man8/droverd.8.gz",
    *COMPLETIONS.values(),
    *(f"lib/systemd/system/{unit}" for unit in UNITS),
    "etc/drover/drover.toml",
    "usr/share/doc/drover/copyright",
    "usr/share/doc/drover/changelog.gz",
    "usr/share/doc/drover/README.Debian",
    "usr/share/doc/drover/examples/drover.toml",
]


def test_installs_into_a_scratch_root(scratch_root: Path, version: str) -> None:
    for path in EXPECTED_FILES:
        assert (scratch_root / path).is_file(), path
    status = run("dpkg-query", f"--admindir={scratch_root}/var/lib/dpkg", "-W",
                 "-f=${Status} ${Version}\n${Conffiles}\n", "drover").stdout
    assert status.startswith(f"install ok installed {version}"), status
    assert re.search(r"^ /etc/drover/drover\.toml [0-9a-f]{32}$", status, re.M), status
    assert (scratch_root / "etc/drover/drover.toml").read_text() == (REPO / "packaging/debian/drover.toml").read_text()
    assert (scratch_root / "usr/share/doc/drover/examples/drover.toml").read_text() == \
        (REPO / "examples/drover.toml").read_text()
    for unit in UNITS:
        assert (scratch_root / "lib/systemd/system" / unit).read_text() == (REPO / "packaging/systemd" / unit).read_text()
    for name in ("droverd", "droverctl", "drover-worker"):
        assert os.access(scratch_root / "usr/bin" / name, os.X_OK), name
    changelog = gzip.decompress((scratch_root / "usr/share/doc/drover/changelog.gz").read_bytes())
    assert changelog.startswith(f"drover ({version})".encode())
    # The maintainer scripts ran with DPKG_ROOT: no byte-compiled files, nothing outside the root.
    assert not list(scratch_root.glob("usr/lib/python3/dist-packages/drover_worker/__pycache__"))


def test_installed_programs_run(scratch_root: Path, version: str) -> None:
    for program in ("droverd", "droverctl"):
        path = scratch_root / "usr/bin" / program
        assert run(path, "--version").stdout.strip() == version
        assert "not found" not in run("ldd", path).stdout  # Depends covers every library


def test_launcher_is_where_debians_python3_finds_it(scratch_root: Path, version: str) -> None:
    where = "/usr/lib/python3/dist-packages"
    python3 = "/usr/bin/python3"
    path = json.loads(run(python3, "-c", "import json, sys; print(json.dumps(sys.path))").stdout)
    assert where in path, path
    # The installed module, imported by Debian's python3 from the scratch root's copy of that directory.
    env = dict(os.environ, PYTHONPATH=str(scratch_root / where.lstrip("/")))
    found = run(python3, "-c", "import drover_worker as d; print(d.__file__, d.__version__)", env=env).stdout.split()
    assert found == [str(scratch_root / where.lstrip("/") / "drover_worker/__init__.py"), version], found


@pytest.mark.parametrize("page", [f"man{p.name.rsplit('.', 1)[1]}/{p.name}.gz" for p in PAGES])
def test_installed_man_pages_render(scratch_root: Path, page: str) -> None:
    path = scratch_root / "usr/share/man" / page
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MANPAGER="cat", PAGER="cat")
    result = run("man", "--warnings", "-E", "UTF-8", "-l", path, env=env)
    name = page.split("/")[1].rsplit(".", 2)[0]
    assert result.stderr == ""
    assert re.search(rf"^NAME\n\s+{re.escape(name)} (-|\u2014) ", result.stdout, re.M), result.stdout[:500]
    assert len(result.stdout.splitlines()) > 40


def test_units_name_installed_programs_and_pages(scratch_root: Path) -> None:
    for unit in UNITS:
        text = (scratch_root / "lib/systemd/system" / unit).read_text()
        for program in re.findall(r"^Exec\w+=[-@:+!]*(\S+)", text, re.M):
            assert (scratch_root / program.lstrip("/")).is_file(), f"{unit}: {program}"
        for name, section in re.findall(r"man:([\w.-]+)\((\d)\)", text):
            assert (scratch_root / f"usr/share/man/man{section}/{name}.{section}.gz").is_file(), f"{unit}: {name}"


def test_conffile_works_with_the_units(scratch_root: Path, tmp_path: Path) -> None:
    """/etc/drover/drover.toml is valid and names no instance: the units' `droverctl reload` and a
    plain `droverctl status` look for the default instance's socket."""
    droverd = scratch_root / "usr/bin/droverd"
    result = run(droverd, "--check-config", "-c", scratch_root / "etc/drover/drover.toml",
                 "--launcher", "/bin/true", cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    config = json.loads(result.stdout)["config"]
    assert config["name"] == "drover"
    assert [pool["name"] for pool in config["pools"]] == ["web"]
    unit = (scratch_root / "lib/systemd/system/drover.service").read_text()
    assert "ExecStart=/usr/bin/droverd -c /etc/drover/drover.toml\n" in unit
    assert "ExecReload=/usr/bin/droverctl reload\n" in unit


def test_installed_droverd_serves_the_example_app(scratch_root: Path, app_python: Path, tmp_path: Path) -> None:
    """The installed droverd, droverctl and launcher serve examples/hello; DROVER_PYTHON names the
    python with Uvicorn, as README.Debian says for an app's virtual environment."""
    usr_bin = scratch_root / "usr/bin"
    control = tmp_path / "drover.sock"
    env = dict(os.environ, DROVER_PYTHON=str(app_python),
               PYTHONPATH=str(scratch_root / "usr/lib/python3/dist-packages"),
               PATH=f"{usr_bin}:/usr/bin:/bin")
    for name in ("WEB_CONCURRENCY", "BIND", "HOST", "PORT", "DROVER_ARGS", "GUNICORN_CMD_ARGS", "DROVER_CONF",
                 "APP_MODULE", "MODULE_NAME", "VARIABLE_NAME", "NOTIFY_SOCKET", "LISTEN_FDS"):
        env.pop(name, None)
    log_path = tmp_path / "droverd.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [usr_bin / "droverd", "-w", "1", "-b", "127.0.0.1:0", "--control-socket", control,
             "--chdir", REPO / "examples/hello", "--graceful-timeout", "5", "main:app"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        port = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log_path.read_text())
            if match and run(usr_bin / "droverctl", "--socket", control, "status", "--ready", check=False).returncode == 0:
                port = int(match.group(1))
                break
            time.sleep(0.2)
        assert port, log_path.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {"message": "Hello World!"}
        status = json.loads(run(usr_bin / "droverctl", "--socket", control, "status", "--json").stdout)
        worker = status["result"]["pools"][0]["workers"][0]
        assert worker["state"] == "ready", status
        # The worker is the packaged /usr/bin/drover-worker, which ran `$DROVER_PYTHON -m drover_worker`.
        command_line = Path(f"/proc/{worker['pid']}/cmdline").read_bytes().split(b"\0")
        assert command_line[:3] == [str(app_python).encode(), b"-m", b"drover_worker"], command_line
        run(usr_bin / "droverctl", "--socket", control, "stop")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_remove_keeps_the_conffile_and_purge_removes_it(deb: Path, tmp_path: Path) -> None:
    root = empty_root(tmp_path / "root")
    dpkg = dpkg_command(root)
    run(*dpkg, "-i", deb)
    (root / "etc/drover/drover.toml").write_text("workers = 3\n")  # an admin's edit
    run(*dpkg, "-i", deb)  # reinstalling (as an upgrade) keeps the edit
    assert (root / "etc/drover/drover.toml").read_text() == "workers = 3\n"
    run(*dpkg, "-r", "drover")
    assert not (root / "usr/bin/droverd").exists()
    assert not (root / "usr/share/man/man8/droverd.8.gz").exists()
    assert (root / "etc/drover/drover.toml").read_text() == "workers = 3\n"  # a conffile stays
    run(*dpkg, "-P", "drover")
    assert not (root / "etc/drover/drover.toml").exists()


# --- completions ------------------------------------------------------------------------------


def test_completions_are_generated_and_non_empty(scratch_root: Path, droverctl: Path) -> None:
    helps = droverctl_helps(droverctl)
    subcommands = [name for name in helps if name]
    for shell, path in COMPLETIONS.items():
        text = (scratch_root / path).read_text()
        assert len(text) > 1000, shell
        generated = run(droverctl, "--generate-completion-script", shell).stdout
        assert text.strip() == re.sub(r"\A#!.*\n", "", generated).strip(), f"{shell}: not what droverctl generates"
        for word in [*subcommands, "socket", "json", "ready"]:
            assert re.search(rf"\b{re.escape(word)}\b", text), f"{shell} completion does not mention {word}"
    assert (scratch_root / COMPLETIONS["zsh"]).read_text().startswith("#compdef droverctl")
    assert not (scratch_root / COMPLETIONS["bash"]).read_text().startswith("#!")
    assert "complete -c 'droverctl'" in (scratch_root / COMPLETIONS["fish"]).read_text()


def bash_complete(script: Path, words: list[str]) -> list[str]:
    """What the bash completion offers for `words` (the last one being completed)."""
    line = " ".join(words)
    program = (
        "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); "
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}; "
        "_droverctl droverctl \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"; "
        "printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    return run("bash", "-c", program, "bash", script, *words).stdout.split()


def test_bash_completion_completes(scratch_root: Path, droverctl: Path) -> None:
    script = scratch_root / COMPLETIONS["bash"]
    subcommands = [name for name in droverctl_helps(droverctl) if name]
    assert set(subcommands) <= set(bash_complete(script, ["droverctl", ""]))
    assert bash_complete(script, ["droverctl", "reo"]) == ["reopen-logs"]
    assert "--ready" in bash_complete(script, ["droverctl", "status", "--"])


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, *sys.argv[1:]]))
