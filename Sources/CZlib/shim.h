// zlib (Debian: zlib1g-dev), used for gzip compression ratios and gzip-compatible output.
#include <zlib.h>
