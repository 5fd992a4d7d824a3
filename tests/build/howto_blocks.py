"""The shell blocks of the how-tos (docs/howto/*.md), shared by build.docs
(check_docs.py: every block is runnable or says why not) and build.docs-howto
(run_howtos.py: runs the runnable ones).

A fenced block whose language is sh or bash is a script, run as it stands
from the top of the tree. A console block is a transcript: its lines that
start with "$ " are the commands (a trailing backslash continues one), the
rest is output and is not checked. A block that must not run says so, with
its reason, on the line before its fence (blank lines between are allowed):

    <!-- not runnable: boots QEMU and waits for you to type -->

Any other shell-like language (shell, zsh, shell-session) is refused, so a
block cannot slip past both checks by its spelling.
"""
import os
import re

RUNNABLE_LANGS = ("sh", "bash", "console")
SHELL_LIKE = RUNNABLE_LANGS + ("shell", "zsh", "shell-session", "shellsession", "sh-session")
MARKER = re.compile(r"^<!--\s*not runnable\s*:\s*(.*?)\s*-->\s*$")
LOOSE_MARKER = re.compile(r"not[ -_]?runnable", re.IGNORECASE)


class Block:
    def __init__(self, path, line, lang, text, reason):
        self.path, self.line, self.lang, self.text = path, line, lang, text
        self.reason = reason  # None: runnable; else why it is not

    def script(self):
        """The commands to run: the block itself, or a transcript's $ lines."""
        if self.lang != "console":
            return self.text
        out, cont = [], False
        for line in self.text.splitlines():
            if cont:
                out.append(line)
            elif line.startswith("$ "):
                out.append(line[2:])
            else:
                continue
            cont = line.endswith("\\")
        return "\n".join(out) + ("\n" if out else "")


def howto_files(root):
    d = os.path.join(root, "docs", "howto")
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".md"))


def blocks(path):
    """(blocks, problems) of one Markdown file; problems are (line, message)."""
    found, problems = [], []
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```\s*([A-Za-z0-9_-]*)", lines[i])
        if not m:
            i += 1
            continue
        start, lang = i + 1, m.group(1).lower()
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j == len(lines):
            problems.append((start, "a code block that is never closed"))
            break
        if lang in SHELL_LIKE:
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            prev = lines[k].strip() if k >= 0 else ""
            reason = None
            mm = MARKER.match(prev)
            if mm:
                reason = mm.group(1)
                if not reason:
                    problems.append((k + 1, "a 'not runnable' marker must give its reason"))
            elif prev.startswith("<!--") and LOOSE_MARKER.search(prev):
                problems.append((k + 1, "write the marker as <!-- not runnable: REASON -->"))
            b = Block(path, start, lang, "\n".join(lines[i + 1:j]) + "\n", reason)
            if lang not in RUNNABLE_LANGS:
                problems.append((start, "a ```%s block: write sh, bash or console, so that "
                                        "build.docs-howto runs it or a marker says why not"
                                 % lang))
            elif reason is None and not b.script().strip():
                problems.append((start, "a console block with no \"$ \" command line: nothing "
                                        "to run, and no 'not runnable' marker"))
            found.append(b)
        i = j + 1
    return found, problems
