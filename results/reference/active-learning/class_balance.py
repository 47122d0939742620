#!/usr/bin/env python3
# The class balance of the labelled sets of the fashion-mnist runs (README, "What
# the table shows"): for each strategy, over the 5 seeds, the classes present
# among the 90 labelled images, the largest class's count, the entropy of the
# class counts (bits; 3.32 at most), and DAMI's sandals per seed among its 80
# queries. Labels: Debian's Fashion-MNIST training labels (the student pool is
# cut from the training set, and dataset indices below 60,000 are its rows).
# Needs python3-msgpack.   usage: python3 class_balance.py > class-balance.txt
import collections, glob, gzip, math, os, msgpack

here = os.path.dirname(os.path.abspath(__file__))
lab = gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz').read()[8:]
names = ['t-shirt/top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot']
rows, sandals = collections.defaultdict(list), []
for f in sorted(glob.glob(f'{here}/runs/fashion-mnist/*/*/metrics.msgpack')):
    m = msgpack.unpackb(open(f, 'rb').read(), raw=False)
    q = [i for r in m['rounds'] for i in r['queried']]
    assert max(q) < 60000
    c = collections.Counter(lab[i] for i in q)
    n = len(q)
    rows[m['strategy']].append((len(c), max(c.values()), -sum(v / n * math.log2(v / n) for v in c.values())))
    if m['strategy'] == 'dami':
        sandals.append((m['seed'], sum(lab[i] == 5 for r in m['rounds'][1:] for i in r['queried'])))
print('strategy      classes  largest  entropy (bits)   (means over seeds, 90 labelled images)')
for s, v in sorted(rows.items(), key=lambda kv: -sum(x[2] for x in kv[1])):
    k = len(v)
    print(f'{s:12s} {sum(x[0] for x in v)/k:7.1f} {sum(x[1] for x in v)/k:8.1f} {sum(x[2] for x in v)/k:9.2f}')
print('dami: sandals among the 80 queried, by seed:', ', '.join(f'seed {s} {n}' for s, n in sorted(sandals)))
