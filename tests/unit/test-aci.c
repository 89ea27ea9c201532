/* Unit tests for lib/aci: the appc test vectors (ACI-2..9, ACI-13), build/read roundtrips
 * (ACI-16), reproducible output, corrupt compression and hostile tars built on the fly. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "aci/aci.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *testdata(void)
{
	const char *d = getenv("RKT_TESTDATA");

	return d ? d : "tests/data";
}

static int open_vector(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/appc/aci/%s", testdata(), name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static char *slurp_fd(int fd, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	ssize_t n;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	do {
		xgrow((void **)&buf, &cap, len + 65536, 1);
		n = read(fd, buf + len, cap - len);
		assert_true(n >= 0);
		len += (size_t)n;
	} while (n > 0);
	*ret_len = len;
	return buf;
}

static int memfd_with(const void *buf, size_t len)
{
	int fd = memfd_create("aci", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Appends BUF compressed as C to FD through libarchive's raw writer. */
static void append_compressed(int fd, const void *buf, size_t len, enum rkt_compression c)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	switch (c) {
	case RKT_COMPRESSION_GZIP:
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
		break;
	case RKT_COMPRESSION_ZSTD:
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
		break;
	default:
		fail();
	}
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	archive_entry_set_pathname(e, "x");
	archive_entry_set_filetype(e, AE_IFREG);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, buf, len), (la_ssize_t)len);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
}

static char *vector_id(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/appc/aci/IDS.tsv", testdata());
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	char line[512];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		if (strcmp(line, name) == 0) {
			tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
			return xstrdup(tab + 1);
		}
	}
	return NULL;
}

/* What the message for each invalid vector must mention, beyond the file name. */
static const struct {
	const char *file, *reason;
} reasons[] = {
	{ "extra-toplevel.aci", "top level" },                              /* ACI-3 */
	{ "no-manifest.aci", "no manifest" },                               /* ACI-3 */
	{ "no-rootfs.aci", "rootfs" },                                      /* ACI-3 */
	{ "rootfs-not-dir.aci", "not a directory" },                        /* ACI-3 */
	{ "implicit-rootfs-dir.aci", "'rootfs'" },                          /* ACI-4 */
	{ "duplicate-entry.aci", "duplicate entry 'rootfs/etc/hostname'" }, /* ACI-2 */
	{ "bad-manifest.aci", "manifest" },                                 /* ACI-5 */
	{ "path-traversal.aci", "path leaves the image" },                  /* ACI-7 */
	{ "absolute-path.aci", "absolute path" },                           /* ACI-7 */
	{ "not-an-archive.aci", "unknown image filetype" },                 /* ACI-9 */
	{ "rootfs-prefix-sibling.aci", "'rootfsx'" },                       /* ACI-3, ACI-4 */
};

static void vectors_match_expectations(void **state)
{
	_cleanup_free_ char *p = xasprintf("%s/appc/expectations.tsv", testdata());
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	char line[2048];
	int n_valid = 0, n_rejected = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *file, *verdict, *save = NULL;
		_cleanup_free_ char *quoted = NULL;
		struct rkt_aci_info info = { 0 };
		struct rkt_error err = { 0 };
		_cleanup_close_ int fd = -EBADF;
		int r;

		if (strncmp(line, "aci/", 4) != 0)
			continue;
		file = strtok_r(line + 4, "\t", &save);
		verdict = strtok_r(NULL, "\t", &save);
		if (!verdict || strcmp(verdict, "data") == 0)
			continue;
		fd = open_vector(file);
		quoted = xasprintf("'%s'", file);
		r = rkt_aci_read(fd, quoted, NULL, &info, &err);
		if (strcmp(verdict, "valid") == 0) {
			_cleanup_free_ char *id = vector_id(file);

			if (r != 0)
				print_error("%s: %s\n", file, err.msg);
			assert_int_equal(r, 0);
			assert_non_null(id);
			assert_string_equal(info.id, id); /* ACI-13 */
			assert_non_null(info.manifest);
			rkt_aci_info_release(&info);
			n_valid++;
		} else {
			/* "lenient" rows are what we reject although actool accepts them. */
			if (r == 0)
				print_error("%s: accepted\n", file);
			assert_true(r == -EINVAL || r == -EBADMSG);
			assert_non_null(strstr(err.msg, quoted));
			for (size_t i = 0; i < ELEMENTSOF(reasons); i++)
				if (strcmp(reasons[i].file, file) == 0 &&
				    !strstr(err.msg, reasons[i].reason)) {
					print_error("%s: '%s' lacks '%s'\n", file, err.msg,
					            reasons[i].reason);
					fail();
				}
			n_rejected++;
		}
	}
	assert_true(n_valid >= 8);
	assert_true(n_rejected >= 11);
}

static void symlink_escape_is_read_fine(void **state)
{
	_cleanup_close_ int fd = open_vector("symlink-escape.aci");
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	/* ACI-7 is the extractor's job: the reader writes nothing. */
	assert_int_equal(rkt_aci_read(fd, "'symlink-escape.aci'", NULL, &info, &err), 0);
	rkt_aci_info_release(&info);
}

struct seen {
	char paths[64][128];
	int n;
};

static int record_entry(void *userdata, struct archive *a, struct archive_entry *entry,
                        const char *path, struct rkt_error *err)
{
	struct seen *s = userdata;

	assert_string_equal(archive_entry_pathname(entry), path);
	if (s->n < 64)
		(void)snprintf(s->paths[s->n++], sizeof(s->paths[0]), "%s", path);
	return 0;
}

static void callback_sees_cleaned_paths(void **state)
{
	_cleanup_close_ int fd = open_vector("dot-slash-names.aci");
	struct seen seen = { 0 };
	struct rkt_aci_read_opts opts = { .on_entry = record_entry, .userdata = &seen };
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };
	bool manifest = false, rootfs = false;

	(void)state;
	assert_int_equal(rkt_aci_read(fd, "'dot-slash-names.aci'", &opts, &info, &err), 0);
	for (int i = 0; i < seen.n; i++) {
		assert_true(strncmp(seen.paths[i], "./", 2) != 0);
		assert_true(seen.paths[i][strlen(seen.paths[i]) - 1] != '/');
		manifest |= strcmp(seen.paths[i], "manifest") == 0;
		rootfs |= strcmp(seen.paths[i], "rootfs") == 0;
	}
	assert_true(manifest && rootfs);
	rkt_aci_info_release(&info);
}

static int abort_entry(void *userdata, struct archive *a, struct archive_entry *entry,
                       const char *path, struct rkt_error *err)
{
	return rkt_error_set(err, ECANCELED, "stop");
}

static void callback_error_aborts_read(void **state)
{
	_cleanup_close_ int fd = open_vector("minimal.aci");
	struct rkt_aci_read_opts opts = { .on_entry = abort_entry };
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_aci_read(fd, "'minimal.aci'", &opts, &info, &err), -ECANCELED);
}

static void skip_id_still_validates(void **state)
{
	_cleanup_close_ int fd = open_vector("minimal-xz.aci");
	_cleanup_close_ int bad = open_vector("duplicate-entry.aci");
	struct rkt_aci_read_opts opts = { .skip_id = true };
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_aci_read(fd, "'minimal-xz.aci'", &opts, &info, &err), 0);
	assert_string_equal(info.id, "");
	assert_non_null(info.manifest);
	rkt_aci_info_release(&info);
	assert_int_equal(rkt_aci_read(bad, "'duplicate-entry.aci'", &opts, &info, &err), -EINVAL);
}

struct tee {
	char *buf;
	size_t len;
};

static int tee_append(void *userdata, const void *buf, size_t len, struct rkt_error *err)
{
	struct tee *t = userdata;

	(void)err;
	t->buf = xrealloc(t->buf, t->len + len);
	memcpy(t->buf + t->len, buf, len);
	t->len += len;
	return 0;
}

/* The store writes its blob from this tee, in the same pass that checks and hashes: the tee
 * must see the file exactly as it is, whatever the compression, trailing data included. */
static void raw_tee_sees_every_byte_of_the_file(void **state)
{
	static const char *const vectors[] = { "minimal.aci", "minimal-gzip.aci",
		                               "minimal-bzip2.aci", "minimal-xz.aci" };

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		_cleanup_close_ int fd = open_vector(vectors[i]);
		_cleanup_close_ int again = open_vector(vectors[i]);
		struct tee t = { 0 };
		struct rkt_aci_read_opts opts = { .on_raw = tee_append, .raw_userdata = &t };
		struct rkt_aci_info info = { 0 };
		struct rkt_error err = { 0 };
		size_t len = 0;
		_cleanup_free_ char *file = slurp_fd(again, &len);

		assert_int_equal(rkt_aci_read(fd, vectors[i], &opts, &info, &err), 0);
		assert_int_equal(t.len, len);
		assert_memory_equal(t.buf, file, len);
		rkt_aci_info_release(&info);
		free(t.buf);
	}
}

static void compression_names_and_magic(void **state)
{
	static const unsigned char zstd[] = { 0x28, 0xb5, 0x2f, 0xfd, 0 };
	enum rkt_compression c;
	char tar[512] = { 0 };

	(void)state;
	for (int i = 0; i < _RKT_COMPRESSION_MAX; i++) {
		assert_int_equal(rkt_compression_from_name(rkt_compression_name(i), &c), 0);
		assert_int_equal(c, i);
	}
	assert_int_equal(rkt_compression_from_name("lz4", &c), -EINVAL);
	assert_int_equal(rkt_compression_detect("\x1f\x8b\x08", 3, &c), 0);
	assert_int_equal(c, RKT_COMPRESSION_GZIP);
	assert_int_equal(rkt_compression_detect("BZh9", 4, &c), 0);
	assert_int_equal(c, RKT_COMPRESSION_BZIP2);
	assert_int_equal(rkt_compression_detect("\xfd"
	                                        "7zXZ\0",
	                                        6, &c),
	                 0);
	assert_int_equal(c, RKT_COMPRESSION_XZ);
	assert_int_equal(rkt_compression_detect(zstd, sizeof(zstd), &c), 0);
	assert_int_equal(c, RKT_COMPRESSION_ZSTD);
	memcpy(tar + 257, "ustar", 5);
	assert_int_equal(rkt_compression_detect(tar, sizeof(tar), &c), 0);
	assert_int_equal(c, RKT_COMPRESSION_NONE);
	assert_int_equal(rkt_compression_detect(tar, 261, &c), -EINVAL);
	assert_int_equal(rkt_compression_detect("PK\x03\x04", 4, &c), -EINVAL);
}

static char *minimal_tar(size_t *ret_len)
{
	_cleanup_close_ int fd = open_vector("minimal.aci");

	return slurp_fd(fd, ret_len);
}

/* FD, rewound, must read as minimal.aci does: same tar, so same ID (ACI-13). */
static void assert_reads_as_minimal(int fd, enum rkt_compression c, size_t tar_len)
{
	_cleanup_free_ char *id = vector_id("minimal.aci");
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rkt_aci_read(fd, "'minimal'", NULL, &info, &err), 0);
	assert_int_equal(info.compression, c);
	assert_string_equal(info.id, id);
	assert_int_equal(info.tar_size, tar_len);
	rkt_aci_info_release(&info);
}

static void zstd_is_accepted(void **state)
{
	size_t len;
	_cleanup_free_ char *tar = minimal_tar(&len);
	_cleanup_close_ int fd = memfd_create("aci", MFD_CLOEXEC);

	(void)state;
	append_compressed(fd, tar, len, RKT_COMPRESSION_ZSTD);
	assert_reads_as_minimal(fd, RKT_COMPRESSION_ZSTD, len);
}

static void gzip_multi_member_is_one_stream(void **state)
{
	size_t len;
	_cleanup_free_ char *tar = minimal_tar(&len);
	_cleanup_close_ int fd = memfd_create("aci", MFD_CLOEXEC);
	static const char zeros[1000];

	(void)state;
	append_compressed(fd, tar, 700, RKT_COMPRESSION_GZIP);
	append_compressed(fd, tar + 700, len - 700, RKT_COMPRESSION_GZIP);
	/* Zero padding after the last member is ignored, as gzip(1) does. */
	assert_int_equal(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	assert_reads_as_minimal(fd, RKT_COMPRESSION_GZIP, len);
}

static int read_gzip_variant(size_t cut, long flip, const char *garbage, struct rkt_error *err)
{
	_cleanup_close_ int in = open_vector("minimal-gzip.aci");
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct rkt_aci_info info = { 0 };
	size_t len;
	int r;

	buf = slurp_fd(in, &len);
	if (flip < 0)
		flip += (long)len;
	if (flip > 0)
		buf[flip] ^= 0x55;
	fd = memfd_with(buf, cut ? cut : len);
	assert_true(lseek(fd, 0, SEEK_END) > 0);
	if (garbage)
		assert_int_equal(write(fd, garbage, strlen(garbage)), (ssize_t)strlen(garbage));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	r = rkt_aci_read(fd, "'bad.aci'", NULL, &info, err);
	rkt_aci_info_release(&info);
	return r;
}

static void gzip_truncated_or_corrupt_is_ebadmsg(void **state)
{
	struct rkt_error err = { 0 };
	_cleanup_close_ int in = open_vector("minimal-gzip.aci");
	off_t size = lseek(in, 0, SEEK_END);

	(void)state;
	assert_int_equal(read_gzip_variant((size_t)size / 2, 0, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "'bad.aci'"));
	assert_non_null(strstr(err.msg, "truncated"));
	/* Only the trailer (CRC and size) missing. */
	assert_int_equal(read_gzip_variant((size_t)size - 4, 0, NULL, &err), -EBADMSG);
	/* CRC damaged. */
	assert_int_equal(read_gzip_variant(0, -6, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "'bad.aci'"));
	/* Deflate data damaged. */
	assert_int_equal(read_gzip_variant(0, size / 2, NULL, &err), -EBADMSG);
	assert_int_equal(read_gzip_variant(0, 0, "garbage", &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "trailing garbage"));
}

/* Hostile tars, written with libarchive so that the test shows what a crafted file can say. */
struct tentry {
	const char *path;
	mode_t type;
	const char *data;
	const char *hardlink;
};

static int make_tar(const struct tentry *entries, size_t n, size_t cut)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int fd = memfd_create("tar", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, entries[i].path);
		archive_entry_set_filetype(e, entries[i].type);
		archive_entry_set_perm(e, 0644);
		if (entries[i].hardlink)
			archive_entry_set_hardlink(e, entries[i].hardlink);
		if (entries[i].type == AE_IFCHR)
			archive_entry_set_rdev(e, makedev(1, 3));
		if (entries[i].data)
			archive_entry_set_size(e, (la_int64_t)strlen(entries[i].data));
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		if (entries[i].data)
			archive_write_data(a, entries[i].data, strlen(entries[i].data));
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	if (cut)
		assert_int_equal(ftruncate(fd, (off_t)cut), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

#define MANIFEST_JSON \
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/t\"}"

static int read_entries(const struct tentry *entries, size_t n, size_t cut, bool refuse_devices,
                        struct rkt_error *err)
{
	_cleanup_close_ int fd = make_tar(entries, n, cut);
	struct rkt_aci_read_opts opts = { .refuse_devices = refuse_devices };
	struct rkt_aci_info info = { 0 };
	int r;

	rkt_error_clear(err);
	r = rkt_aci_read(fd, "'hostile.aci'", &opts, &info, err);
	rkt_aci_info_release(&info);
	return r;
}

/* A tar of a few MiB of data that does not compress (so that the inflated stream fills many
 * of the hashing thread's buffers): a manifest, rootfs/ and rootfs/big. */
#define BIG_DATA_LEN (9 * 1024 * 1024 + 123)

static char *big_tar(size_t *ret_len)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	_cleanup_close_ int fd = memfd_create("tar", MFD_CLOEXEC);
	_cleanup_free_ uint8_t *data = xmalloc(BIG_DATA_LEN);
	static const char manifest[] = MANIFEST_JSON;
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (size_t i = 0; i < BIG_DATA_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[i] = (uint8_t)x;
	}
	assert_true(fd >= 0);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	archive_entry_set_pathname(e, "manifest");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(manifest));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, manifest, strlen(manifest)),
	                 (la_ssize_t)strlen(manifest));
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "rootfs");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "rootfs/big");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, BIG_DATA_LEN);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, BIG_DATA_LEN), (la_ssize_t)BIG_DATA_LEN);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return slurp_fd(fd, ret_len);
}

/* Reads FD (rewound) with the hash inline or in a second thread. */
static int read_hashing(int fd, bool thread, struct rkt_aci_info *info, struct rkt_error *err)
{
	const struct rkt_aci_read_opts opts = { .read_thread = thread };

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	rkt_error_clear(err);
	return rkt_aci_read(fd, "'big.aci'", &opts, info, err);
}

static void hash_thread_gives_the_same_id(void **state)
{
	static const enum rkt_compression cs[] = { RKT_COMPRESSION_NONE, RKT_COMPRESSION_GZIP,
		                                   RKT_COMPRESSION_ZSTD };
	size_t len;
	_cleanup_free_ char *tar = big_tar(&len);
	struct rkt_sha512 *h = rkt_sha512_new();
	char want[RKT_IMAGE_ID_SIZE];

	(void)state;
	rkt_sha512_update(h, tar, len);
	rkt_sha512_final_id(h, want);
	h = rkt_sha512_free(h);
	for (size_t i = 0; i < ELEMENTSOF(cs); i++) {
		_cleanup_close_ int fd = cs[i] == RKT_COMPRESSION_NONE
		                                 ? memfd_with(tar, len)
		                                 : memfd_create("aci", MFD_CLOEXEC);
		struct rkt_aci_info inline_info = { 0 }, thread_info = { 0 };
		struct rkt_error err = { 0 };

		if (cs[i] != RKT_COMPRESSION_NONE)
			append_compressed(fd, tar, len, cs[i]);
		assert_int_equal(read_hashing(fd, false, &inline_info, &err), 0);
		assert_int_equal(read_hashing(fd, true, &thread_info, &err), 0);
		assert_int_equal(thread_info.compression, cs[i]);
		assert_string_equal(inline_info.id, want);
		assert_string_equal(thread_info.id, want);
		assert_int_equal(thread_info.tar_size, len);
		rkt_aci_info_release(&inline_info);
		rkt_aci_info_release(&thread_info);
	}
}

static void hash_thread_on_truncated_or_corrupt_gzip_is_ebadmsg(void **state)
{
	size_t len, gz_len;
	_cleanup_free_ char *tar = big_tar(&len);
	_cleanup_close_ int gz = memfd_create("aci", MFD_CLOEXEC);
	_cleanup_free_ char *buf = NULL;

	(void)state;
	append_compressed(gz, tar, len, RKT_COMPRESSION_GZIP);
	assert_int_equal(lseek(gz, 0, SEEK_SET), 0);
	buf = slurp_fd(gz, &gz_len);
	/* Cut after the reading thread has handed the first buffers over, in the last one, and in
	 * the trailer; then a damaged byte in the middle. The read fails and the thread is joined. */
	const size_t cuts[] = { gz_len / 2, gz_len - 1000, gz_len - 4 };
	for (size_t i = 0; i < ELEMENTSOF(cuts); i++) {
		_cleanup_close_ int fd = memfd_with(buf, cuts[i]);
		struct rkt_aci_info info = { 0 };
		struct rkt_error err = { 0 };

		assert_int_equal(read_hashing(fd, true, &info, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, "'big.aci'"));
		assert_non_null(strstr(err.msg, "truncated"));
		rkt_aci_info_release(&info);
	}
	buf[gz_len / 2] ^= 0x55;
	{
		_cleanup_close_ int fd = memfd_with(buf, gz_len);
		struct rkt_aci_info info = { 0 };
		struct rkt_error err = { 0 };

		assert_int_equal(read_hashing(fd, true, &info, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, "'big.aci'"));
		rkt_aci_info_release(&info);
	}
}

/* An error found by the caller's thread (here the first entry's name) while the reading thread
 * still has megabytes to inflate, blocked on a full ring: the read fails with the entry's
 * message and the thread is stopped and joined, it does not read on to the end. */
static void read_thread_stops_on_an_early_entry_error(void **state)
{
	size_t len;
	_cleanup_free_ char *tar = big_tar(&len);
	_cleanup_close_ int fd = memfd_create("aci", MFD_CLOEXEC);
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };
	unsigned sum = 0;

	(void)state;
	/* "manifest" -> "/anifest", with the header checksum recomputed. */
	assert_string_equal(tar, "manifest");
	tar[0] = '/';
	memset(tar + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		sum += (unsigned char)tar[i];
	(void)snprintf(tar + 148, 8, "%06o", sum);
	append_compressed(fd, tar, len, RKT_COMPRESSION_GZIP);
	assert_int_equal(read_hashing(fd, true, &info, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'big.aci'"));
	assert_non_null(strstr(err.msg, "absolute path"));
	rkt_aci_info_release(&info);
}

/* Sends BUF as SOCK_SEQPACKET messages of 1 to 13 bytes: each read() of the other end returns
 * one message, so the reader's buffer boundaries fall everywhere, the same on every run. */
struct dribble {
	int fd;
	const char *buf;
	size_t len;
};

static void *dribble_main(void *userdata)
{
	struct dribble *d = userdata;

	for (size_t off = 0, i = 0; off < d->len; i++) {
		size_t n = 1 + i % 13;

		if (n > d->len - off)
			n = d->len - off;
		if (send(d->fd, d->buf + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			break;
		off += n;
	}
	close(d->fd);
	return NULL;
}

/* With a reading thread (lib/aci/source.c), each gzip member's header and trailer are read and
 * checked in that thread, across buffer boundaries that fall everywhere. */
static void hash_thread_checks_each_gzip_member(void **state)
{
	size_t len, gz_len;
	_cleanup_free_ char *tar = minimal_tar(&len);
	_cleanup_close_ int gz = memfd_create("aci", MFD_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct rkt_sha512 *h = rkt_sha512_new();
	const struct rkt_aci_read_opts opts = { .read_thread = true };
	char want[RKT_IMAGE_ID_SIZE];
	static const char zeros[100];
	int sp[2];

	(void)state;
	rkt_sha512_update(h, tar, len);
	rkt_sha512_final_id(h, want);
	h = rkt_sha512_free(h);
	/* Members of 1 to 299 bytes of tar, then zero padding. */
	for (size_t off = 0, i = 0; off < len; i++) {
		size_t n = 1 + (i * 37) % 299;

		if (n > len - off)
			n = len - off;
		append_compressed(gz, tar + off, n, RKT_COMPRESSION_GZIP);
		off += n;
	}
	assert_int_equal(write(gz, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	assert_int_equal(lseek(gz, 0, SEEK_SET), 0);
	buf = slurp_fd(gz, &gz_len);

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	{
		struct dribble d = { .fd = sp[1], .buf = buf, .len = gz_len };
		struct rkt_aci_info info = { 0 };
		struct rkt_error err = { 0 };
		pthread_t t;

		assert_int_equal(pthread_create(&t, NULL, dribble_main, &d), 0);
		assert_int_equal(rkt_aci_read(sp[0], "'members.aci'", &opts, &info, &err), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		close(sp[0]);
		assert_string_equal(info.id, want);
		assert_int_equal(info.tar_size, len);
		rkt_aci_info_release(&info);
	}

	/* A damaged CRC, then a damaged size, in the last member's trailer. */
	for (size_t back = 100 + 8; back > 100; back -= 4) {
		_cleanup_close_ int fd = -EBADF;
		struct rkt_aci_info info = { 0 };
		struct rkt_error err = { 0 };

		buf[gz_len - back] ^= 0x55;
		fd = memfd_with(buf, gz_len);
		buf[gz_len - back] ^= 0x55;
		assert_int_equal(rkt_aci_read(fd, "'members.aci'", &opts, &info, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, "'members.aci'"));
		assert_non_null(strstr(err.msg, "gzip CRC mismatch"));
		rkt_aci_info_release(&info);
	}
}

static void hostile_tars_are_rejected(void **state)
{
	static const struct tentry base_ok[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/a", AE_IFREG, "data", NULL },
		{ "rootfs/b", AE_IFREG, NULL, "rootfs/a" },
	};
	static const struct tentry link_outside[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/b", AE_IFREG, NULL, "rootfs/missing" },
	};
	static const struct tentry link_host[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/b", AE_IFREG, NULL, "/etc/hostname" },
	};
	static const struct tentry link_later[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/b", AE_IFREG, NULL, "rootfs/a" },
		{ "rootfs/a", AE_IFREG, "data", NULL },
	};
	static const struct tentry link_dir[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/d", AE_IFDIR, NULL, NULL },
		{ "rootfs/b", AE_IFREG, NULL, "rootfs/d" },
	};
	static const struct tentry device[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/null", AE_IFCHR, NULL, NULL },
	};
	static const struct tentry dotdot_inside[] = {
		{ "manifest", AE_IFREG, MANIFEST_JSON, NULL },
		{ "rootfs", AE_IFDIR, NULL, NULL },
		{ "rootfs/a/../b", AE_IFREG, "x", NULL },
	};
	struct rkt_error err = { 0 };
	char *long_name = xmalloc(6000);
	struct tentry too_long[3] = { base_ok[0], base_ok[1], { NULL, AE_IFREG, "x", NULL } };
	_cleanup_close_ int fd = -EBADF;
	off_t size;

	(void)state;
	assert_int_equal(read_entries(base_ok, ELEMENTSOF(base_ok), 0, false, &err), 0);

	/* ACI-7: hard link targets must be earlier entries, inside rootfs. */
	assert_int_equal(read_entries(link_outside, 3, 0, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'hostile.aci': entry 'rootfs/b'"));
	assert_non_null(strstr(err.msg, "hard link"));
	assert_int_equal(read_entries(link_host, 3, 0, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "hard link target leaves the rootfs"));
	assert_int_equal(read_entries(link_later, 4, 0, false, &err), -EINVAL);
	assert_int_equal(read_entries(link_dir, 4, 0, false, &err), -EINVAL);

	assert_int_equal(read_entries(device, 3, 0, false, &err), 0);
	assert_int_equal(read_entries(device, 3, 0, true, &err), -EPERM);
	assert_non_null(strstr(err.msg, "rootfs/null"));

	assert_int_equal(read_entries(dotdot_inside, 3, 0, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "entry 'rootfs/a/../b': path leaves the image"));

	memcpy(long_name, "rootfs/", 7);
	memset(long_name + 7, 'a', 5000);
	long_name[5007] = '\0';
	too_long[2].path = long_name;
	assert_int_equal(read_entries(too_long, 3, 0, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	free(long_name);

	/* A header that claims more data than the file has: truncated tar. */
	fd = make_tar(base_ok, ELEMENTSOF(base_ok), 0);
	size = lseek(fd, 0, SEEK_END);
	fd = (close(fd), -EBADF);
	assert_int_equal(read_entries(base_ok, 3, (size_t)size - 1024 - 512 - 100, false, &err),
	                 -EBADMSG);
	assert_non_null(strstr(err.msg, "'hostile.aci'"));
	/* The end-of-archive blocks missing: truncated too. */
	assert_int_equal(read_entries(base_ok, 3, 1536 + 512, false, &err), -EBADMSG);
}

/* Builds a layout under a fresh directory in /tmp; returns its path. */
static char *make_layout(bool with_socket)
{
	char *dir = xstrdup("/tmp/test-aci-XXXXXX");
	_cleanup_free_ char *p = NULL;
	int fd;

	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/manifest", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, MANIFEST_JSON, strlen(MANIFEST_JSON)),
	                 (ssize_t)strlen(MANIFEST_JSON));
	close(fd);
#define MK(fmt, call)                          \
	do {                                   \
		free(p);                       \
		p = xasprintf("%s/" fmt, dir); \
		assert_int_equal(call, 0);     \
	} while (0)
	MK("rootfs", mkdir(p, 0755));
	MK("rootfs/etc", mkdir(p, 0755));
	MK("rootfs/bin", mkdir(p, 0700));
	MK("rootfs/zz", mkdir(p, 0755));
	MK("rootfs/etc/fifo", mkfifo(p, 0600));
	MK("rootfs/lib", symlink("usr/lib", p));
	free(p);
	p = xasprintf("%s/rootfs/etc/hostname", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 04755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "host\n", 5), 5);
	assert_int_equal(fchmod(fd, 04755), 0);
	/* tmpfs has user xattrs only since Linux 6.6; fine either way. */
	(void)fsetxattr(fd, "user.appc", "vector", 6, 0);
	close(fd);
	{
		_cleanup_free_ char *target = xstrdup(p);

		MK("rootfs/zz/hostname-link", link(target, p));
	}
	if (with_socket) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/rootfs/sock", dir);
		assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(s);
	}
#undef MK
	return dir;
}

static void remove_tree(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
}

static int count_files(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || (de->d_name[1] && strcmp(de->d_name, "..") != 0))
			n++;
	return n;
}

static char *build_to(const char *layout, const char *name, enum rkt_compression c, bool normalize,
                      char id[RKT_IMAGE_ID_SIZE])
{
	char *out = xasprintf("%s.%s", layout, name);
	struct rkt_aci_build_opts opts = {
		.compression = c,
		.overwrite = true,
		.normalize_mtime = normalize,
		.mtime = 1000,
	};
	struct rkt_error err = { 0 };
	int r = rkt_aci_build(layout, out, &opts, id, &err);

	if (r < 0)
		print_error("build: %s\n", err.msg);
	assert_int_equal(r, 0);
	return out;
}

struct entries {
	char *paths[32];
	char *hardlink[32];
	mode_t mode[32];
	int n;
};

static int collect(void *userdata, struct archive *a, struct archive_entry *entry, const char *path,
                   struct rkt_error *err)
{
	struct entries *e = userdata;
	const char *hl = archive_entry_hardlink(entry);

	assert_true(e->n < 32);
	e->paths[e->n] = xstrdup(path);
	e->hardlink[e->n] = hl ? xstrdup(hl) : NULL;
	e->mode[e->n] = archive_entry_mode(entry);
	e->n++;
	return 0;
}

static void entries_release(struct entries *e)
{
	for (int i = 0; i < e->n; i++) {
		free(e->paths[i]);
		free(e->hardlink[i]);
	}
	e->n = 0;
}

static void read_path(const char *path, struct entries *e, struct rkt_aci_info *info)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct rkt_aci_read_opts opts = { .on_entry = collect, .userdata = e };
	struct rkt_error err = { 0 };
	int r;

	assert_true(fd >= 0);
	r = rkt_aci_read(fd, path, &opts, info, &err);
	if (r < 0)
		print_error("read: %s\n", err.msg);
	assert_int_equal(r, 0);
}

static void build_then_read_roundtrip(void **state)
{
	_cleanup_free_ char *layout = make_layout(true);
	_cleanup_free_ char *out = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	struct entries e = { 0 };
	struct rkt_aci_info info = { 0 };
	static const char *const order[] = {
		"manifest",   "rootfs",          "rootfs/bin",
		"rootfs/etc", "rootfs/etc/fifo", "rootfs/etc/hostname",
		"rootfs/lib", "rootfs/zz",       "rootfs/zz/hostname-link",
	};

	(void)state;
	out = build_to(layout, "gz.aci", RKT_COMPRESSION_GZIP, false, id);
	read_path(out, &e, &info);
	/* ACI-13: the ID build reports is the one a reader computes. */
	assert_string_equal(info.id, id);
	assert_int_equal(info.compression, RKT_COMPRESSION_GZIP);
	/* ACI-16: manifest first, then rootfs in lexical order; the socket skipped. */
	assert_int_equal(e.n, (int)ELEMENTSOF(order));
	for (int i = 0; i < e.n; i++)
		assert_string_equal(e.paths[i], order[i]);
	/* ACI-6: setuid kept, fifo kept, repeated inode became a hard link. */
	assert_int_equal(e.mode[5] & 07777, 04755);
	assert_true(S_ISFIFO(e.mode[4]));
	assert_true(S_ISLNK(e.mode[6]));
	assert_non_null(e.hardlink[8]);
	assert_string_equal(e.hardlink[8], "rootfs/etc/hostname");
	entries_release(&e);
	rkt_aci_info_release(&info);
	(void)unlink(out);
	remove_tree(layout);
}

static void build_is_reproducible_and_compression_independent(void **state)
{
	_cleanup_free_ char *layout = make_layout(false);
	static const enum rkt_compression cs[] = {
		RKT_COMPRESSION_GZIP, RKT_COMPRESSION_NONE, RKT_COMPRESSION_BZIP2,
		RKT_COMPRESSION_XZ,   RKT_COMPRESSION_ZSTD,
	};
	char id1[RKT_IMAGE_ID_SIZE], id2[RKT_IMAGE_ID_SIZE];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cs); i++) {
		_cleanup_free_ char *o1 = NULL, *o2 = NULL, *b1 = NULL, *b2 = NULL;
		_cleanup_close_ int f1 = -EBADF, f2 = -EBADF;
		struct entries e = { 0 };
		struct rkt_aci_info info = { 0 };
		size_t l1, l2;

		o1 = build_to(layout, "1.aci", cs[i], true, id1);
		o2 = build_to(layout, "2.aci", cs[i], true, id2);
		assert_string_equal(id1, id2);
		f1 = open(o1, O_RDONLY | O_CLOEXEC);
		f2 = open(o2, O_RDONLY | O_CLOEXEC);
		b1 = slurp_fd(f1, &l1);
		b2 = slurp_fd(f2, &l2);
		assert_int_equal(l1, l2);
		assert_memory_equal(b1, b2, l1);
		read_path(o1, &e, &info);
		assert_int_equal(info.compression, cs[i]);
		assert_string_equal(info.id, id1);
		entries_release(&e);
		rkt_aci_info_release(&info);
		(void)unlink(o1);
		(void)unlink(o2);
		/* The same tar whatever the compression: same ID (ACI-13). */
		if (i == 0)
			memcpy(id2, id1, sizeof(id1));
	}
	remove_tree(layout);
}

static void build_refuses_to_overwrite_and_leaves_nothing(void **state)
{
	_cleanup_free_ char *layout = make_layout(false);
	_cleanup_free_ char *outdir = xstrdup("/tmp/test-aci-out-XXXXXX");
	_cleanup_free_ char *out = NULL, *extra = NULL, *manifest = NULL;
	struct rkt_aci_build_opts opts = { .compression = RKT_COMPRESSION_GZIP };
	struct rkt_error err = { 0 };
	char id[RKT_IMAGE_ID_SIZE];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(outdir));
	out = xasprintf("%s/x.aci", outdir);
	assert_int_equal(rkt_aci_build(layout, out, &opts, id, &err), 0);
	assert_int_equal(rkt_aci_build(layout, out, &opts, id, &err), -EEXIST);
	assert_non_null(strstr(err.msg, out));
	opts.overwrite = true;
	assert_int_equal(rkt_aci_build(layout, out, &opts, id, &err), 0);
	assert_int_equal(count_files(outdir), 1);

	/* An invalid layout fails before anything is created. */
	extra = xasprintf("%s/extra", layout);
	fd = open(extra, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	close(fd);
	assert_int_equal(unlink(out), 0);
	assert_int_equal(rkt_aci_build(layout, out, &opts, id, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "extra"));
	assert_int_equal(unlink(extra), 0);
	manifest = xasprintf("%s/manifest", layout);
	fd = open(manifest, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_int_equal(write(fd, "{\"acKind\":\"Image\"}", 18), 18);
	close(fd);
	rkt_error_clear(&err);
	assert_true(rkt_aci_build(layout, out, &opts, id, &err) < 0);
	assert_int_equal(count_files(outdir), 0);
	remove_tree(layout);
	remove_tree(outdir);
}

static void rewrite_manifest_puts_it_first(void **state)
{
	_cleanup_close_ int fd = open_vector("manifest-last.aci");
	_cleanup_free_ char *out = xstrdup("/tmp/test-aci-rw-XXXXXX");
	_cleanup_free_ char *path = NULL;
	struct rkt_aci_build_opts opts = { .compression = RKT_COMPRESSION_GZIP };
	struct rkt_aci_info in = { 0 }, info = { 0 };
	struct rkt_error err = { 0 };
	struct entries e = { 0 };
	char id[RKT_IMAGE_ID_SIZE];
	int r;

	(void)state;
	assert_non_null(mkdtemp(out));
	path = xasprintf("%s/new.aci", out);
	assert_int_equal(rkt_aci_read(fd, "'manifest-last.aci'", NULL, &in, &err), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	r = rkt_aci_rewrite_manifest(fd, "'manifest-last.aci'", path, in.manifest, &opts, id, &err);
	if (r < 0)
		print_error("rewrite: %s\n", err.msg);
	assert_int_equal(r, 0);
	read_path(path, &e, &info);
	assert_string_equal(info.id, id);
	assert_string_equal(e.paths[0], "manifest");
	assert_int_equal(info.n_entries, in.n_entries);
	entries_release(&e);
	rkt_aci_info_release(&info);
	rkt_aci_info_release(&in);
	remove_tree(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compression_names_and_magic),
		cmocka_unit_test(vectors_match_expectations),
		cmocka_unit_test(symlink_escape_is_read_fine),
		cmocka_unit_test(callback_sees_cleaned_paths),
		cmocka_unit_test(callback_error_aborts_read),
		cmocka_unit_test(skip_id_still_validates),
		cmocka_unit_test(zstd_is_accepted),
		cmocka_unit_test(gzip_multi_member_is_one_stream),
		cmocka_unit_test(gzip_truncated_or_corrupt_is_ebadmsg),
		cmocka_unit_test(hostile_tars_are_rejected),
		cmocka_unit_test(build_then_read_roundtrip),
		cmocka_unit_test(build_is_reproducible_and_compression_independent),
		cmocka_unit_test(build_refuses_to_overwrite_and_leaves_nothing),
		cmocka_unit_test(rewrite_manifest_puts_it_first),
		cmocka_unit_test(raw_tee_sees_every_byte_of_the_file),
		cmocka_unit_test(hash_thread_gives_the_same_id),
		cmocka_unit_test(hash_thread_on_truncated_or_corrupt_gzip_is_ebadmsg),
		cmocka_unit_test(hash_thread_checks_each_gzip_member),
		cmocka_unit_test(read_thread_stops_on_an_early_entry_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
