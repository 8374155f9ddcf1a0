/* keras_h5.c -- Keras 2 legacy HDF5 weights reader (see keras_h5.h). libhdf5's automatic error
 * printing is switched off; every failure becomes an orc_error naming the file and the object. */
#include "keras_h5.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 100000u
#define MAX_ELEMENTS (64u * 1024u * 1024u)

static void free_names(char **names, uint32_t n)
{
    if (names == NULL)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Read the string-array attribute attr of obj ("where" names obj in messages). */
static orc_status read_names(hid_t obj, const char *attr, const char *path, const char *where,
                             char ***out, uint32_t *n_out, orc_error *err)
{
    orc_status st = ORC_OK;
    hid_t a = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID;
    hid_t mem = H5I_INVALID_HID;
    char **names = NULL, **vbuf = NULL, *fbuf = NULL;
    uint32_t n = 0;
    if (H5Aexists(obj, attr) <= 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: %s has no attribute '%s': not a Keras 2 "
                           "weights file (model.save_weights layout)", path, where, attr);
        goto done;
    }
    a = H5Aopen(obj, attr, H5P_DEFAULT);
    space = a < 0 ? H5I_INVALID_HID : H5Aget_space(a);
    type = a < 0 ? H5I_INVALID_HID : H5Aget_type(a);
    if (a < 0 || space < 0 || type < 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: cannot read attribute '%s' of %s", path,
                           attr, where);
        goto done;
    }
    hssize_t np = H5Sget_simple_extent_npoints(space);
    if (H5Tget_class(type) != H5T_STRING || np < 0 || np > (hssize_t)MAX_NAMES ||
        H5Sget_simple_extent_ndims(space) > 1) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: attribute '%s' of %s is not a list of "
                           "strings", path, attr, where);
        goto done;
    }
    n = (uint32_t)np;
    names = calloc(n == 0 ? 1 : n, sizeof *names);
    if (names == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
        goto done;
    }
    if (n == 0)
        goto done;
    mem = H5Tcopy(H5T_C_S1);
    if (H5Tis_variable_str(type) > 0) {
        vbuf = calloc(n, sizeof *vbuf);
        if (vbuf == NULL || H5Tset_size(mem, H5T_VARIABLE) < 0 || H5Aread(a, mem, vbuf) < 0) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: cannot read attribute '%s' of %s",
                               path, attr, where);
            goto done;
        }
        for (uint32_t i = 0; i < n && st == ORC_OK; i++)
            if ((names[i] = strdup(vbuf[i] != NULL ? vbuf[i] : "")) == NULL)
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
        for (uint32_t i = 0; i < n; i++)
            H5free_memory(vbuf[i]);
    } else {
        size_t sz = H5Tget_size(type);
        fbuf = sz == 0 ? NULL : calloc(n, sz);
        /* read with the file's own size and padding: NULLPAD names may fill all sz bytes */
        if (fbuf == NULL || H5Tset_size(mem, sz) < 0 ||
            H5Tset_strpad(mem, H5Tget_strpad(type)) < 0 || H5Aread(a, mem, fbuf) < 0) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: cannot read attribute '%s' of %s",
                               path, attr, where);
            goto done;
        }
        for (uint32_t i = 0; i < n && st == ORC_OK; i++)
            if ((names[i] = strndup(fbuf + (size_t)i * sz, sz)) == NULL)
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
    }
done:
    free(vbuf);
    free(fbuf);
    if (mem >= 0)
        H5Tclose(mem);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (a >= 0)
        H5Aclose(a);
    if (st != ORC_OK) {
        free_names(names, n);
        return st;
    }
    *out = names;
    *n_out = n;
    return ORC_OK;
}

orc_status orc_keras_h5_open(const char *path, orc_keras_h5 **out, orc_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    orc_keras_h5 *h5 = calloc(1, sizeof *h5);
    if (h5 == NULL || (h5->path = strdup(path)) == NULL) {
        free(h5);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    h5->file = H5I_INVALID_HID;
    orc_status st = ORC_OK;
    if (H5Fis_hdf5(path) <= 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: not an HDF5 file (or not readable)", path);
        goto done;
    }
    h5->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (h5->file < 0) {
        st = orc_error_set(err, ORC_ERR_IO, "%s: cannot open the HDF5 file", path);
        goto done;
    }
    char **names = NULL;
    uint32_t n = 0;
    st = read_names((hid_t)h5->file, "layer_names", path, "the root group", &names, &n, err);
    if (st != ORC_OK)
        goto done;
    h5->layers = calloc(n == 0 ? 1 : n, sizeof *h5->layers);
    if (h5->layers == NULL) {
        free_names(names, n);
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        h5->layers[i].name = names[i];
    free(names);
    h5->layer_count = n;
    for (uint32_t i = 0; i < n && st == ORC_OK; i++) {
        orc_keras_layer *l = &h5->layers[i];
        char where[200];
        snprintf(where, sizeof where, "layer '%s'", l->name);
        hid_t g = H5Gopen2((hid_t)h5->file, l->name, H5P_DEFAULT);
        if (g < 0) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' is listed in layer_names "
                               "but has no group", path, l->name);
            break;
        }
        st = read_names(g, "weight_names", path, where, &l->weight_names, &l->weight_count, err);
        H5Gclose(g);
    }
done:
    if (st != ORC_OK) {
        orc_keras_h5_close(h5);
        return st;
    }
    *out = h5;
    return ORC_OK;
}

void orc_keras_h5_close(orc_keras_h5 *h5)
{
    if (h5 == NULL)
        return;
    for (uint32_t i = 0; i < h5->layer_count; i++) {
        free(h5->layers[i].name);
        free_names(h5->layers[i].weight_names, h5->layers[i].weight_count);
    }
    free(h5->layers);
    if (h5->file >= 0)
        H5Fclose((hid_t)h5->file);
    free(h5->path);
    free(h5);
}

orc_status orc_keras_h5_read(const orc_keras_h5 *h5, uint32_t l, uint32_t w,
                             orc_keras_tensor *out, orc_error *err)
{
    const orc_keras_layer *layer = &h5->layers[l];
    const char *wname = layer->weight_names[w];
    orc_status st = ORC_OK;
    hid_t g = H5I_INVALID_HID, d = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hid_t type = H5I_INVALID_HID;
    orc_keras_tensor t;
    memset(&t, 0, sizeof t);
    g = H5Gopen2((hid_t)h5->file, layer->name, H5P_DEFAULT);
    d = g < 0 ? H5I_INVALID_HID : H5Dopen2(g, wname, H5P_DEFAULT);
    if (d < 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': weight '%s' (listed in "
                           "weight_names) has no dataset at %s/%s", h5->path, layer->name, wname,
                           layer->name, wname);
        goto done;
    }
    space = H5Dget_space(d);
    type = H5Dget_type(d);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (type < 0 || H5Tget_class(type) != H5T_FLOAT) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': weight '%s' is not a "
                           "floating-point dataset", h5->path, layer->name, wname);
        goto done;
    }
    if (rank < 1 || rank > 4) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': weight '%s' has rank %d "
                           "(expected 1 to 4)", h5->path, layer->name, wname, rank);
        goto done;
    }
    hsize_t dims[4];
    H5Sget_simple_extent_dims(space, dims, NULL);
    t.rank = (uint32_t)rank;
    t.count = 1;
    for (int k = 0; k < rank; k++) {
        t.dims[k] = dims[k];
        t.count *= dims[k];
        if (dims[k] == 0 || t.count > MAX_ELEMENTS) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': weight '%s' has an empty or "
                               "absurdly large shape", h5->path, layer->name, wname);
            goto done;
        }
    }
    t.data = malloc(t.count * sizeof *t.data);
    if (t.data == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", h5->path);
        goto done;
    }
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data) < 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': cannot read weight '%s'",
                           h5->path, layer->name, wname);
        goto done;
    }
    *out = t;
    t.data = NULL;
done:
    free(t.data);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    if (g >= 0)
        H5Gclose(g);
    return st;
}
