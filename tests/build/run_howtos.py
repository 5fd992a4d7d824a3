#!/usr/bin/env python3
"""build.docs-howto: the how-tos work when followed literally.

run_howtos.py SOURCE_ROOT WORKDIR

Copies the source tree (the files git knows, tracked or not ignored; no
build directories) to WORKDIR/tree and makes it a git repository of its own.
Then, for each docs/howto/*.md in order, it puts the tree back as it was
(`git checkout` and `git clean`, which keep the ignored build/ so later
builds are incremental) and runs the file's runnable shell blocks
(tests/build/howto_blocks.py) one after another with `bash -e -o pipefail`,
from the top of the tree, as a reader would. A block that exits nonzero
fails the test, named by file and line, with its output. Blocks marked
`<!-- not runnable: ... -->` are listed with their reason and skipped.
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import howto_blocks  # noqa: E402

BLOCK_TIMEOUT = 900


def source_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard"],
                             check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        return [p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(root, p))]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, names in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != ".git" and not d.startswith("build")]
            files += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
        return files


def git(tree, *args):
    subprocess.run(["git", "-c", "user.name=howto", "-c", "user.email=howto@localhost",
                    "-c", "init.defaultBranch=main", "-C", tree] + list(args),
                   check=True, stdout=subprocess.DEVNULL)


def make_tree(root, work):
    tree = os.path.join(work, "tree")
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(tree)
    for rel in source_files(root):
        dest = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), dest)
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "the tree as it was")
    return tree


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    files = howto_blocks.howto_files(root)
    if not files:
        print("FAIL: no docs/howto/*.md")
        return 1
    tree = make_tree(root, work)
    ran = skipped = 0
    for md in files:
        rel = os.path.relpath(md, root)
        git(tree, "checkout", "-q", "--", ".")
        git(tree, "clean", "-fdq")
        found, problems = howto_blocks.blocks(md)
        for line, msg in problems:
            print("FAIL: %s:%d: %s" % (rel, line, msg))
        if problems:
            return 1
        for b in found:
            where = "%s:%d" % (rel, b.line)
            if b.reason is not None:
                print("skip %s (%s): not runnable: %s" % (where, b.lang, b.reason))
                skipped += 1
                continue
            script = os.path.join(work, "block.sh")
            with open(script, "w") as f:
                f.write(b.script())
            t0 = time.monotonic()
            print("run  %s (%s)" % (where, b.lang), flush=True)
            try:
                r = subprocess.run(["bash", "-e", "-o", "pipefail", script], cwd=tree,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=BLOCK_TIMEOUT)
                status, output = r.returncode, r.stdout.decode(errors="replace")
            except subprocess.TimeoutExpired as e:
                status, output = "timeout", (e.stdout or b"").decode(errors="replace")
            if status != 0:
                print("FAIL: %s: the block exited with status %s after %.0f s. The block:"
                      % (where, status, time.monotonic() - t0))
                print(b.script().rstrip())
                print("Its output (the last 60 lines):")
                print("\n".join(output.rstrip().splitlines()[-60:]))
                return 1
            print("     ok in %.0f s" % (time.monotonic() - t0), flush=True)
            ran += 1
    print("ok: %d runnable blocks in %d how-tos ran and exited 0; %d marked not runnable"
          % (ran, len(files), skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
