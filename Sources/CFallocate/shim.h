// fallocate(2), which glibc declares only under _GNU_SOURCE (Swift's Glibc module is built
// without it). With FALLOC_FL_KEEP_SIZE it reserves disk blocks past a file's end without changing
// its size: the audit journal reserves room before it writes, so a full disk refuses a batch whole.
#ifndef POSTERN_CFALLOCATE_SHIM_H
#define POSTERN_CFALLOCATE_SHIM_H
#ifdef __linux__
#include <sys/types.h>

extern int fallocate(int fd, int mode, off_t offset, off_t len);
static const int postern_FALLOC_FL_KEEP_SIZE = 0x01;
#endif
#endif
