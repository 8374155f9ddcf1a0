/* report.c -- the HTML run report with inline SVG plots; see report.h. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCATTER_MAX 20000
#define SKIPPED_MAX 1000

static void html(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* hue for class c: golden-angle steps so neighbouring classes differ */
static double class_hue(size_t c) { return fmod((double)c * 137.508, 360.0); }

static void missing(FILE *f, const char *what)
{
    fputs("<p class=\"missing\">", f);
    html(f, what);
    fputs("</p>\n", f);
}

/* ---- run ------------------------------------------------------------------------------------ */

static const orc_json *find_timings(const orc_json *run)
{
    static const char *const names[] = {"timings", "stages", "stage_seconds", "timings_s"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const orc_json *t = orc_json_get(run, names[i]);
        if (t != NULL && t->type == ORC_JSON_OBJECT && t->count > 0)
            return t;
    }
    return NULL;
}

static void run_section(FILE *f, const orc_json *run)
{
    fputs("<h2>Run</h2>\n", f);
    if (run == NULL || run->type != ORC_JSON_OBJECT) {
        missing(f, "No run.json in the run folder: no run summary or timings.");
        return;
    }
    fputs("<table class=\"kv\">\n", f);
    for (size_t i = 0; i < run->count; i++) {
        const orc_json *v = run->items[i];
        if (v->type != ORC_JSON_NUMBER && v->type != ORC_JSON_STRING && v->type != ORC_JSON_BOOL)
            continue;
        fputs("<tr><th>", f);
        html(f, run->keys[i]);
        fputs("</th><td>", f);
        if (v->type == ORC_JSON_NUMBER)
            fprintf(f, "%.6g", v->number);
        else if (v->type == ORC_JSON_BOOL)
            fputs(v->boolean ? "true" : "false", f);
        else
            html(f, v->string);
        fputs("</td></tr>\n", f);
    }
    /* nested objects of numbers (counts, ...) one level down, except the timings */
    const orc_json *timings = find_timings(run);
    for (size_t i = 0; i < run->count; i++) {
        const orc_json *o = run->items[i];
        if (o->type != ORC_JSON_OBJECT || o == timings)
            continue;
        for (size_t j = 0; j < o->count; j++) {
            const orc_json *v = o->items[j];
            if (v->type != ORC_JSON_NUMBER && v->type != ORC_JSON_STRING)
                continue;
            fputs("<tr><th>", f);
            html(f, run->keys[i]);
            fputs(".", f);
            html(f, o->keys[j]);
            fputs("</th><td>", f);
            if (v->type == ORC_JSON_NUMBER)
                fprintf(f, "%.6g", v->number);
            else
                html(f, v->string);
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n", f);
    if (timings == NULL) {
        missing(f, "run.json has no per-stage timings object (\"timings\").");
        return;
    }
    size_t n = 0;
    double mx = 0.0;
    for (size_t i = 0; i < timings->count; i++)
        if (timings->items[i]->type == ORC_JSON_NUMBER) {
            n++;
            mx = fmax(mx, timings->items[i]->number);
        }
    if (n == 0 || !(mx > 0.0)) {
        missing(f, "run.json's timings hold no positive numbers.");
        return;
    }
    int W = 720, row = 26, left = 200, H = (int)n * row + 40;
    fprintf(f, "<h3>Per-stage timings (seconds)</h3>\n<svg id=\"timings\" class=\"plot\" "
               "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
            W, H, W, H);
    size_t r = 0;
    for (size_t i = 0; i < timings->count; i++) {
        const orc_json *v = timings->items[i];
        if (v->type != ORC_JSON_NUMBER)
            continue;
        double w = (W - left - 80) * fmax(v->number, 0.0) / mx;
        int y = 10 + (int)r * row;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", left - 8, y + 16);
        html(f, timings->keys[i]);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#4a7bd0\"/>"
                   "<text x=\"%.1f\" y=\"%d\" class=\"lbl\">%.3g</text>\n",
                left, y + 4, w, row - 8, left + w + 6, y + 16, v->number);
        r++;
    }
    fputs("</svg>\n", f);
}

/* ---- PCA ------------------------------------------------------------------------------------ */

static void pca_section(FILE *f, const orc_report_input *in)
{
    fputs("<h2>PCA: explained variance</h2>\n", f);
    if (in->explained_ratio == NULL || in->components == 0) {
        missing(f, "No PCA model (.orpca) found: no explained-variance curve.");
        return;
    }
    size_t shown = in->components;
    size_t want = in->k * 2 > 50 ? in->k * 2 : 50;
    if (shown > want)
        shown = want;
    int W = 760, H = 340, L = 60, R = 60, T = 20, B = 50;
    double pw = W - L - R, ph = H - T - B;
    double top = 0.0, cum = 0.0;
    for (size_t i = 0; i < shown; i++)
        top = fmax(top, in->explained_ratio[i]);
    if (!(top > 0.0))
        top = 1.0;
    fprintf(f, "<p>k = %zu components kept of %zu; the first %zu shown. Bars: explained "
               "variance ratio per component (left axis); line: cumulative (right axis).</p>\n",
            in->k, in->components, shown);
    fprintf(f, "<svg id=\"scree\" class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\">\n", W, H, W, H);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>\n",
            L, T, pw, ph);
    double bw = pw / (double)shown;
    for (size_t i = 0; i < shown; i++) {
        double h = ph * in->explained_ratio[i] / top;
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
                L + bw * (double)i + 0.5, T + ph - h, fmax(bw - 1.0, 0.5), h,
                i < in->k ? "#4a7bd0" : "#b8c7e6");
    }
    fputs("<polyline fill=\"none\" stroke=\"#d0514a\" stroke-width=\"2\" points=\"", f);
    for (size_t i = 0; i < shown; i++) {
        cum += in->explained_ratio[i];
        fprintf(f, "%.2f,%.2f ", L + bw * ((double)i + 0.5), T + ph * (1.0 - fmin(cum, 1.0)));
    }
    fputs("\"/>\n", f);
    if (in->k >= 1 && in->k <= shown) {
        double x = L + bw * (double)in->k;
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%.0f\" stroke=\"#222\" "
                   "stroke-dasharray=\"4 3\"/><text x=\"%.2f\" y=\"%d\" class=\"lbl\">k = %zu</text>\n",
                x, T, x, T + ph, x + 4, T + 14, in->k);
    }
    for (int t = 0; t <= 4; t++) {
        double y = T + ph * (1.0 - t / 4.0);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"lbl\">%.3g</text>"
                   "<text x=\"%.0f\" y=\"%.1f\" class=\"lbl\">%.2f</text>\n",
                L - 4, y + 4, top * t / 4.0, L + pw + 4, y + 4, t / 4.0);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\" class=\"lbl\">component</text>\n"
               "</svg>\n", L + pw / 2, H - 12);
}

static void scatter_section(FILE *f, const orc_report_input *in)
{
    fputs("<h2>PCA scatter: first two components</h2>\n", f);
    if (in->scatter_xy == NULL || in->scatter_rows == 0 || in->scatter_stride < 2) {
        missing(f, "No PCA coordinates (pca dataset with at least 2 components): no scatter.");
        return;
    }
    size_t n = in->scatter_rows, step = (n + SCATTER_MAX - 1) / SCATTER_MAX;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i += step) {
        const float *p = in->scatter_xy + i * in->scatter_stride;
        x0 = fmin(x0, p[0]);
        x1 = fmax(x1, p[0]);
        y0 = fmin(y0, p[1]);
        y1 = fmax(y1, p[1]);
    }
    if (!(x1 > x0))
        x1 = x0 + 1.0;
    if (!(y1 > y0))
        y1 = y0 + 1.0;
    int W = 760, H = 560, M = 30;
    fprintf(f, "<p>%zu rows%s, one colour per class.</p>\n", n,
            step > 1 ? " (every n-th row drawn)" : "");
    fprintf(f, "<svg id=\"scatter\" class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
               "fill=\"none\" stroke=\"#999\"/>\n", W, H, W, H, M, M, W - 2 * M, H - 2 * M);
    for (size_t i = 0; i < n; i += step) {
        const float *p = in->scatter_xy + i * in->scatter_stride;
        double x = M + (W - 2 * M) * (p[0] - x0) / (x1 - x0);
        double y = H - M - (H - 2 * M) * (p[1] - y0) / (y1 - y0);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"hsl(%.0f,70%%,45%%)\" "
                   "fill-opacity=\"0.7\"/>\n", x, y, class_hue(in->scatter_class[i]));
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"lbl\">PC1</text>"
               "<text x=\"12\" y=\"%d\" class=\"lbl\" transform=\"rotate(-90 12 %d)\">PC2</text>\n"
               "</svg>\n<div class=\"legend\">", W / 2, H - 8, H / 2, H / 2);
    for (size_t c = 0; c < in->class_count; c++) {
        fprintf(f, "<span><i style=\"background:hsl(%.0f,70%%,45%%)\"></i>", class_hue(c));
        html(f, in->class_names[c]);
        fputs("</span>", f);
    }
    fputs("</div>\n", f);
}

/* ---- evaluation ----------------------------------------------------------------------------- */

typedef struct class_acc {
    const char *name;
    double recall;
    double support;
} class_acc;

static int cmp_acc(const void *a, const void *b)
{
    const class_acc *x = a, *y = b;
    if (x->recall != y->recall)
        return x->recall < y->recall ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void evaluation_section(FILE *f, const orc_json *ev)
{
    fputs("<h2>Classification</h2>\n", f);
    const orc_json *classes = orc_json_get(ev, "classes"), *conf = orc_json_get(ev, "confusion");
    if (ev == NULL || classes == NULL || conf == NULL || classes->type != ORC_JSON_ARRAY ||
        conf->type != ORC_JSON_ARRAY || conf->count != classes->count || classes->count == 0) {
        missing(f, "No evaluation.json (orchard evaluate -o): no confusion matrix or per-class "
                   "accuracy.");
        return;
    }
    size_t k = classes->count;
    for (size_t i = 0; i < k; i++)
        if (conf->items[i]->type != ORC_JSON_ARRAY || conf->items[i]->count != k ||
            classes->items[i]->type != ORC_JSON_STRING) {
            missing(f, "evaluation.json: the confusion matrix is not square over the classes.");
            return;
        }
    fprintf(f, "<p>top-1 <b>%.2f %%</b>, top-5 %.2f %% on %.0f rows (model: ", 
            100.0 * orc_json_number(ev, "top1", NAN), 100.0 * orc_json_number(ev, "top5", NAN),
            orc_json_number(ev, "rows", NAN));
    html(f, orc_json_string(ev, "model"));
    fputs(", dataset: ", f);
    html(f, orc_json_string(ev, "dataset"));
    fputs(").</p>\n", f);
    double *m = malloc(k * k * sizeof *m);
    class_acc *acc = malloc(k * sizeof *acc);
    if (m == NULL || acc == NULL) {
        free(m);
        free(acc);
        missing(f, "out of memory");
        return;
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            const orc_json *v = conf->items[i]->items[j];
            m[i * k + j] = v->type == ORC_JSON_NUMBER && v->number > 0.0 ? v->number : 0.0;
        }
    /* heat map: cell (true i, predicted j), colour = log(1 + n) / log(1 + row total) */
    double cell = 720.0 / (double)k;
    if (cell > 24.0)
        cell = 24.0;
    int side = (int)ceil(cell * (double)k), M = 40;
    fprintf(f, "<h3>Confusion matrix (rows: true class, columns: predicted; hover a cell)</h3>\n"
               "<svg id=\"confusion\" class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" "
               "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
               "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\" stroke=\"#999\"/>\n",
            side + 2 * M, side + 2 * M, side + 2 * M, side + 2 * M, M, M, side, side);
    for (size_t i = 0; i < k; i++) {
        double total = 0.0;
        for (size_t j = 0; j < k; j++)
            total += m[i * k + j];
        acc[i].name = classes->items[i]->string;
        acc[i].support = total;
        acc[i].recall = total > 0.0 ? m[i * k + i] / total : 0.0;
        for (size_t j = 0; j < k; j++) {
            double v = m[i * k + j];
            if (!(v > 0.0))
                continue;
            double t = log1p(v) / log1p(total);
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                       "fill-opacity=\"%.3f\"><title>", M + cell * (double)j, M + cell * (double)i,
                    cell, cell, i == j ? "#2a5db0" : "#d0302a", 0.15 + 0.85 * t);
            html(f, classes->items[i]->string);
            fputs(" \xe2\x86\x92 ", f);
            html(f, classes->items[j]->string);
            fprintf(f, ": %.0f</title></rect>\n", v);
        }
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"lbl\">predicted</text>"
               "<text x=\"14\" y=\"%d\" class=\"lbl\" transform=\"rotate(-90 14 %d)\">true</text>\n"
               "</svg>\n", M + side / 2, M - 10, M + side / 2, M + side / 2);
    /* the largest confusions as a table (each listed cell is zeroed in the copy) */
    fputs("<h3>Most frequent confusions</h3>\n<table><tr><th>true</th><th>predicted</th>"
          "<th>count</th></tr>\n", f);
    for (int shown = 0; shown < 15; shown++) {
        double best = 0.0;
        size_t bi = 0, bj = 0;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                if (i != j && m[i * k + j] > best) {
                    best = m[i * k + j];
                    bi = i;
                    bj = j;
                }
        if (!(best > 0.0))
            break;
        fputs("<tr><td>", f);
        html(f, classes->items[bi]->string);
        fputs("</td><td>", f);
        html(f, classes->items[bj]->string);
        fprintf(f, "</td><td>%.0f</td></tr>\n", best);
        m[bi * k + bj] = 0.0;
    }
    fputs("</table>\n", f);
    free(m);
    qsort(acc, k, sizeof *acc, cmp_acc);
    int row = 12, left = 170, W = 760, H = (int)k * row + 30;
    fprintf(f, "<h3>Per-class accuracy (recall), lowest first</h3>\n<svg id=\"per-class\" "
               "class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\">\n", W, H, W, H);
    for (size_t i = 0; i < k; i++) {
        int y = 10 + (int)i * row;
        double w = (W - left - 70) * acc[i].recall;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"small\">", left - 6, y + 9);
        html(f, acc[i].name);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%d\" class=\"small\">%.1f%% (%.0f)</text>\n",
                left, y + 1, w, row - 2, acc[i].recall < 0.95 ? "#d0514a" : "#4a7bd0",
                left + w + 4, y + 9, 100.0 * acc[i].recall, acc[i].support);
    }
    fputs("</svg>\n", f);
    free(acc);
}

static void skipped_section(FILE *f, const orc_report_input *in)
{
    fprintf(f, "<h2>Skipped inputs (%zu)</h2>\n", in->skipped);
    if (in->skipped == 0) {
        fputs("<p>None.</p>\n", f);
        return;
    }
    fputs("<table><tr><th>input</th><th>reason</th></tr>\n", f);
    for (size_t i = 0; i < in->skipped && i < SKIPPED_MAX; i++) {
        fputs("<tr><td>", f);
        html(f, in->skipped_path[i]);
        fputs("</td><td>", f);
        html(f, in->skipped_reason[i]);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (in->skipped > SKIPPED_MAX)
        fprintf(f, "<p>... and %zu more.</p>\n", in->skipped - SKIPPED_MAX);
}

orc_status orc_report_write(const orc_report_input *in, const char *path, orc_error *err)
{
    if (in == NULL || path == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "report: missing argument");
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    html(f, in->title != NULL ? in->title : "Orchard run report");
    fputs("</title>\n<style>\n"
          "body{font-family:system-ui,sans-serif;margin:24px auto;max-width:900px;color:#222}\n"
          "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}\n"
          "h3{font-size:15px}table{border-collapse:collapse;font-size:13px}\n"
          "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}\n"
          ".kv th{background:#f4f4f4}.missing{color:#a33;font-style:italic}\n"
          "svg.plot{display:block;background:#fff;border:1px solid #eee;margin:8px 0}\n"
          ".lbl{font-size:12px;fill:#333}.small{font-size:9px;fill:#333}\n"
          ".legend{font-size:11px;display:flex;flex-wrap:wrap;gap:4px 12px}\n"
          ".legend i{display:inline-block;width:10px;height:10px;margin-right:4px}\n"
          "</style></head><body>\n<h1>", f);
    html(f, in->title != NULL ? in->title : "Orchard run report");
    fputs("</h1>\n", f);
    if (in->sources != NULL) {
        fputs("<p>", f);
        html(f, in->sources);
        fputs("</p>\n", f);
    }
    run_section(f, in->run);
    pca_section(f, in);
    scatter_section(f, in);
    evaluation_section(f, in->evaluation);
    skipped_section(f, in);
    fprintf(f, "<p style=\"color:#888;font-size:11px\">Drawn by orchard %s.</p>\n</body></html>\n",
            ORC_VERSION);
    if (ferror(f) | (fclose(f) != 0))
        return orc_error_set(err, ORC_ERR_IO, "cannot write %s", path);
    return ORC_OK;
}
