/* xml.c -- strict recursive-descent XML parser building an element tree (see xml.h). */
#include "xml.h"

#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

struct orc_xml_doc {
    orc_xml_node root;
};

typedef struct parser {
    const char *s;
    size_t len;
    size_t pos;
    orc_error *err;
} parser;

static orc_status fail(parser *p, const char *what)
{
    return orc_error_set(p->err, ORC_ERR_FORMAT, "XML: %s at byte %zu", what, p->pos);
}

static int at_end(const parser *p) { return p->pos >= p->len; }

static int starts(const parser *p, const char *lit)
{
    size_t n = strlen(lit);
    return p->len - p->pos >= n && memcmp(p->s + p->pos, lit, n) == 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void skip_space(parser *p)
{
    while (!at_end(p) && is_space(p->s[p->pos]))
        p->pos++;
}

static int is_name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static orc_status parse_name(parser *p, const char **name, size_t *len)
{
    if (at_end(p) || !is_name_start((unsigned char)p->s[p->pos]))
        return fail(p, "expected a name");
    size_t start = p->pos;
    while (!at_end(p) && is_name_char((unsigned char)p->s[p->pos]))
        p->pos++;
    *name = p->s + start;
    *len = p->pos - start;
    return ORC_OK;
}

static void put_utf8(orc_strbuf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 63));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 63));
        u[2] = (char)(0x80 | (cp & 63));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 63));
        u[2] = (char)(0x80 | ((cp >> 6) & 63));
        u[3] = (char)(0x80 | (cp & 63));
        n = 4;
    }
    orc_strbuf_append(b, u, n);
}

/* at '&': decode one reference into b */
static orc_status parse_reference(parser *p, orc_strbuf *b)
{
    static const struct { const char *name; char c; } named[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (starts(p, named[i].name)) {
            orc_strbuf_putc(b, named[i].c);
            p->pos += strlen(named[i].name);
            return ORC_OK;
        }
    if (!starts(p, "&#"))
        return fail(p, "unknown entity or bare '&'");
    p->pos += 2;
    int hex = 0;
    if (!at_end(p) && p->s[p->pos] == 'x') {
        hex = 1;
        p->pos++;
    }
    unsigned long cp = 0;
    size_t digits = 0;
    while (!at_end(p) && p->s[p->pos] != ';') {
        char c = p->s[p->pos];
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            return fail(p, "bad character reference");
        cp = cp * (hex ? 16 : 10) + (unsigned long)v;
        if (cp > 0x10FFFF || ++digits > 8)
            return fail(p, "character reference out of range");
        p->pos++;
    }
    if (at_end(p) || digits == 0)
        return fail(p, "unterminated character reference");
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(p, "character reference to an invalid code point");
    p->pos++;
    put_utf8(b, cp);
    return ORC_OK;
}

static orc_status skip_comment(parser *p)
{
    p->pos += 4; /* <!-- */
    while (!at_end(p)) {
        if (starts(p, "-->")) {
            p->pos += 3;
            return ORC_OK;
        }
        p->pos++;
    }
    return fail(p, "unterminated comment");
}

static void node_free(orc_xml_node *n)
{
    for (size_t i = 0; i < n->n_children; i++)
        node_free(&n->children[i]);
    free(n->children);
    free(n->name);
    free(n->text);
}

/* at '<' of a start tag; fills *n */
static orc_status parse_element(parser *p, orc_xml_node *n, int depth)
{
    if (depth > ORC_XML_MAX_DEPTH)
        return fail(p, "elements nested too deeply");
    p->pos++; /* '<' */
    const char *name;
    size_t nlen;
    orc_status st = parse_name(p, &name, &nlen);
    if (st != ORC_OK)
        return st;
    n->name = strndup(name, nlen);
    if (n->name == NULL)
        return orc_error_set(p->err, ORC_ERR_NO_MEMORY, "XML: out of memory");
    /* attributes: name="value" or name='value', syntax-checked and dropped */
    for (;;) {
        size_t before = p->pos;
        skip_space(p);
        if (at_end(p))
            return fail(p, "unterminated start tag");
        char c = p->s[p->pos];
        if (c == '>' || starts(p, "/>"))
            break;
        if (p->pos == before)
            return fail(p, "expected whitespace before an attribute");
        const char *an;
        size_t al;
        if ((st = parse_name(p, &an, &al)) != ORC_OK)
            return st;
        skip_space(p);
        if (at_end(p) || p->s[p->pos] != '=')
            return fail(p, "expected '=' after an attribute name");
        p->pos++;
        skip_space(p);
        if (at_end(p) || (p->s[p->pos] != '"' && p->s[p->pos] != '\''))
            return fail(p, "expected a quoted attribute value");
        char q = p->s[p->pos++];
        while (!at_end(p) && p->s[p->pos] != q) {
            if (p->s[p->pos] == '<')
                return fail(p, "'<' in an attribute value");
            p->pos++;
        }
        if (at_end(p))
            return fail(p, "unterminated attribute value");
        p->pos++;
    }
    orc_strbuf text = {0};
    if (starts(p, "/>")) {
        p->pos += 2;
        n->text = orc_strbuf_take(&text);
        return n->text ? ORC_OK : orc_error_set(p->err, ORC_ERR_NO_MEMORY, "XML: out of memory");
    }
    p->pos++; /* '>' */
    size_t cap = 0;
    for (;;) {
        if (at_end(p)) {
            st = orc_error_set(p->err, ORC_ERR_FORMAT, "XML: element <%s> is not closed at end of input", n->name);
            break;
        }
        char c = p->s[p->pos];
        if (c == '&') {
            if ((st = parse_reference(p, &text)) != ORC_OK)
                break;
        } else if (c != '<') {
            if (c == '\0') {
                st = fail(p, "NUL byte");
                break;
            }
            orc_strbuf_putc(&text, c);
            p->pos++;
        } else if (starts(p, "</")) {
            p->pos += 2;
            const char *en;
            size_t el;
            if ((st = parse_name(p, &en, &el)) != ORC_OK)
                break;
            if (el != nlen || memcmp(en, n->name, nlen) != 0) {
                st = orc_error_set(p->err, ORC_ERR_FORMAT, "XML: </%.*s> closes <%s> at byte %zu",
                                   (int)(el > 64 ? 64 : el), en, n->name, p->pos);
                break;
            }
            skip_space(p);
            if (at_end(p) || p->s[p->pos] != '>') {
                st = fail(p, "expected '>' in an end tag");
                break;
            }
            p->pos++;
            break;
        } else if (starts(p, "<!--")) {
            if ((st = skip_comment(p)) != ORC_OK)
                break;
        } else if (starts(p, "<![CDATA[")) {
            p->pos += 9;
            size_t start = p->pos;
            while (!at_end(p) && !starts(p, "]]>"))
                p->pos++;
            if (at_end(p)) {
                st = fail(p, "unterminated CDATA section");
                break;
            }
            orc_strbuf_append(&text, p->s + start, p->pos - start);
            p->pos += 3;
        } else if (starts(p, "<!") || starts(p, "<?")) {
            st = fail(p, "DOCTYPE or processing instruction inside an element");
            break;
        } else {
            if (n->n_children == cap) {
                size_t ncap = cap ? 2 * cap : 4;
                orc_xml_node *ch = realloc(n->children, ncap * sizeof *ch);
                if (ch == NULL) {
                    st = orc_error_set(p->err, ORC_ERR_NO_MEMORY, "XML: out of memory");
                    break;
                }
                n->children = ch;
                cap = ncap;
            }
            orc_xml_node *child = &n->children[n->n_children++];
            memset(child, 0, sizeof *child);
            if ((st = parse_element(p, child, depth + 1)) != ORC_OK)
                break;
        }
    }
    if (st == ORC_OK) {
        n->text = orc_strbuf_take(&text);
        if (n->text == NULL)
            st = orc_error_set(p->err, ORC_ERR_NO_MEMORY, "XML: out of memory");
    } else {
        orc_strbuf_free(&text);
    }
    return st;
}

/* prolog / epilog: whitespace and comments only */
static orc_status skip_misc(parser *p)
{
    for (;;) {
        skip_space(p);
        if (starts(p, "<!--")) {
            orc_status st = skip_comment(p);
            if (st != ORC_OK)
                return st;
            continue;
        }
        return ORC_OK;
    }
}

orc_status orc_xml_parse(const char *data, size_t len, orc_xml_doc **out, orc_error *err)
{
    if (data == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "XML: no input");
    parser p = {data, len, 0, err};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    if (starts(&p, "<?xml")) {
        while (!at_end(&p) && !starts(&p, "?>"))
            p.pos++;
        if (at_end(&p))
            return fail(&p, "unterminated XML declaration");
        p.pos += 2;
    }
    orc_status st = skip_misc(&p);
    if (st != ORC_OK)
        return st;
    if (starts(&p, "<!DOCTYPE") || starts(&p, "<!"))
        return fail(&p, "DOCTYPE is not allowed");
    if (at_end(&p) || p.s[p.pos] != '<' || starts(&p, "<?"))
        return fail(&p, at_end(&p) ? "empty document" : "expected the root element");
    orc_xml_doc *doc = calloc(1, sizeof *doc);
    if (doc == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "XML: out of memory");
    st = parse_element(&p, &doc->root, 1);
    if (st == ORC_OK)
        st = skip_misc(&p);
    if (st == ORC_OK && !at_end(&p))
        st = fail(&p, "content after the root element");
    if (st != ORC_OK) {
        orc_xml_close(doc);
        return st;
    }
    *out = doc;
    return ORC_OK;
}

const orc_xml_node *orc_xml_root(const orc_xml_doc *doc) { return doc ? &doc->root : NULL; }

const orc_xml_node *orc_xml_child(const orc_xml_node *node, const char *name)
{
    for (size_t i = 0; node != NULL && i < node->n_children; i++)
        if (strcmp(node->children[i].name, name) == 0)
            return &node->children[i];
    return NULL;
}

const char *orc_xml_child_text(const orc_xml_node *node, const char *name)
{
    const orc_xml_node *c = orc_xml_child(node, name);
    return c ? c->text : NULL;
}

void orc_xml_close(orc_xml_doc *doc)
{
    if (doc == NULL)
        return;
    node_free(&doc->root);
    free(doc);
}
