#!/usr/bin/env python3
"""build.docs: README.md and docs/ point only at things that exist.

For every Markdown file (README.md, docs/*.md):

  links        every relative link [text](path) resolves to a file or folder
               of the tree, and every anchor (#heading) to a heading of the
               file it names, as the forge makes heading anchors (lower case,
               punctuation dropped, spaces to dashes);
  functions    every `name()` in backquotes, outside fenced code blocks, is
               an identifier that occurs in the sources (kernel/, loader/,
               include/, tests/, scripts/), so a renamed function cannot
               leave the prose behind;
  paths        every backquoted path that names a file of the tree
               (`kernel/mm/pmm.c`, `scripts/bench`, or relative to kernel/
               like `proc/vm.c`) exists;
  how-tos      every ```sh, ```bash or ```console block in docs/howto/ is
               either run by build.docs-howto (tests/build/run_howtos.py) or
               preceded by <!-- not runnable: REASON -->; a block with
               neither (another shell-like language, a transcript with no
               command, a marker without its reason) is a problem
               (tests/build/howto_blocks.py has the rules). A how-to may
               name the files and functions its own runnable blocks create.

Each problem is printed with its file and line; any problem fails the check.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import howto_blocks  # noqa: E402

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
SOURCE_DIRS = ["kernel", "loader", "include", "tests", "scripts", "cmake"]
SOURCE_EXT = (".c", ".h", ".S", ".py", ".cmake", ".txt", "")
PATH_TOPS = ("kernel/", "loader/", "include/", "tests/", "scripts/", "docs/", "cmake/", ".ci/")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")
FUNC = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(\)$")
PATHLIKE = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)+/?$")


def slug(heading):
    """The anchor GitHub-style forges give a heading."""
    s = heading.strip().lower()
    s = re.sub(r"`", "", s)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)  # links: their text
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def headings(path):
    anchors, seen = set(), {}
    fenced = False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("```"):
                fenced = not fenced
            if fenced:
                continue
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                base = slug(m.group(1))
                n = seen.get(base, 0)
                anchors.add(base if n == 0 else "%s-%d" % (base, n))
                seen[base] = n + 1
    return anchors


def source_identifiers():
    idents = set()
    for d in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for name in files:
                if not name.endswith(SOURCE_EXT) and "." in name:
                    continue
                try:
                    with open(os.path.join(dirpath, name), errors="replace") as f:
                        idents.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", f.read()))
                except OSError:
                    pass
    return idents


def markdown_files():
    files = [os.path.join(ROOT, "README.md")]
    docs = os.path.join(ROOT, "docs")
    files += sorted(os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    return files + howto_blocks.howto_files(ROOT)


def howto_problems():
    """The how-tos' shell blocks: each runnable, or marked with a reason."""
    problems = []
    for md in howto_blocks.howto_files(ROOT):
        _, bad = howto_blocks.blocks(md)
        problems += ["%s:%d: %s" % (os.path.relpath(md, ROOT), line, msg) for line, msg in bad]
    if howto_blocks.howto_files(ROOT):
        with open(os.path.join(ROOT, "tests", "build", "CMakeLists.txt")) as f:
            if not re.search(r"add_test\(NAME build\.docs-howto\b[^)]*run_howtos\.py", f.read()):
                problems.append("tests/build/CMakeLists.txt: no build.docs-howto test runs "
                                "run_howtos.py, so no how-to block is run")
    return problems


def main():
    idents = source_identifiers()
    problems = []
    anchor_cache = {}
    for md in markdown_files():
        rel_md = os.path.relpath(md, ROOT)
        fenced = False
        with open(md, errors="replace") as f:
            lines = f.readlines()
        # A how-to may name what its own runnable blocks create (a new file,
        # a new function): build.docs-howto proves that they do.
        made = ""
        if md in howto_blocks.howto_files(ROOT):
            made = "".join(b.script() for b in howto_blocks.blocks(md)[0] if b.reason is None)
        made_idents = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", made))
        for no, line in enumerate(lines, 1):
            if line.startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                continue
            for m in LINK.finditer(line):
                target = m.group(1) or m.group(2)
                if re.match(r"^[a-z]+:", target):
                    continue  # http:, https:, mailto:
                path, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
                if not os.path.exists(dest):
                    problems.append("%s:%d: link to %s: no such file" % (rel_md, no, target))
                    continue
                if anchor and dest.endswith(".md"):
                    if dest not in anchor_cache:
                        anchor_cache[dest] = headings(dest)
                    if anchor not in anchor_cache[dest]:
                        problems.append("%s:%d: link to %s: no heading with that anchor in %s"
                                        % (rel_md, no, target, os.path.relpath(dest, ROOT)))
            for m in CODE.finditer(line):
                code = m.group(1).strip()
                f = FUNC.match(code)
                if f:
                    if f.group(1) not in idents and f.group(1) not in made_idents:
                        problems.append("%s:%d: `%s`: no such identifier in the sources"
                                        % (rel_md, no, code))
                    continue
                template = re.search(r"(^|/|_)[A-Z]{3,}", code)  # test_NAME.c: a pattern
                if PATHLIKE.match(code) and code.startswith(PATH_TOPS) and not template:
                    if not os.path.exists(os.path.join(ROOT, code)) and code not in made:
                        problems.append("%s:%d: `%s`: no such file" % (rel_md, no, code))
    problems += howto_problems()
    for p in problems:
        print("FAIL: " + p)
    if problems:
        print("%d problems in README.md and docs/" % len(problems))
        return 1
    print("ok: every link, anchor, function name and path in README.md and docs/ exists; "
          "every how-to shell block is run by build.docs-howto or says why not")
    return 0


if __name__ == "__main__":
    sys.exit(main())
