#!/usr/bin/env python3
# Rewrites docs/conformance.md from itself and the tree: keeps each row's Spec and Requires
# columns and recomputes "Implemented in" (files under lib/, cli/, stage1/ that cite the ID) and
# "Tested by" (files under tests/ that cite it), and the summary table.
#
# Usage: scripts/update-conformance.py [SOURCE_ROOT]   (run after adding or moving citations)
import os
import re
import subprocess
import sys

os.chdir(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..'))
ROW = re.compile(r'^\| ([A-Z]+-\d+) \| (.*?) \| (.*?) \| .*? \| .*? \|$')
R = {}
for line in open('docs/conformance.md', encoding='utf-8'):
    m = ROW.match(line.rstrip('\n'))
    if m:
        R[m.group(1)] = (m.group(2), m.group(3))
files = subprocess.run(['git', 'ls-files'], capture_output=True, text=True).stdout.split()
PAT = re.compile(r'\b(GEN|TYPE|ACI|MAN|POD|REN|DISC|ACE|ISO|MDS)-(\d+)(?:(?:\.\.|-)(\d+))?\b')
impl, tests = {}, {}
for f in files:
    if f.startswith('tests/data/') or f == 'docs/conformance.md':
        continue
    if f.startswith(('lib/', 'cli/', 'stage1/')):
        bucket = impl
    elif f.startswith('tests/'):
        bucket = tests
    else:
        continue
    try:
        text = open(f, encoding='utf-8').read()
    except (UnicodeDecodeError, IsADirectoryError):
        continue
    for m in PAT.finditer(text):
        lo = int(m.group(2)); hi = int(m.group(3)) if m.group(3) else lo
        if hi < lo or hi - lo > 40:
            hi = lo
        for n in range(lo, hi + 1):
            bucket.setdefault(f'{m.group(1)}-{n}', set()).add(f)
sections = [
    ('GEN', 'General', 'SPEC.md, spec/types.md'),
    ('TYPE', 'Types and grammars', 'spec/types.md'),
    ('ACI', 'Image archives', 'spec/aci.md'),
    ('MAN', 'Image manifest', 'spec/aci.md, "Image Manifest Schema"'),
    ('POD', 'Pod manifest', 'spec/pods.md'),
    ('REN', 'Dependencies and rendering', 'spec/aci.md, "Image Dependencies"'),
    ('DISC', 'Discovery', 'spec/discovery.md'),
    ('ACE', 'Executor', 'spec/ace.md, spec/OS-SPEC.md'),
    ('ISO', 'Isolators', 'spec/ace.md, "Isolators"'),
    ('MDS', 'Metadata service', 'spec/ace.md, "App Container Metadata Service"'),
]
def key(i):
    p, n = i.split('-'); return int(n)
def cell(s):
    return ', '.join(f'`{f}`' for f in sorted(s)) if s else 'not yet'
out = []
summary = []
body = []
for pre, title, src in sections:
    ids = sorted([i for i in R if i.split('-')[0] == pre], key=key)
    ni = sum(1 for i in ids if i in impl); nt = sum(1 for i in ids if i in tests)
    summary.append(f'| {pre} | {title} | {len(ids)} | {ni} | {nt} |')
    body.append(f'## {pre}: {title}\n\nFrom {src} of appc/spec.\n')
    body.append('| ID | Spec | Requires | Implemented in | Tested by |')
    body.append('|---|---|---|---|---|')
    for i in ids:
        s, req = R[i]
        where = cell(impl.get(i)) if impl.get(i) or not tests.get(i) else 'no file cites it'
        body.append(f'| {i} | {s} | {req} | {where} | {cell(tests.get(i))} |')
    body.append('')
tot = len(R); ti = sum(1 for i in R if i in impl); tt = sum(1 for i in R if i in tests)
head = f'''# appc conformance

What the App Container specification (appc 0.8.11, [appc/spec](https://github.com/appc/spec))
asks of an image tool and an executor, one requirement per row, and where this repository meets
it. Each requirement has an ID (`ACI-13`, `ACE-10`, ...); comments and tests in the code cite
these IDs, and `scripts/check-citations.sh` (the unit test `check-citations`) fails when the code
cites an ID that is not on this page.

Columns:

- **Spec**: where the requirement comes from, as a path in the appc/spec repository (`spec/aci.md`,
  `spec/ace.md`, ...). A few rows record what the reference Go code of that repository does where
  the text is silent (`schema/`, `discovery/`, `pkg/acirenderer`, `ace/` for the validator).
- **Requires**: the requirement in one line. Where the spec leaves a choice, the row says ours.
- **Implemented in**: the source files that cite the ID, or "not yet".
- **Tested by**: the unit (`tests/unit/`) or end-to-end (`tests/e2e/`) tests that cite it, or
  "not yet".

The last two columns come from the citations (`scripts/update-conformance.py` rewrites them): a
file name is where to look, not a proof. "not yet" in both columns means that nothing cites the
ID: not implemented yet, or not decided. "no file cites it" means
that a test checks the requirement but the code that meets it does not name it.

## At a glance

| Prefix | Area | IDs | Cited by code | Cited by tests |
|---|---|---|---|---|
''' + '\n'.join(summary) + f'\n| | **all** | **{tot}** | **{ti}** | **{tt}** |\n\n'
with open('docs/conformance.md', 'w', encoding='utf-8') as f:
    f.write(head + '\n'.join(body))
