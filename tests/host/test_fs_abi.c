/*
 * The file system's constants against Linux's, as the build machine's C
 * library and kernel headers define them: open() flags (fcntl.h), file
 * types and mode bits (sys/stat.h), d_type (dirent.h), whence (stdio.h),
 * PATH_MAX and NAME_MAX (limits.h), and the st_rdev encoding (glibc's
 * makedev, major and minor). The system-call layer passes all of these to
 * and from Linux programs unchanged. fs_abi_kernel.c holds the kernel's
 * values: this file cannot include both headers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

struct abi_value {
	const char *name;
	long long value;
};
extern const struct abi_value kernel_abi[];
uint64_t kernel_makedev(uint32_t major, uint32_t minor);
unsigned kernel_dt(uint32_t mode);

#define V(n) {#n, n}
static const struct abi_value linux_abi[] = {
	V(O_ACCMODE), V(O_RDONLY), V(O_WRONLY), V(O_RDWR), V(O_CREAT), V(O_EXCL), V(O_NOCTTY),
	V(O_TRUNC), V(O_APPEND), V(O_NONBLOCK), V(O_DIRECTORY), V(O_NOFOLLOW), V(O_CLOEXEC),
	V(S_IFMT), V(S_IFSOCK), V(S_IFLNK), V(S_IFREG), V(S_IFBLK), V(S_IFDIR), V(S_IFCHR),
	V(S_IFIFO), V(S_ISUID), V(S_ISGID), V(S_ISVTX),
	V(DT_UNKNOWN), V(DT_FIFO), V(DT_CHR), V(DT_DIR), V(DT_BLK), V(DT_REG), V(DT_LNK),
	V(DT_SOCK), V(SEEK_SET), V(SEEK_CUR), V(SEEK_END),
	{"VFS_PATH_MAX", PATH_MAX}, {"VFS_NAME_MAX", NAME_MAX},
	{0, 0},
};

static void test_constants(void **state)
{
	(void)state;
	size_t i = 0;
	for (; linux_abi[i].name; i++) {
		assert_non_null(kernel_abi[i].name);
		assert_string_equal(kernel_abi[i].name, linux_abi[i].name);
		if (kernel_abi[i].value != linux_abi[i].value)
			fail_msg("%s: kernel 0%llo, Linux 0%llo", linux_abi[i].name,
			         kernel_abi[i].value, linux_abi[i].value);
	}
	assert_null(kernel_abi[i].name);
	assert_int_equal(i, 37);
}

static void test_device_numbers_and_types(void **state)
{
	(void)state;
	static const uint32_t majors[] = {0, 1, 5, 8, 255, 256, 4095};
	static const uint32_t minors[] = {0, 1, 3, 255, 256, 0x12345, 0xfffff};
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++)
		for (size_t j = 0; j < sizeof(minors) / sizeof(minors[0]); j++) {
			uint64_t dev = kernel_makedev(majors[i], minors[j]);
			assert_int_equal(major(dev), majors[i]);
			assert_int_equal(minor(dev), minors[j]);
		}
	/* Linux's st_dev for its first anonymous file systems, as ramfs uses. */
	assert_int_equal(kernel_makedev(0, 1), makedev(0, 1));
	assert_int_equal(kernel_dt(S_IFREG | 0644), DT_REG);
	assert_int_equal(kernel_dt(S_IFLNK), DT_LNK);
	assert_int_equal(kernel_dt(S_IFCHR), DT_CHR);
	assert_int_equal(IFTODT(S_IFSOCK), kernel_dt(S_IFSOCK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_device_numbers_and_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
