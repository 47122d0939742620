#!/usr/bin/env python3
"""The newcomer walkthrough of tasks/README.md, run verbatim.

Extracts every ```sh block between the `<!-- walkthrough:begin` and
`<!-- walkthrough:end` markers of the README and runs them, in order, in one
bash (set -e, pipefail: every command must exit 0), in a fresh temp folder that
holds the data the walkthrough describes (make_reviews.py), with the given
`scaffold` first on PATH, HOME and SCAFFOLD_DATA inside the temp folder (never
the user's cache) and no other SCAFFOLD_* variable (SCAFFOLD_HOME unset: the
walkthrough works outside the repository). Then checks:

  - a fenced block after `<!-- walkthrough:output -->` matches the output of the
    sh block before it, and one after `<!-- walkthrough:file PATH -->` the lines
    of that file: each line, in order ("..." skips any number of lines);
  - the results: `scaffold compare --csv` wrote a row per explainer (at least 4:
    three explainers and none); the `none` students left chance: their mean test
    simulatability is at least MARGIN above the largest constant-student share
    their logs print (`chance ... (a constant student)`), and none is marked at
    chance; the report HTML exists and holds an <svg> chart.

Fails (exit 1) naming the README line of the block or the check that broke.
usage: walkthrough.py SCAFFOLD_BINARY [--readme tasks/README.md] [--keep]
"""
import argparse
import csv
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BEGIN, END = "<!-- walkthrough:begin", "<!-- walkthrough:end"
# What the walkthrough's commands write (the README names them; a change there must change these).
COMPARE_CSV = "results/study/compare.csv"
REPORT_HTML = "results/study/report.html"
NONE_LOGS = "results/study/runs/*/none/n*/seed*/log.txt"
MIN_EXPLAINERS = 4       # three explainers and none
MARGIN = 0.10            # "clearly above chance": 10 points of agreement
TIMEOUT = 900            # seconds for all the commands (a hung run must not hang the suite)


class Failure(Exception):
    pass


def parse(readme):
    """The walkthrough's blocks: ('sh', line, text) and ('output' | 'file', line, text, path)."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith(BEGIN)]
    ends = [i for i, l in enumerate(lines) if l.startswith(END)]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise Failure(f"{readme}: expected one '{BEGIN}' marker followed by one '{END}'")
    blocks, pending, i = [], None, starts[0] + 1
    while i < ends[0]:
        line = lines[i]
        m = re.match(r"<!-- walkthrough:(output|file)\s*(\S*)\s*-->$", line)
        if m:
            pending = (m.group(1), i + 1, m.group(2))
        elif line.lstrip().startswith("```"):
            if line != line.lstrip():
                raise Failure(f"{readme} line {i + 1}: an indented fence in the walkthrough (the runner reads "
                              f"fences at the start of a line only)")
            lang, j = line[3:].strip(), i + 1
            while j < ends[0] and lines[j] != "```":
                j += 1
            if j == ends[0]:
                raise Failure(f"{readme} line {i + 1}: a fence that does not close before the end marker")
            text = "\n".join(lines[i + 1:j])
            if lang == "sh":
                if pending:
                    raise Failure(f"{readme} line {pending[1]}: a walkthrough:{pending[0]} marker before a sh block")
                if "&&" in text or "||" in text:
                    raise Failure(f"{readme} line {i + 1}: && or || in a walkthrough command (it would hide "
                                  f"an exit status)")
                blocks.append(("sh", i + 1, text))
            elif pending:
                blocks.append((pending[0], i + 1, text, pending[2]))
            pending, i = None, j
        i += 1
    if not any(b[0] == "sh" for b in blocks):
        raise Failure(f"{readme}: no ```sh block between the walkthrough markers")
    return blocks


def script(blocks, logs):
    """One bash script: each sh block's output to its own log, its number to `current`."""
    out = ["set -eo pipefail"]
    for k, b in enumerate(blocks):
        if b[0] != "sh":
            continue
        out.append(f"echo {k} > '{logs}/current'")
        out.append("{\n" + b[2] + "\n} > '" + f"{logs}/block-{k}.log' 2>&1")
    return "\n".join(out) + "\n"


def env_for(tmp, scaffold):
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    os.symlink(scaffold, os.path.join(bindir, "scaffold"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCAFFOLD_")}
    env.update(PATH=bindir + os.pathsep + os.environ.get("PATH", ""), HOME=os.path.join(tmp, "home"),
               SCAFFOLD_DATA=os.path.join(tmp, "home", "data-cache"))
    os.makedirs(env["HOME"])
    return env


def expect_lines(want, got, what):
    """Every line of `want` in `got`, in order; '...' skips any number of lines."""
    have = [l.rstrip() for l in got.split("\n")]
    pos = 0
    for line in want.split("\n"):
        if line.strip() == "...":
            continue
        try:
            pos = have.index(line.rstrip(), pos) + 1
        except ValueError:
            raise Failure(f"{what}: this line is not there (or not in this order):\n  {line}\n--- what is there:\n"
                          + "\n".join(have[:80]))


def check_blocks(blocks, study, logs, readme):
    last_sh = None
    for k, b in enumerate(blocks):
        if b[0] == "sh":
            last_sh = k
        elif b[0] == "output":
            got = open(f"{logs}/block-{last_sh}.log", encoding="utf-8", errors="replace").read()
            expect_lines(b[2], got, f"{readme} line {b[1]}: the output of the sh block on line {blocks[last_sh][1]}")
        else:
            path = os.path.join(study, b[3])
            if not os.path.exists(path):
                raise Failure(f"{readme} line {b[1]}: {b[3]} does not exist after the walkthrough")
            expect_lines(b[2], open(path, encoding="utf-8").read(), f"{readme} line {b[1]}: {b[3]}")


def check_results(study):
    path = os.path.join(study, COMPARE_CSV)
    if not os.path.exists(path):
        raise Failure(f"{COMPARE_CSV} was not written (the walkthrough's `scaffold compare --csv`)")
    rows = {r["explainer"]: r for r in csv.DictReader(open(path))}
    if len(rows) < MIN_EXPLAINERS or "none" not in rows:
        raise Failure(f"{COMPARE_CSV}: rows {sorted(rows)}; want none and at least {MIN_EXPLAINERS - 1} explainers")
    chances = []
    for log in sorted(glob.glob(os.path.join(study, NONE_LOGS))):
        m = re.search(r"chance\s+([0-9.]+) \(a constant student\)", open(log).read())
        if not m:
            raise Failure(f"{log}: no 'chance ... (a constant student)' line")
        chances.append(float(m.group(1)))
    if not chances:
        raise Failure(f"no log of a `none` student ({NONE_LOGS})")
    none = rows["none"]
    mean, chance = float(none["mean"]), max(chances)
    print(f"none: test simulatability {mean:.3f} over {none['seeds']} seeds; a constant student {chance:.3f}")
    if mean < chance + MARGIN or int(none["at_chance"]) != 0:
        raise Failure(f"the `none` students did not leave chance: {mean:.3f} vs a constant student {chance:.3f} "
                      f"(want {MARGIN:.2f} more), {none['at_chance']} marked at chance")
    html = os.path.join(study, REPORT_HTML)
    if not os.path.exists(html) or "<svg" not in open(html, encoding="utf-8", errors="replace").read():
        raise Failure(f"{REPORT_HTML}: missing, or without an <svg> chart")


def run(args, tmp):
    readme = os.path.abspath(args.readme)
    blocks = parse(readme)
    study, logs = os.path.join(tmp, "study"), os.path.join(tmp, "logs")
    os.makedirs(logs)
    env = env_for(tmp, os.path.abspath(args.scaffold))
    subprocess.run([sys.executable, os.path.join(HERE, "make_reviews.py"), os.path.join(study, "data")], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(tmp, "walkthrough.sh"), "w") as f:
        f.write(script(blocks, logs))
    n_sh = sum(b[0] == "sh" for b in blocks)
    print(f"{readme}: {n_sh} sh blocks, {len(blocks) - n_sh} checked outputs; running in {study}")
    t0 = time.time()
    try:
        r = subprocess.run(["bash", os.path.join(tmp, "walkthrough.sh")], cwd=study, env=env, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure(f"the walkthrough's commands took more than {TIMEOUT} s")
    if r.returncode:
        k = int(open(f"{logs}/current").read())
        log = open(f"{logs}/block-{k}.log", encoding="utf-8", errors="replace").read()
        raise Failure(f"{readme} line {blocks[k][1]}: a command of this block exited {r.returncode}:\n"
                      f"{blocks[k][2]}\n--- its output (last 60 lines):\n" + "\n".join(log.split("\n")[-60:]))
    print(f"every command exited 0 ({time.time() - t0:.0f} s)")
    check_blocks(blocks, study, logs, readme)
    check_results(study)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scaffold")
    ap.add_argument("--readme", default=os.path.join(REPO, "tasks", "README.md"))
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = ap.parse_args()
    if not os.access(args.scaffold, os.X_OK):
        print(f"walkthrough: {args.scaffold} is not an executable", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="sc-walkthrough-")
    t0 = time.time()
    try:
        run(args, tmp)
    except Failure as e:
        print(f"walkthrough FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"walkthrough passed ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
