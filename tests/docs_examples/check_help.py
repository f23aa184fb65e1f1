#!/usr/bin/python3
"""Checks the `comity` help texts against what the docs say about the same things.

- docs/configuration.md's settings table against `comity serve --help`: every flag in
  the table is an option of `serve` and every option of `serve` (but --help and
  --config, described above the table) is in the table; where the help names a
  default, the table's default says the same ("one per core" in both, not 32 in one).
- `comity --help`'s one-line summary of a command with subcommands names every one of
  them (`policy` once said "check and dry-run" and had four).
- Every `comity CMD SUB` the docs and README show is a subcommand `comity CMD --help`
  lists.
- `comity feedback export --help` names every feedback source docs/moderation.md says
  the export writes (suggestscore and moderator decisions).
- The model file extension docs/model-format.md names is the bundled models'.

Usage: check_help.py /path/to/comity
"""

import glob
import os
import re
import subprocess
import sys

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}")


def help_text(binary, *command):
    run = subprocess.run([binary, *command, "--help"], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        fail(f"comity {' '.join(command)} --help exited {run.returncode}")
    return run.stdout


def options(help_out):
    """{"--flag": description} from a CLI11 help text (descriptions may wrap)."""
    found, current = {}, None
    section = None
    for line in help_out.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line
            current = None
            continue
        if section != "Options:":
            continue
        match = re.match(r"^  (-\S+(?:,-\S+)*)(?: \S+)*?(?: {2,}(.*))?$", line)
        if match and line.startswith("  -"):
            current = [f for f in match.group(1).split(",") if f.startswith("--")]
            for flag in current:
                found[flag] = (match.group(2) or "").strip()
        elif current and line.startswith("    "):
            for flag in current:
                found[flag] = (found[flag] + " " + line.strip()).strip()
    return found


def subcommands(help_out):
    """{"name": summary} of the Subcommands: section."""
    found, in_section = {}, False
    for line in help_out.splitlines():
        if re.match(r"^\S.*:$", line):
            in_section = line == "Subcommands:"
            continue
        match = re.match(r"^  (\S+) {2,}(.*)$", line)
        if in_section and match:
            found[match.group(1)] = match.group(2)
    return found


def normalise(text):
    text = text.replace("`", "")
    text = re.sub(r"^\$COMITY_\w+ or ", "", text.strip())
    return " ".join(w for w in text.split() if w != "the")


def help_default(description):
    """What a help description gives as its default ("(default: one per core)",
    "; default comity-data"), or None."""
    match = re.search(r"\bdefault:? ([^;)]*)", description)
    return normalise(match.group(1)) if match else None


def check_configuration_table(binary):
    with open(os.path.join(SOURCE_DIR, "docs", "configuration.md"), encoding="utf-8") as f:
        doc = f.read()
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in doc.splitlines() if line.startswith("| `") or line.startswith("| (")]
    documented = {}
    for cells in rows:
        if len(cells) < 5:
            continue
        for flag in re.findall(r"--[a-z][a-z0-9-]*", cells[2]):
            documented[flag] = cells[3]
    served = options(help_text(binary, "serve"))
    if not documented:
        fail("docs/configuration.md: no flags found in the settings table")
    for flag, default in documented.items():
        if flag not in served:
            fail(f"docs/configuration.md documents {flag}, which `comity serve --help` lacks")
            continue
        said = help_default(served[flag])
        if said is not None and said not in normalise(default):
            fail(f"{flag}: `serve --help` says the default is {said!r}, "
                 f"docs/configuration.md says {default!r}")
        else:
            print(f"ok   serve {flag}" + (f" (default {said!r})" if said else ""))
    for flag in served:
        if flag not in documented and flag not in ("--help", "--config"):
            fail(f"`comity serve --help` has {flag}, missing from docs/configuration.md's table")


def check_subcommand_summaries(binary):
    top = subcommands(help_text(binary))
    for command, summary in top.items():
        subs = subcommands(help_text(binary, command))
        if not subs:
            continue
        missing = [s for s in subs if not re.search(rf"\b{re.escape(s)}\b", summary, re.I)]
        if missing:
            fail(f"`comity --help` sums up {command} as {summary!r}, not naming {missing}")
        else:
            print(f"ok   {command}: the summary names {sorted(subs)}")
    return top


def check_documented_subcommands(binary, top):
    pages = glob.glob(os.path.join(SOURCE_DIR, "docs", "*.md")) + [
        os.path.join(SOURCE_DIR, "README.md")]
    listed = {}
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        for command, sub in re.findall(r"\bcomity ([a-z]+) ([a-z][a-z-]+)\b", text):
            if command not in top:
                continue
            if command not in listed:
                listed[command] = subcommands(help_text(binary, command))
            if listed[command] and sub not in listed[command]:
                fail(f"{os.path.relpath(page, SOURCE_DIR)} shows `comity {command} {sub}`, "
                     f"which `comity {command} --help` does not list")


def check_feedback_sources(binary):
    with open(os.path.join(SOURCE_DIR, "docs", "moderation.md"), encoding="utf-8") as f:
        doc = f.read()
    exported = help_text(binary, "feedback", "export") + help_text(binary, "feedback")
    for source in sorted(set(re.findall(r'source: "(\w+)"', doc)) | {"suggestscore"}):
        if source not in exported:
            fail(f"docs/moderation.md: the export writes source {source!r}; "
                 f"`comity feedback export --help` does not say so")
        else:
            print(f"ok   feedback export names source {source!r}")


def check_model_extension():
    with open(os.path.join(SOURCE_DIR, "docs", "model-format.md"), encoding="utf-8") as f:
        named = set(re.findall(r"`\*(\.\w+)`", f.read()))
    shipped = {os.path.splitext(p)[1] for p in glob.glob(os.path.join(SOURCE_DIR, "models", "*"))
               if not p.endswith((".md", ".json"))}
    if not named or named != shipped:
        fail(f"docs/model-format.md names model files {sorted(named)}, models/ holds {sorted(shipped)}")
    else:
        print(f"ok   model files are {sorted(named)}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_help.py /path/to/comity")
    binary = os.path.abspath(sys.argv[1])
    check_configuration_table(binary)
    top = check_subcommand_summaries(binary)
    check_documented_subcommands(binary, top)
    check_feedback_sources(binary)
    check_model_extension()
    print(f"help checks: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
