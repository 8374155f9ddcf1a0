/* test_xml.c -- the strict XML parser: real S3 response shapes (ListObjectsV2 with
 * continuation token, multipart initiate, error bodies), entities and CDATA, and every kind of
 * malformed input rejected with the exact message. */
#include "check_main.h"
#include "xml.h"

static orc_xml_doc *parse_ok(const char *s)
{
    orc_xml_doc *d = NULL;
    orc_error err = {0};
    ck_assert_msg(orc_xml_parse(s, strlen(s), &d, &err) == ORC_OK, "%s", err.msg);
    return d;
}

START_TEST(test_list_objects_v2)
{
    const char *s =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>bucket</Name><Prefix>a b/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
        "<IsTruncated>true</IsTruncated>"
        "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
        "<Contents><Key>a b/x&amp;y.txt</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
        "<ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>a b/\xc3\xa9t\xc3\xa9 &#x263A;&#233;</Key><Size>0</Size></Contents>"
        "</ListBucketResult>\n";
    orc_xml_doc *d = parse_ok(s);
    const orc_xml_node *root = orc_xml_root(d);
    ck_assert_str_eq(root->name, "ListBucketResult");
    ck_assert_str_eq(orc_xml_child_text(root, "IsTruncated"), "true");
    ck_assert_str_eq(orc_xml_child_text(root, "NextContinuationToken"),
                     "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    ck_assert_str_eq(orc_xml_child_text(root, "Prefix"), "a b/");
    ck_assert_ptr_null(orc_xml_child_text(root, "Missing"));
    size_t n = 0;
    for (size_t i = 0; i < root->n_children; i++)
        if (strcmp(root->children[i].name, "Contents") == 0)
            n++;
    ck_assert_uint_eq(n, 2);
    const orc_xml_node *c0 = orc_xml_child(root, "Contents");
    ck_assert_str_eq(orc_xml_child_text(c0, "Key"), "a b/x&y.txt");
    ck_assert_str_eq(orc_xml_child_text(c0, "ETag"), "\"fba9dede5f27731c9771645a39863328\"");
    ck_assert_str_eq(orc_xml_child_text(c0, "Size"), "434234");
    ck_assert_str_eq(orc_xml_child_text(&root->children[7], "Key"),
                     "a b/\xc3\xa9t\xc3\xa9 \xe2\x98\xba\xc3\xa9");
    orc_xml_close(d);
}
END_TEST

START_TEST(test_error_body_and_misc)
{
    orc_xml_doc *d = parse_ok(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- c --><Error><Code>SignatureDoesNotMatch</Code>"
        "<Message>The request signature we calculated does not match</Message>"
        "<Region>eu-west-3</Region><Empty/><Data><![CDATA[<raw> & stuff]]></Data>"
        "<!-- inner --></Error>  \n");
    const orc_xml_node *root = orc_xml_root(d);
    ck_assert_str_eq(orc_xml_child_text(root, "Code"), "SignatureDoesNotMatch");
    ck_assert_str_eq(orc_xml_child_text(root, "Region"), "eu-west-3");
    ck_assert_str_eq(orc_xml_child_text(root, "Empty"), "");
    ck_assert_str_eq(orc_xml_child_text(root, "Data"), "<raw> & stuff");
    orc_xml_close(d);
    d = parse_ok("<InitiateMultipartUploadResult a='1' b = \"2\"><UploadId>2~abc</UploadId>"
                 "</InitiateMultipartUploadResult>");
    ck_assert_str_eq(orc_xml_child_text(orc_xml_root(d), "UploadId"), "2~abc");
    orc_xml_close(d);
    /* not NUL-terminated: only len bytes are read */
    char buf[16];
    memcpy(buf, "<a>xy</a>GARBAGE", 16);
    ck_assert_int_eq(orc_xml_parse(buf, 9, &d, NULL), ORC_OK);
    ck_assert_str_eq(orc_xml_root(d)->text, "xy");
    orc_xml_close(d);
    orc_xml_close(NULL);
}
END_TEST

static void expect_bad(const char *s, const char *msg)
{
    orc_xml_doc *d = (orc_xml_doc *)0x1;
    orc_error err = {0};
    ck_assert_int_eq(orc_xml_parse(s, strlen(s), &d, &err), ORC_ERR_FORMAT);
    ck_assert_msg(strcmp(err.msg, msg) == 0, "input %s\nwant %s\ngot  %s", s, msg, err.msg);
    ck_assert_ptr_eq(d, (orc_xml_doc *)0x1); /* output untouched on failure */
}

START_TEST(test_malformed)
{
    expect_bad("", "XML: empty document at byte 0");
    expect_bad("   ", "XML: empty document at byte 3");
    expect_bad("text", "XML: expected the root element at byte 0");
    expect_bad("<a><b></a>", "XML: </a> closes <b> at byte 9");
    expect_bad("<a>", "XML: element <a> is not closed at end of input");
    expect_bad("<a>x &nbsp; y</a>", "XML: unknown entity or bare '&' at byte 5");
    expect_bad("<a>x & y</a>", "XML: unknown entity or bare '&' at byte 5");
    expect_bad("<a>&#0;</a>", "XML: character reference to an invalid code point at byte 6");
    expect_bad("<a>&#xD800;</a>", "XML: character reference to an invalid code point at byte 10");
    expect_bad("<a>&#x110000;</a>", "XML: character reference out of range at byte 11");
    expect_bad("<a>&#12</a>", "XML: bad character reference at byte 7");
    expect_bad("<a></a><b/>", "XML: content after the root element at byte 7");
    expect_bad("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "XML: DOCTYPE is not allowed at byte 0");
    expect_bad("<a><?pi x?></a>", "XML: DOCTYPE or processing instruction inside an element at byte 3");
    expect_bad("<a b=c/>", "XML: expected a quoted attribute value at byte 5");
    expect_bad("<a b=\"c\"d=\"e\"/>", "XML: expected whitespace before an attribute at byte 8");
    expect_bad("<a b=\"<\"/>", "XML: '<' in an attribute value at byte 6");
    expect_bad("<1a/>", "XML: expected a name at byte 1");
    expect_bad("<a><!-- x</a>", "XML: unterminated comment at byte 13");
    expect_bad("<a><![CDATA[x</a>", "XML: unterminated CDATA section at byte 17");
    expect_bad("<?xml version=\"1.0\"", "XML: unterminated XML declaration at byte 19");
    /* depth limit */
    char deep[2 * (ORC_XML_MAX_DEPTH + 2) * 4];
    size_t o = 0;
    for (int i = 0; i < ORC_XML_MAX_DEPTH + 1; i++)
        o += (size_t)sprintf(deep + o, "<a>");
    deep[o] = '\0';
    char msg[64];
    snprintf(msg, sizeof msg, "XML: elements nested too deeply at byte %d", 3 * ORC_XML_MAX_DEPTH);
    expect_bad(deep, msg);
    orc_error err;
    ck_assert_int_eq(orc_xml_parse(NULL, 0, NULL, &err), ORC_ERR_INVALID_ARGUMENT);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("xml");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_list_objects_v2);
    tcase_add_test(tc, test_error_body_and_misc);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
