/*
 * The kernel's side of test_fs_abi.c: the constants of kernel/fs/vfs.h by
 * name, compiled without any host header that defines the same names, and
 * vfs_makedev for the device-number encoding.
 */
#include <stdint.h>

#include "fs/vfs.h"

struct abi_value {
	const char *name;
	long long value;
};

#define V(n) {#n, n}
const struct abi_value kernel_abi[] = {
	V(O_ACCMODE), V(O_RDONLY), V(O_WRONLY), V(O_RDWR), V(O_CREAT), V(O_EXCL), V(O_NOCTTY),
	V(O_TRUNC), V(O_APPEND), V(O_NONBLOCK), V(O_DIRECTORY), V(O_NOFOLLOW), V(O_CLOEXEC),
	V(S_IFMT), V(S_IFSOCK), V(S_IFLNK), V(S_IFREG), V(S_IFBLK), V(S_IFDIR), V(S_IFCHR),
	V(S_IFIFO), V(S_ISUID), V(S_ISGID), V(S_ISVTX),
	V(DT_UNKNOWN), V(DT_FIFO), V(DT_CHR), V(DT_DIR), V(DT_BLK), V(DT_REG), V(DT_LNK),
	V(DT_SOCK), V(SEEK_SET), V(SEEK_CUR), V(SEEK_END),
	V(VFS_PATH_MAX), V(VFS_NAME_MAX),
	{0, 0},
};

uint64_t kernel_makedev(uint32_t major, uint32_t minor);
uint64_t kernel_makedev(uint32_t major, uint32_t minor) { return vfs_makedev(major, minor); }
unsigned kernel_dt(uint32_t mode);
unsigned kernel_dt(uint32_t mode) { return VFS_DT(mode); }
