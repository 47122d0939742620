#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_keys.h"
#include "core/version.h"

static const sc_command commands[] = {
    {"selfcheck", "check that every dependency (BLIS, msgpack-c, utf8proc, ...) works",
     "scaffold selfcheck", sc_cmd_selfcheck},
    {"tasks", "list, validate and fetch tasks (data sets with splits)",
     "scaffold tasks list | check NAME | fetch NAME [--from PATH]", sc_cmd_tasks},
    {"init-task", "write a starter task.yaml detected from data files (tsv, csv, jsonl; lines: one file per class)",
     "scaffold init-task NAME --from FILE [--from FILE ...] [--out DIR]\n"
     "  (writes DIR/NAME/task.yaml, never over an existing one; DIR: ./tasks if it exists, else .;\n"
     "   several --from files: tables or jsonl read together (read.files, a `source` column per file),\n"
     "   or files of lines, one per class)", sc_cmd_init_task},
    {"corpus", "list and check pretraining corpora (unlabeled text declared in tasks/corpora/NAME.yaml)",
     "scaffold corpus list | check NAME|FILE [--show N]\n"
     "  (check fetches and filters the corpus; --show prints N of its texts, evenly spaced)", sc_cmd_corpus},
    {"gradcheck", "check every op's gradients against finite differences (f64), to order 1, 2 or 3",
     "scaffold gradcheck [--order 1|2|3] [--op NAME]", sc_cmd_gradcheck},
    {"hypercheck", "check the hypergradient methods against finite differences on a tiny SMaT problem (f64)",
     "scaffold hypercheck [--method all|METHOD] [--unroll K] [--terms J] [--seed S]",
     sc_cmd_hypercheck},
    {"models", "list the teacher and student architectures (--keys: every --set key of each command)",
     "scaffold models [--keys]", sc_cmd_models},
    {"explainers", "list the explainers: learnable or not, default beta, what each needs from the model, its keys",
     "scaffold explainers [NAME ...]", sc_cmd_explainers},
    {"train-teacher", "train a teacher on a task; writes teacher.ckpt and metrics.msgpack",
     "scaffold train-teacher --task T [--teacher ARCH] [--config FILE] [--set k=v ...] [--seed S]\n"
     "                       [--init PRETRAINED] --out DIR\n"
     "  (--init: start from a `scaffold pretrain` backbone: its vocabulary, sizes and weights, a new head)",
     sc_cmd_train_teacher},
    {"train-xbl", "explanation-based learning on a decoy task: train with a penalty on off-object saliency, "
                  "measure decoy reliance",
     "scaffold train-xbl --task T [--model ARCH] [--config FILE] [--set k=v ...] [--seed S] --out DIR\n"
     "  (keys: method=none|rrr|distance|concept-prune, lambda=L, saliency=input-gradient|gradcam (gradcam:\n"
     "   --model cnn), saliency_target=logprobs|label, the concept_* keys, and the teacher's trainer and\n"
     "   architecture keys; the task needs object and decoy masks, e.g. decoy-fashion-mnist)",
     sc_cmd_train_xbl},
    {"active-learn", "active learning: label the pool round by round with a query strategy, retrain, record the curve",
     "scaffold active-learn --task T --strategy S [--teacher DIR] [--model ARCH] [--config FILE] [--set k=v ...]\n"
     "                      [--seed S] --out DIR\n"
     "  (strategies: random, entropy, margin, core-set, dami, explanation, hybrid; keys: init, query, rounds,\n"
     "   retrain=scratch|warm, oracle=auto|gold|teacher, hybrid_pool, dami_tokens, explainer, and the\n"
     "   student's trainer and architecture keys; writes DIR/metrics.msgpack, kind active-learning;\n"
     "   regression tasks: random, core-set, dami, explanation, scored by Pearson r;\n"
     "   `scaffold active-learn --keys` lists the keys and strategies)",
     sc_cmd_active_learn},
    {"train-student", "train a student to simulate a teacher, with its explanations (SMaT: --learn-explainer)",
     "scaffold train-student --task T --teacher-ckpt DIR --explainer E [--n N] [--seed S] [--student ARCH]\n"
     "                       [--learn-explainer] [--label NAME] [--config FILE] [--set k=v ...]\n"
     "                       [--init PRETRAINED] --out DIR\n"
     "  (--learn-explainer also writes DIR/explainer.ckpt; --explainer-ckpt FILE instead of --explainer\n"
     "   trains a fresh student with that learned explainer frozen: the transfer evaluation)",
     sc_cmd_train_student},
    {"explain", "explain a trained teacher's test predictions; writes a self-contained HTML report",
     "scaffold explain --teacher-ckpt DIR --explainer E [--base E2] [--n 20] [--spread] [--set k=v ...] --out DIR\n"
     "  (--base: for --explainer permuted, the explainer whose explanations it deranges;\n"
     "   --spread: n test examples evenly spaced over the test split instead of the first n)", sc_cmd_explain},
    {"pretrain", "pretrain a backbone without labels (text: masked tokens; vit: masked cells); resumable",
     "scaffold pretrain --corpus NAME|FILE [--arch transformer] [--set k=v ...] [--seed S] [--resume] --out DIR\n"
     "scaffold pretrain --arch vit --task NAME [--set k=v ...] [--seed S] [--resume] --out DIR\n"
     "  (writes DIR/pretrained.ckpt, DIR/pretrain.state and DIR/metrics.msgpack every save_every steps;\n"
     "   --resume continues from them bit-identically; `scaffold pretrain --keys` lists the run's keys)",
     sc_cmd_pretrain},
    {"run", "run an experiment manifest (teachers, then students; --jobs in parallel, --resume)",
     "scaffold run MANIFEST [--jobs J] [--resume] [--out DIR] [--dry-run]\n"
     "scaffold run MANIFEST --backend slurm [--partition P] [--time T] [--mem M] [--cpus C]\n"
     "                      [--teacher-time T] [--teacher-mem M] [--max-concurrent K] [--requeue]\n"
     "                      [--sbatch-arg ARG]... [--resume] [--out DIR]\n"
     "scaffold run --status OUT | --cancel OUT        (a Slurm submission: each run's state; cancel its jobs)\n"
     "scaffold run MANIFEST [--out DIR] --collect     (summary.md and report.html from the finished runs)\n"
     "  (--backend slurm: teachers as jobs, students as job arrays after them, a final collect job;\n"
     "   the same run folders, keys and --resume as the local pool)", sc_cmd_run},
    {"compare", "tables over seeds (mean, 95% bootstrap CI): simulatability per explainer and N; xbl runs' "
                "accuracies and decoy reliance per method; active-learning AULC, labels to a target (--target) and "
                "the paired difference against random per strategy",
     "scaffold compare RESULTS_DIR... [--csv FILE] [--resamples R] [--seed S] [--target ACC]", sc_cmd_compare},
    {"report", "a self-contained HTML report of an experiment: tables, simulatability and learning-curve charts",
     "scaffold report RESULTS_DIR [--out FILE] [--figures DIR]", sc_cmd_report},
    {"bench", "benchmarks: ops vs raw BLIS throughput, transformer block steps, memory, K-center selection",
     "scaffold bench engine|train|meta|active [--quick]\n"
     "scaffold bench export --out DIR [--case block|meta|mid|all]\n"
     "scaffold bench time --case block|meta|mid [--threads N] [--seconds S]\n"
     "scaffold bench memory --case block|meta|mid --pass P [--threads N] [--steps K]\n"
     "  (export, time and memory are scaffold's side of the comparison with JAX and PyTorch: scripts/bench-compare.sh)",
     sc_cmd_bench},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

int sc_cli_parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

const sc_command *sc_cli_find(const char *name) {
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static void print_help(FILE *out) {
    fprintf(out,
            "scaffold %s — measure and optimize explanations by simulatability\n\n"
            "usage: scaffold [--help | --version] <command> [args]\n\ncommands:\n",
            SC_VERSION);
    for (size_t i = 0; i < n_commands; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`scaffold <command> --help` shows a command's options.\n");
}

int sc_cli_usage_error(const sc_command *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "scaffold%s%s: ", cmd ? " " : "", cmd ? cmd->name : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    if (cmd)
        fprintf(stderr, "usage: %s\n", cmd->usage);
    else
        fprintf(stderr, "usage: scaffold [--help | --version] <command> [args]  (see scaffold --help)\n");
    return SC_EXIT_USAGE;
}

int sc_cli_main(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return SC_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")) {
        print_help(stdout);
        return SC_EXIT_OK;
    }
    if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
        printf("scaffold %s (built with zig %s)\n", SC_VERSION, SC_ZIG_VERSION);
        return SC_EXIT_OK;
    }
    if (a[0] == '-') return sc_cli_usage_error(NULL, "unknown option '%s'", a);
    const sc_command *cmd = sc_cli_find(a);
    if (!cmd) return sc_cli_usage_error(NULL, "unknown command '%s'", a);
    if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        printf("usage: %s\n%s\n", cmd->usage, cmd->summary);
        sc_run_keys_print(stdout, cmd->name, 1);  // the training commands' --set keys (nothing for the others)
        return SC_EXIT_OK;
    }
    int rc = cmd->fn(argc - 1, argv + 1);
    fflush(stdout);
    return rc;
}
