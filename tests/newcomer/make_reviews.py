#!/usr/bin/env python3
"""The data a newcomer brings in the walkthrough of tasks/README.md.

Three files of short reviews, one per source, each `sentence<TAB>label` with a
header line, as exports from three different places tend to look:

  shop.tsv   product reviews, UTF-8 (plain ASCII), LF line ends
  forum.tsv  restaurant and travel posts, Latin-1 (cafe with an accent, ...)
  films.tsv  film reviews, CRLF line ends (a Windows export)

Sentiment words decide the label (a learnable signal), wrapped in filler that
varies by source; 8% of the labels are flipped (annotator noise), some
sentences negate a sentiment word ("not great" is negative) and a few hold
stray double quotes (`5" screen`, a leading `"`), which is why the task needs
`quote: none`. The output is a pure function of --seed (random.Random), so the
files and their sha256 are the same on every machine.

usage: make_reviews.py OUT_DIR [--per-source N] [--seed S]
"""
import argparse
import os
import random

POSITIVE = ["great", "wonderful", "lovely", "excellent", "superb", "enjoyable", "brilliant", "charming",
            "delightful", "fantastic", "pleasant", "solid"]
NEGATIVE = ["awful", "terrible", "boring", "dull", "poor", "disappointing", "horrible", "bland", "tedious",
            "mediocre", "clumsy", "weak"]
INTENSIFIERS = ["", "", "very", "really", "quite", "truly", "rather"]

SOURCES = {
    "shop": {
        "subjects": ["the kettle", "this blender", "the headphones", "the delivery", "this lamp", "the charger",
                     "the 5\" screen", "the packaging", "this vacuum", "the keyboard", "the battery", "this desk"],
        "tails": ["", "", "for the price", "after a week", "overall", "to be honest", "as a gift", "!"],
        "encoding": "ascii", "newline": "\n",
    },
    "forum": {
        "subjects": ["the caf\u00e9", "our na\u00efve guide", "the cr\u00e8me br\u00fbl\u00e9e", "the h\u00f4tel",
                     "the g\u00eete", "the pi\u00f1a colada", "the fa\u00e7ade", "the ch\u00e2teau tour",
                     "the breakfast", "the room", "the staff", "the view"],
        "tails": ["", "", "this summer", "in Z\u00fcrich", "for a weekend", "d\u00e9j\u00e0 vu", "honestly", "!!"],
        "encoding": "latin-1", "newline": "\n",
    },
    "films": {
        "subjects": ["the film", "the plot", "the acting", "the ending", "the soundtrack", "the sequel",
                     "the director's cut", "the dialogue", "the cast", "the pacing", "the script", "the finale"],
        "tails": ["", "", "from start to finish", "in the end", "for a sequel", "on the big screen", "sadly", "!"],
        "encoding": "ascii", "newline": "\r\n",
    },
}


def sentence(rng, src, positive):
    """One review whose sentiment word (maybe negated) says `positive`."""
    negate = rng.random() < 0.15
    word = rng.choice(NEGATIVE if positive == negate else POSITIVE)
    verb = rng.choice(["was", "is", "felt", "seemed", "looked"])
    parts = [rng.choice(src["subjects"]), verb]
    if negate:
        parts.append("not")
    parts += [rng.choice(INTENSIFIERS), word, rng.choice(src["tails"])]
    text = " ".join(p for p in parts if p)
    if rng.random() < 0.3:  # a second clause of filler: the word's position varies
        text += rng.choice([" , we will see", " , as expected", " and that is all", " , nothing more to say"])
    if rng.random() < 0.02:  # a stray quote at the start: quoting would swallow the tab and the label
        text = '"' + text
    return text[0].upper() + text[1:]


def write_source(out_dir, name, src, n, rng):
    path = os.path.join(out_dir, name + ".tsv")
    lines = ["sentence\tlabel"]
    for _ in range(n):
        positive = rng.random() < 0.5
        text = sentence(rng, src, positive)
        if rng.random() < 0.08:  # annotator noise
            positive = not positive
        lines.append(text + "\t" + ("positive" if positive else "negative"))
    data = (src["newline"].join(lines) + src["newline"]).encode(src["encoding"])
    with open(path, "wb") as f:
        f.write(data)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--per-source", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    rng = random.Random(a.seed)
    for name in sorted(SOURCES):
        print(write_source(a.out_dir, name, SOURCES[name], a.per_source, rng))


if __name__ == "__main__":
    main()
