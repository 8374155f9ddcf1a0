/* test_fidelity.c -- real weights on real Fruits-360 images against the independent float64
 * Keras reference (tests/reference_mobilenet.py, reading the .h5 directly): max abs error
 * <= 1e-4 on every feature of 50 images from 10 classes for EVERY ISA this CPU runs, our
 * resize byte-identical to the reference's reimplementation of the documented formula, and
 * 1 thread == 2 threads bitwise. The same on 10 images with the network run at 288 x 288
 * (orc_model_options.input_size, `orchard extract --input-size 288`). */
#include "check_main.h"
#include "image.h"
#include "model.h"

#include <dirent.h>
#include <stb_image.h>

#define WEIGHTS "weights/mobilenet_v2_1.0_224.orw"
#define H5 "weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted entries of a folder (no dot files); caller frees */
static size_t sorted_entries(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "missing test data folder %s", dir);
    size_t n = 0, cap = 256;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    return n;
}

static void free_entries(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

/* per_class images of each of `classes` classes spread over the Test split, run at input_size
 * (0: the weight file's) on every ISA, compared with the reference */
static void check_fidelity(size_t classes, size_t per_class, size_t input_size)
{
    const size_t N = classes * per_class;
    char root[4096];
    snprintf(root, sizeof root, "%s", orc_test_shared("data/fruits-360/Test"));
    char **class_names;
    size_t nclasses = sorted_entries(root, &class_names);
    ck_assert_uint_ge(nclasses, classes);

    orc_model_options o;
    orc_model_options_default(&o);
    o.threads = 2;
    o.batch_capacity = N;
    o.input_size = input_size;
    orc_model *m = NULL;
    orc_error err;
    ck_assert_msg(orc_model_open(WEIGHTS, &o, &m, &err) == ORC_OK, "%s (run make weights)",
                  err.msg);
    size_t side = orc_model_input_size(m), dim = orc_model_feature_dim(m);
    ck_assert_uint_eq(side, input_size ? input_size : 224);
    uint8_t *inputs = malloc(N * side * side * 3);
    float *features = malloc(N * dim * sizeof *features);
    const char *dir = orc_test_tmpdir();
    char path[10240], *manifest = malloc(N * 24 + 64);
    size_t mlen = 0;
    snprintf(path, sizeof path, "%s/originals.u8", dir);
    FILE *orig = fopen(path, "wb");
    ck_assert_ptr_nonnull(orig);

    for (size_t c = 0; c < classes; c++) {
        const char *cls = class_names[c * nclasses / classes];
        char cdir[8192];
        snprintf(cdir, sizeof cdir, "%s/%s", root, cls);
        char **files;
        size_t nfiles = sorted_entries(cdir, &files);
        ck_assert_uint_ge(nfiles, per_class);
        for (size_t k = 0; k < per_class; k++) {
            size_t i = c * per_class + k;
            snprintf(path, sizeof path, "%s/%s", cdir, files[k]);
            orc_image_info info;
            ck_assert_msg(orc_image_load(path, side, inputs + i * side * side * 3, &info, &err) ==
                          ORC_OK, "%s", err.msg);
            int w, h, ch;
            uint8_t *px = stbi_load(path, &w, &h, &ch, 3);
            ck_assert_msg(px != NULL, "stb cannot load %s", path);
            ck_assert_uint_eq(fwrite(px, 1, (size_t)w * h * 3, orig), (size_t)w * h * 3);
            stbi_image_free(px);
            mlen += (size_t)snprintf(manifest + mlen, N * 24 + 64 - mlen, "%d %d\n", w, h);
        }
        free_entries(files, nfiles);
    }
    ck_assert_int_eq(fclose(orig), 0);
    free_entries(class_names, nclasses);

    ck_assert_int_eq(orc_model_run(m, inputs, N, features, &err), ORC_OK);
    orc_model_close(m);

    /* every other ISA this CPU runs goes through the same reference comparison */
    char isa_names[128];
    size_t isa_len = (size_t)snprintf(isa_names, sizeof isa_names, "%s",
                                      orc_isa_name(o.isa));
    size_t nisa = 1;
    float *all = malloc(ORC_ISA_COUNT * N * dim * sizeof *all);
    memcpy(all, features, N * dim * sizeof *all);
    for (int isa = 0; isa < ORC_ISA_COUNT; isa++) {
        if ((orc_isa)isa == o.isa || !orc_isa_supported((orc_isa)isa))
            continue;
        orc_model_options oi = o;
        oi.isa = (orc_isa)isa;
        ck_assert_int_eq(orc_model_open(WEIGHTS, &oi, &m, &err), ORC_OK);
        ck_assert_int_eq(orc_model_run(m, inputs, N, all + nisa * N * dim, &err), ORC_OK);
        orc_model_close(m);
        isa_len += (size_t)snprintf(isa_names + isa_len, sizeof isa_names - isa_len, " %s",
                                    orc_isa_name((orc_isa)isa));
        nisa++;
    }

    /* the same images one at a time on 1 thread: bitwise the same features */
    enum { SUBSET = 6 };
    o.threads = 1;
    o.batch_capacity = 1;
    ck_assert_int_eq(orc_model_open(WEIGHTS, &o, &m, &err), ORC_OK);
    float *one = malloc(dim * sizeof *one);
    for (size_t i = 0; i < SUBSET; i++) {
        size_t at = i * (N - 1) / (SUBSET - 1); /* spread over the batch */
        ck_assert_int_eq(orc_model_run(m, inputs + at * side * side * 3, 1, one, &err), ORC_OK);
        ck_assert_msg(memcmp(one, features + at * dim, dim * sizeof *one) == 0,
                      "image %zu: 1 thread differs from 2 threads", at);
    }
    orc_model_close(m);

    char head[256];
    int hlen = snprintf(head, sizeof head, "%zu %zu %zu\n%s\n", N, side, dim, isa_names);
    char *full_manifest = malloc((size_t)hlen + mlen + 1);
    memcpy(full_manifest, head, (size_t)hlen);
    memcpy(full_manifest + hlen, manifest, mlen);
    write_file(dir, "manifest.txt", full_manifest, (size_t)hlen + mlen);
    free(full_manifest);
    free(manifest);
    write_file(dir, "inputs.u8", inputs, N * side * side * 3);
    write_file(dir, "features.f32", all, nisa * N * dim * sizeof *all);
    free(all);
    char cmd[10240];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/reference_mobilenet.py '%s' '%s' 2>&1",
             orc_test_shared(H5), dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    fprintf(stderr, "test_fidelity: %s", out);
    ck_assert_msg(status == 0, "reference comparison failed: %s", out);
    for (const char *name = isa_names; *name;) {
        char want[64];
        size_t l = strcspn(name, " ");
        snprintf(want, sizeof want, "fidelity %.*s: %zu images", (int)l, name, N);
        ck_assert_msg(strstr(out, want) != NULL, "no '%s' in: %s", want, out);
        name += l + (name[l] == ' ');
    }

    static const char *const names[] = {"manifest.txt", "originals.u8", "inputs.u8",
                                        "features.f32"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
    free(inputs);
    free(features);
    free(one);
}

START_TEST(test_fidelity_against_keras_reference)
{
    check_fidelity(10, 5, 0);
}
END_TEST

START_TEST(test_fidelity_input_288)
{
    check_fidelity(5, 2, 288);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("fidelity");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, test_fidelity_against_keras_reference);
    tcase_add_test(tc, test_fidelity_input_288);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
