#!/usr/bin/env python3
"""Small text seeds for the fuzz targets (docs/robustness.md "Fuzzing"), derived from the shipped
files: one action line per action the shipped logs use, every shipped scenario without its comments
and description, one device of each kind from the device library, and a short label table. Each is a
few hundred bytes to 3 KB, so libFuzzer's mutations stay cheap (tools/fuzz.sh passes -max_len).
Usage: tools/fuzz-seeds/make_text.py ROOT OUT  (writes OUT/<target>/seed_*)"""
import glob, json, os, re, sys

root, out = sys.argv[1], sys.argv[2]

def write(target, name, text):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), 'w') as f:
        f.write(text)

# Action lines: the longest of each kind (the most arguments), one file each.
kinds = {}
for log in sorted(glob.glob(os.path.join(root, 'scenarios', '*.jsonl'))):
    for line in open(log):
        line = line.strip()
        if not line.startswith('{'):
            continue
        kind = json.loads(line)['action']
        if kind not in kinds or len(line) > len(kinds[kind]):
            kinds[kind] = line
for kind, line in sorted(kinds.items()):
    write('action_log', 'seed_' + kind.replace('.', '_') + '.jsonl', line + '\n')

def strip_comments(text):
    # Whole-line and trailing comments; the shipped files put no '#' inside strings but the
    # description, which is dropped with its triple-quoted block.
    text = re.sub(r'description = """.*?"""\n', '', text, flags=re.S)
    lines = []
    for l in text.splitlines():
        l = re.sub(r'\s+#.*$', '', l) if not l.lstrip().startswith('#') else ''
        if l.strip():
            lines.append(l)
    return '\n'.join(lines) + '\n'

for sc in sorted(glob.glob(os.path.join(root, 'scenarios', '*.toml'))):
    write('scenario', 'seed_' + os.path.basename(sc), strip_comments(open(sc).read()))

# Device library: the materials and coatings, then the first device of each kind.
lib = strip_comments(open(os.path.join(root, 'assets', 'devices', 'endovascular.toml')).read())
head, *devices = lib.split('[[device]]\n')
seen, kept = set(), []
for d in devices:
    kind = re.search(r'^kind = "([^"]+)"', d, flags=re.M).group(1)
    if kind not in seen:
        seen.add(kind)
        kept.append('[[device]]\n' + d)
write('device_library', 'seed_one_of_each_kind.toml', head + ''.join(kept))

labels = json.load(open(os.path.join(root, 'assets', 'patients', 'totalseg-example', 'labels_total.json')))
write('label_table', 'seed_five_labels.json', json.dumps({k: labels[k] for k in list(labels)[:5]}) + '\n')
