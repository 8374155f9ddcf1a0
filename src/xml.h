/* xml.h -- a small, strict, non-validating XML parser for S3 responses (ListObjectsV2,
 * InitiateMultipartUpload, ListMultipartUploads, error bodies). It builds a tree of elements
 * with their decoded text; attributes are checked for syntax and dropped (S3 sends only xmlns).
 *
 * Strict: one root element; tags must nest and match; entities limited to the five predefined
 * ones and numeric references (&#N; / &#xN;, no NUL, valid code points, written as UTF-8);
 * '<' and a bare '&' in text are errors; CDATA sections and comments are accepted; DOCTYPE and
 * processing instructions other than the leading <?xml ...?> declaration are rejected (no
 * entity expansion attacks). Depth limit ORC_XML_MAX_DEPTH. Input need not be NUL-terminated.
 * Errors name the byte offset and the reason.
 *
 * Thread safety: a parsed document is immutable; distinct documents are independent.
 */
#ifndef ORC_XML_H
#define ORC_XML_H

#include "orchard.h"

#define ORC_XML_MAX_DEPTH 64

typedef struct orc_xml_node {
    char *name;                     /* element name as written (prefix included) */
    char *text;                     /* decoded character data directly inside ("" if none) */
    struct orc_xml_node *children;  /* child elements in document order */
    size_t n_children;
} orc_xml_node;

typedef struct orc_xml_doc orc_xml_doc;

orc_status orc_xml_parse(const char *data, size_t len, orc_xml_doc **out, orc_error *err);
const orc_xml_node *orc_xml_root(const orc_xml_doc *doc);
/* The first child element called name, or NULL. */
const orc_xml_node *orc_xml_child(const orc_xml_node *node, const char *name);
/* The text of the first child element called name, or NULL if there is none. */
const char *orc_xml_child_text(const orc_xml_node *node, const char *name);
void orc_xml_close(orc_xml_doc *doc);

#endif
