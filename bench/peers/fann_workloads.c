/* W4 and W5 (bench/README.md) in FANN 2.2, as close as its API allows: the same layer sizes and
 * epochs on the same tables, but FANN has no ReLU (its LINEAR_PIECE is bounded to [0, 1]), no
 * softmax, no Adam and no mini-batches. So: tanh hidden units (FANN_SIGMOID_SYMMETRIC), sigmoid
 * outputs (one per class for W5, the largest wins), mean squared error, incremental
 * backpropagation (a step per row, learning rate 0.01, shuffled every epoch),
 * double precision (libdoublefann). bench/run.py compiles it:
 *
 *   cc -O2 -o fann_workloads fann_workloads.c -ldoublefann -lm
 *   ./fann_workloads w4|w5 DATA_DIR  ->  one JSON line
 */
#include <doublefann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROWS 60000

/* Reads one table of practitioner_data.py: rows of n_in numbers and a class. */
static struct fann_train_data *read_table(const char *path, unsigned n_in, unsigned n_out) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        exit(2);
    }
    struct fann_train_data *d = fann_create_train(MAX_ROWS, n_in, n_out);
    unsigned rows = 0;
    while (rows < MAX_ROWS) {
        double v, c;
        unsigned j;
        for (j = 0; j < n_in && fscanf(f, "%lf,", &v) == 1; j++) d->input[rows][j] = v;
        if (j < n_in || fscanf(f, "%lf", &c) != 1) break;
        for (unsigned k = 0; k < n_out; k++)
            d->output[rows][k] = n_out == 1 ? c : (double)(k == (unsigned)c);
        rows++;
    }
    fclose(f);
    d->num_data = rows;
    return d;
}

static unsigned predicted(struct fann *ann, fann_type *x, unsigned n_out) {
    fann_type *out = fann_run(ann, x);
    if (n_out == 1) return out[0] > 0.5;
    unsigned best = 0;
    for (unsigned k = 1; k < n_out; k++)
        if (out[k] > out[best]) best = k;
    return best;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "w4") && strcmp(argv[1], "w5"))) {
        fprintf(stderr, "usage: fann_workloads w4|w5 DATA_DIR\n");
        return 2;
    }
    int w4 = !strcmp(argv[1], "w4");
    unsigned n_in = w4 ? 20 : 64, n_out = w4 ? 1 : 10, epochs = w4 ? 20 : 10;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_train.csv", argv[2], argv[1]);
    struct fann_train_data *train = read_table(path, n_in, n_out);
    snprintf(path, sizeof path, "%s/%s_test.csv", argv[2], argv[1]);
    struct fann_train_data *test = read_table(path, n_in, n_out);
    srand(69);
    struct fann *ann = w4 ? fann_create_standard(3, 20, 100, 1)
                          : fann_create_standard(4, 64, 128, 64, 10);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
    fann_randomize_weights(ann, -0.1, 0.1);
    fann_set_learning_rate(ann, 0.01); /* its default 0.7 ends W5 at 0.46 accuracy; 0.1 at 0.74 */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    float mse = 0;
    for (unsigned e = 0; e < epochs; e++) {
        fann_shuffle_train_data(train);
        mse = fann_train_epoch(ann, train);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    unsigned right = 0;
    for (unsigned i = 0; i < test->num_data; i++) {
        unsigned truth = n_out == 1 ? test->output[i][0] > 0.5 : 0;
        if (n_out > 1)
            for (unsigned k = 0; k < n_out; k++)
                if (test->output[i][k] > 0.5) truth = k;
        right += predicted(ann, test->input[i], n_out) == truth;
    }
    printf("{\"workload\": \"%s\", \"seconds\": %.6f, \"per_epoch_s\": %.6f, \"accuracy\": %.4f, "
           "\"final_mse\": %.6f}\n",
           argv[1], s, s / epochs, (double)right / test->num_data, mse);
    fann_destroy(ann);
    fann_destroy_train(train);
    fann_destroy_train(test);
    return 0;
}
