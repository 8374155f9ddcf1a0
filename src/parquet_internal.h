/* parquet_internal.h -- Parquet format constants (parquet.thrift enums) shared by the writer and
 * the reader. Not part of the public API. */
#ifndef ORC_PARQUET_INTERNAL_H
#define ORC_PARQUET_INTERNAL_H

enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4, PQ_DOUBLE = 5,
       PQ_BYTE_ARRAY = 6, PQ_FIXED_LEN_BYTE_ARRAY = 7 };                        /* Type */
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };                    /* repetition */
enum { PQ_CONVERTED_UTF8 = 0, PQ_CONVERTED_LIST = 3 };                         /* ConvertedType */
enum { PQ_ENC_PLAIN = 0, PQ_ENC_PLAIN_DICTIONARY = 2, PQ_ENC_RLE = 3, PQ_ENC_BIT_PACKED = 4,
       PQ_ENC_DELTA_BINARY_PACKED = 5, PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
       PQ_ENC_DELTA_BYTE_ARRAY = 7, PQ_ENC_RLE_DICTIONARY = 8,
       PQ_ENC_BYTE_STREAM_SPLIT = 9 };                                         /* Encoding */
enum { PQ_CODEC_UNCOMPRESSED = 0, PQ_CODEC_SNAPPY = 1, PQ_CODEC_GZIP = 2, PQ_CODEC_ZSTD = 6 };
enum { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };
enum { PQ_LOGICAL_STRING = 1, PQ_LOGICAL_LIST = 3 };                           /* LogicalType */

#define PQ_MAGIC "PAR1"
#define PQ_MAX_STRING_BYTES ((size_t)256 << 20) /* one string value, writer and reader */
#define PQ_MAX_LIST_VALUES ((size_t)64 << 20)   /* one list value */
#define PQ_MAX_PAGE_BYTES ((size_t)1 << 30)

#endif
